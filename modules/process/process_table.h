/*
 * modules/process/process_table.h - what the process source remembers between events, bounded:
 *  - a pid -> info cache (exe, cmdline, user, ppid, session) filled at start so process.stopped can say
 *    which program ended even though the OS only reports a pid at exit;
 *  - which of them the engine owns: processes the engine started and their descendants (by_engine),
 *    a mark on the entry, so it lives and dies with that process (a reused pid gets a fresh entry).
 * When full, the oldest entry the engine does not own is forgotten (the cache holds live processes, so
 * the oldest is the least likely to matter). Engine-owned entries are never pushed out by other
 * processes, however many start: only the engine's own descendants can fill the table, and then a new
 * entry is refused (WEE_EFULL) rather than an old one dropped. Not thread-safe: one backend thread.
 */
#ifndef WEE_PROCESS_TABLE_H
#define WEE_PROCESS_TABLE_H
#include <stddef.h>
#include <stdint.h>

typedef struct proc_entry {
    int64_t pid, ppid, session_id;
    uint64_t age;            /* insertion order, for eviction */
    int quiet;               /* known only from a fork: its exit is not an event */
    int engine;              /* started by the engine, or a descendant of such a process */
    char *exe, *name, *cmdline, *user;   /* name: the process name when exe could not be read */
} proc_entry;

typedef struct proc_table {
    proc_entry *items;
    size_t count, cap;
    uint64_t clock;
} proc_table;

int proc_table_init(proc_table *t, size_t cap);
void proc_table_free(proc_table *t);
/* Replaces the pid's entry (NULL strings stored as "", not engine-owned). 0, WEE_ENOMEM, or WEE_EFULL
 * when every entry is engine-owned. */
int proc_table_put(proc_table *t, int64_t pid, int64_t ppid, int64_t session_id, const char *exe,
                   const char *name, const char *cmdline, const char *user);
proc_entry *proc_table_get(proc_table *t, int64_t pid);
void proc_table_remove(proc_table *t, int64_t pid);

/* Is pid's entry marked engine-owned? */
int proc_engine_has(const proc_table *t, int64_t pid);
/* Marks pid's entry (which must exist) engine-owned. */
void proc_engine_mark(proc_table *t, int64_t pid);

/* "C:\\x\\notepad.exe" -> "notepad.exe", "/usr/bin/true" -> "true" (both separators on every OS). */
const char *proc_basename(const char *path);
#endif
