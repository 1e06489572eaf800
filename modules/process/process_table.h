/*
 * modules/process/process_table.h - what the process source remembers between events, bounded: a
 * pid -> info cache (exe, cmdline, user, ppid, session) filled at start so process.stopped can say
 * which program ended even though the OS only reports a pid at exit. When full, the oldest entry is
 * forgotten (the cache holds live processes, so the oldest is the least likely to matter). Which
 * processes the engine owns is the host's to know (host->origin_process_*, ABI 1.3): it keeps those
 * marks however many other processes start. Not thread-safe: one backend thread.
 */
#ifndef WEE_PROCESS_TABLE_H
#define WEE_PROCESS_TABLE_H
#include <stddef.h>
#include <stdint.h>

typedef struct proc_entry {
    int64_t pid, ppid, session_id;
    uint64_t age;            /* insertion order, for eviction */
    int quiet;               /* known only from a fork: its exit is not an event */
    char *exe, *name, *cmdline, *user;   /* name: the process name when exe could not be read */
} proc_entry;

typedef struct proc_table {
    proc_entry *items;
    size_t count, cap;
    uint64_t clock;
} proc_table;

int proc_table_init(proc_table *t, size_t cap);
void proc_table_free(proc_table *t);
/* Replaces the pid's entry (NULL strings stored as ""). 0 or WEE_ENOMEM. */
int proc_table_put(proc_table *t, int64_t pid, int64_t ppid, int64_t session_id, const char *exe,
                   const char *name, const char *cmdline, const char *user);
proc_entry *proc_table_get(proc_table *t, int64_t pid);
void proc_table_remove(proc_table *t, int64_t pid);

/* "C:\\x\\notepad.exe" -> "notepad.exe", "/usr/bin/true" -> "true" (both separators on every OS). */
const char *proc_basename(const char *path);
#endif
