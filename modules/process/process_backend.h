/*
 * modules/process/process_backend.h - the seam between the portable part of the process source
 * (options, the pid cache, the engine-owned set, the include filter, building events: process.c) and one
 * OS backend (process_linux.c: netlink proc connector or /proc polling; process_win32.c: ETW
 * Kernel-Process or Toolhelp polling).
 *
 * The backend runs its own thread and reports what the OS told it; process.c decides what becomes an
 * event. All reports for one source come from the backend's one thread.
 */
#ifndef WEE_PROCESS_BACKEND_H
#define WEE_PROCESS_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include "wee/wee.h"

/* What the backend learned about a process. Strings are UTF-8, truncated to fit, "" when unknown;
 * ppid and session_id are -1 when unknown. */
typedef struct proc_info {
    int64_t pid, ppid, session_id;
    char exe[1024];         /* full path of the image */
    char name[256];         /* process name when exe is unknown (Linux comm, Toolhelp, ETW stop) */
    char cmdline[2048];
    char user[256];
} proc_info;

void proc_info_clear(proc_info *info, int64_t pid);

typedef struct process_source process_source;

/* A process began running a program (Linux exec, Windows process start). */
void process_report_started(process_source *s, const proc_info *info);
/* A process ended. process.c completes the event from what it remembered at start; name (may be NULL)
 * is what the OS called it, used only when nothing was remembered. */
void process_report_stopped(process_source *s, int64_t pid, const char *name, int has_exit_code, int64_t exit_code);
/* A process was created without an event of its own (Linux fork): remembered so a later exec or exit
 * knows its parent and whether the engine owns it. */
void process_note_fork(process_source *s, int64_t pid, int64_t ppid);
/* A process that existed before the source started: remembered, no event. */
void process_seed(process_source *s, const proc_info *info);
/* Did the engine start this process (or one of its ancestors)? For backends that keep extra state. */
const wee_host_api *process_host(process_source *s);
wee_source *process_wee_source(process_source *s);

typedef enum { PROCESS_MODE_AUTO = 0, PROCESS_MODE_POLL = 1 } process_mode;
process_mode process_get_mode(process_source *s);
int64_t process_poll_ms(process_source *s);
/* Sleeps up to ms; returns 1 as soon as the source is being stopped. */
int process_wait(process_source *s, int64_t ms);
int process_stopping(process_source *s);

/* Backend entry points (one implementation per platform). start returns promptly; stop blocks until the
 * backend thread has ended. The backend logs exactly one line when it falls back to polling. */
typedef struct process_backend process_backend;
int process_backend_start(process_source *s, process_backend **out, char *err, size_t err_size);
void process_backend_stop(process_backend *b);
#endif
