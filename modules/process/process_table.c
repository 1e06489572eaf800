/* modules/process/process_table.c - bounded pid cache (see process_table.h). */
#include "process_table.h"
#include <stdlib.h>
#include <string.h>
#include "wee/errors.h"
#include "util/strbuf.h"

static void entry_free(proc_entry *e)
{
    free(e->exe);
    free(e->name);
    free(e->cmdline);
    free(e->user);
    memset(e, 0, sizeof *e);
}

int proc_table_init(proc_table *t, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->items = calloc(cap ? cap : 1, sizeof *t->items);
    if (!t->items) return WEE_ENOMEM;
    t->cap = cap ? cap : 1;
    return 0;
}

void proc_table_free(proc_table *t)
{
    for (size_t i = 0; i < t->count; i++) entry_free(&t->items[i]);
    free(t->items);
    memset(t, 0, sizeof *t);
}

proc_entry *proc_table_get(proc_table *t, int64_t pid)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->items[i].pid == pid) return &t->items[i];
    return NULL;
}

void proc_table_remove(proc_table *t, int64_t pid)
{
    proc_entry *e = proc_table_get(t, pid);
    if (!e) return;
    entry_free(e);
    *e = t->items[--t->count];
    memset(&t->items[t->count], 0, sizeof t->items[t->count]);
}

int proc_table_put(proc_table *t, int64_t pid, int64_t ppid, int64_t session_id, const char *exe,
                   const char *name, const char *cmdline, const char *user)
{
    proc_entry *e = proc_table_get(t, pid);
    if (!e && t->count == t->cap) {
        for (size_t i = 0; i < t->count; i++)
            if (!e || t->items[i].age < e->age) e = &t->items[i];
    }
    proc_entry fresh = { .pid = pid, .ppid = ppid, .session_id = session_id, .age = ++t->clock };
    fresh.exe = str_dup(exe ? exe : "");
    fresh.name = str_dup(name ? name : "");
    fresh.cmdline = str_dup(cmdline ? cmdline : "");
    fresh.user = str_dup(user ? user : "");
    if (!fresh.exe || !fresh.name || !fresh.cmdline || !fresh.user) { entry_free(&fresh); return WEE_ENOMEM; }
    if (!e) e = &t->items[t->count++];
    entry_free(e);
    *e = fresh;
    return 0;
}

const char *proc_basename(const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/' || *c == '\\') base = c + 1;
    return base;
}
