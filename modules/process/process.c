/*
 * modules/process - process.started / process.stopped events.
 *
 *   { "id": "procs", "module": "process", "include": ["notepad*.exe"], "events": ["started", "stopped"] }
 *
 * Fields: pid, ppid, exe (full path), process (basename of exe), cmdline, user, session_id, by_engine,
 * and exit_code on process.stopped when the OS reported it. Unknown strings are "", unknown ppid and
 * session_id are -1, so every event has the same fields on every platform.
 *
 * This file is the portable half: options, the bounded pid cache (so a stop event names the program
 * although the OS only reports a pid at exit), reporting each process to the host's engine-owned set
 * behind by_engine (host->origin_process_*, ABI 1.3), the include filter. The OS half is
 * process_linux.c (netlink proc connector, /proc polling) or process_win32.c
 * (ETW Kernel-Process, Toolhelp polling); see process_backend.h.
 *
 * by_engine: a process whose parent is the host or whose parent is engine-owned is engine-owned (the
 * host decides from parent pids: nothing the process itself chooses counts); the core skips rules for its events
 * unless they set "allow_engine_events": true, so a rule that execs a program on process.started
 * cannot loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "process_backend.h"
#include "process_table.h"
#include "util/glob.h"
#include "wee/wee.h"

#define PROCESS_CACHE_MAX 4096

struct process_source {
    const wee_host_api *host;
    wee_source *src;
    process_mode mode;
    int64_t poll_ms;
    char **include;
    size_t include_count;
    int want_started, want_stopped;
    int64_t host_pid;
    proc_table table;    /* what each process was, for its stop event; the host keeps who owns it */
    process_backend *backend;
    plat_mutex lock;
    plat_cond wake;
    int stop;
};

typedef struct process_settings {
    int mode; /* index in the choices: 0 auto, 1 poll */
    int64_t poll_ms;
    wee_opt_list include;
    uint32_t events; /* bit 0 started, bit 1 stopped */
} process_settings;

static const wee_option_spec options[] = {
    WEE_OPTION(.name = "mode", .type = WEE_OPT_STRING, .default_value = "\"auto\"", .choices = "auto|poll",
               .description = "auto: kernel events (netlink connector as root / ETW as admin), polling when "
                              "refused; poll: always poll", WEE_BIND_INDEX(process_settings, mode)),
    WEE_OPTION(.name = "poll_ms", .type = WEE_OPT_INT, .default_value = "1000", .min = 50, .max = 3600000,
               .description = "interval of the polling fallback, in milliseconds", WEE_BIND(process_settings, poll_ms)),
    WEE_OPTION(.name = "include", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .flags = WEE_OPTF_NONEMPTY,
               .expect = "a process name glob such as \"notepad*.exe\" (not empty)",
               .description = "only processes whose name (basename of exe) matches one of these globs "
                              "(case-insensitive on Windows); empty: all", WEE_BIND(process_settings, include)),
    WEE_OPTION(.name = "events", .type = WEE_OPT_STRING_LIST, .default_value = "[\"started\", \"stopped\"]",
               .choices = "started|stopped", .description = "which events to emit: started, stopped",
               WEE_BIND_INDEX(process_settings, events)),
    WEE_OPTION_END
};

void proc_info_clear(proc_info *info, int64_t pid)
{
    memset(info, 0, sizeof *info);
    info->pid = pid;
    info->ppid = -1;
    info->session_id = -1;
}

const wee_host_api *process_host(process_source *s) { return s->host; }
wee_source *process_wee_source(process_source *s) { return s->src; }
process_mode process_get_mode(process_source *s) { return s->mode; }
int64_t process_poll_ms(process_source *s) { return s->poll_ms; }

int process_stopping(process_source *s)
{
    plat_mutex_lock(&s->lock);
    int stop = s->stop;
    plat_mutex_unlock(&s->lock);
    return stop;
}

int process_wait(process_source *s, int64_t ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)ms * 1000000u;
    plat_mutex_lock(&s->lock);
    while (!s->stop) {
        uint64_t now = plat_monotonic_ns();
        if (now >= end) break;
        plat_cond_timedwait(&s->wake, &s->lock, (int64_t)((end - now + 999999u) / 1000000u));
    }
    int stop = s->stop;
    plat_mutex_unlock(&s->lock);
    return stop;
}

static int name_included(const process_source *s, const char *name)
{
    if (!s->include_count) return 1;
#ifdef _WIN32
    int flags = GLOB_CASEFOLD;
#else
    int flags = 0;
#endif
    for (size_t i = 0; i < s->include_count; i++)
        if (glob_match(s->include[i], name, flags)) return 1;
    return 0;
}

/* The process name: the basename of exe, or what the OS called it when exe could not be read. */
static const char *entry_name(const proc_entry *e)
{
    const char *base = proc_basename(e->exe ? e->exe : "");
    return *base || !e->name ? base : e->name;
}

static void emit_event(process_source *s, const char *type, const proc_entry *e, int by_engine,
                       int has_exit_code, int64_t exit_code)
{
    const wee_host_api *h = s->host;
    wee_event *ev = h->event_new(type);
    if (!ev) return;
    h->event_set_int(ev, "pid", e->pid);
    h->event_set_int(ev, "ppid", e->ppid);
    h->event_set_string(ev, "exe", e->exe ? e->exe : "");
    h->event_set_string(ev, "process", entry_name(e));
    h->event_set_string(ev, "cmdline", e->cmdline ? e->cmdline : "");
    h->event_set_string(ev, "user", e->user ? e->user : "");
    h->event_set_int(ev, "session_id", e->session_id);
    if (has_exit_code) h->event_set_int(ev, "exit_code", exit_code);
    h->origin_mark(ev, by_engine);
    h->emit(s->src, ev);
}

/* Caches what the process is; NULL when out of memory (the event still goes out). */
static proc_entry *remember(process_source *s, int64_t pid, int64_t ppid, int64_t session, const char *exe,
                            const char *name, const char *cmdline, const char *user)
{
    if (proc_table_put(&s->table, pid, ppid, session, exe, name, cmdline, user) != 0) return NULL;
    return proc_table_get(&s->table, pid);
}

void process_report_started(process_source *s, const proc_info *info)
{
    if (info->pid == s->host_pid) return;
    int64_t ppid = info->ppid;
    proc_entry *known = proc_table_get(&s->table, info->pid);
    if (ppid < 0 && known) ppid = known->ppid;  /* the fork told us, /proc was already gone */
    /* Engine ownership comes only from facts an outsider cannot forge, and the host judges it
     * (host->origin_process_started): the process is a child of the host itself (the exec/pwsh/Lua runners are
     * the only ones that start processes here), or a child of a process the engine owns (its parent pid when
     * it was created), or it is the same process an earlier fork event already marked (Linux, which reports
     * the fork before the exec: WEE_ORIGIN_CONTINUED). Nothing in the process's own environment or command
     * line counts: any program could set those. */
    int by_engine = s->host->origin_process_started(info->pid, ppid, known && known->quiet ? WEE_ORIGIN_CONTINUED : 0);
    proc_entry *e = remember(s, info->pid, ppid, info->session_id, info->exe, info->name, info->cmdline, info->user);
    if (!e) {
        proc_entry tmp = { .pid = info->pid, .ppid = ppid, .session_id = info->session_id, .exe = (char *)info->exe,
                           .name = (char *)info->name, .cmdline = (char *)info->cmdline, .user = (char *)info->user };
        if (s->want_started && name_included(s, entry_name(&tmp))) emit_event(s, "process.started", &tmp, by_engine, 0, 0);
        return;
    }
    if (s->want_started && name_included(s, entry_name(e))) emit_event(s, "process.started", e, by_engine, 0, 0);
}

void process_report_stopped(process_source *s, int64_t pid, const char *name, int has_exit_code, int64_t exit_code)
{
    if (pid == s->host_pid) return;
    int by_engine = s->host->origin_process_owned(pid);
    proc_entry *e = proc_table_get(&s->table, pid);
    proc_entry unknown = { .pid = pid, .ppid = -1, .session_id = -1, .name = (char *)(name ? name : "") };
    if (!e) e = &unknown;
    if (!e->quiet && s->want_stopped && name_included(s, entry_name(e)))
        emit_event(s, "process.stopped", e, by_engine, has_exit_code, exit_code);
    proc_table_remove(&s->table, pid);
    s->host->origin_process_ended(pid);
}

void process_note_fork(process_source *s, int64_t pid, int64_t ppid)
{
    s->host->origin_process_started(pid, ppid, 0); /* recorded: an engine-owned parent makes it the engine's */
    /* The child runs its parent's program until it execs; only an exec makes it an event. */
    proc_entry *parent = proc_table_get(&s->table, ppid);
    proc_entry *e = remember(s, pid, ppid, parent ? parent->session_id : -1, NULL, NULL, NULL, NULL);
    if (e) e->quiet = 1;
}

void process_seed(process_source *s, const proc_info *info)
{
    s->host->origin_process_started(info->pid, info->ppid, WEE_ORIGIN_SNAPSHOT);
    remember(s, info->pid, info->ppid, info->session_id, info->exe, info->name, info->cmdline, info->user);
}

static void free_include(const wee_host_api *h, process_source *s)
{
    for (size_t i = 0; i < s->include_count; i++) h->free(s->include[i]);
    h->free(s->include);
    s->include = NULL;
    s->include_count = 0;
}

static int psrc_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n)
{
    process_source *s = h->alloc(sizeof *s);
    if (!s) return WEE_ENOMEM;
    memset(s, 0, sizeof *s);
    s->host = h;
    s->src = src;
    process_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, options, &set);
    s->mode = set.mode == 1 ? PROCESS_MODE_POLL : PROCESS_MODE_AUTO;
    s->poll_ms = set.poll_ms;
    /* The host checked each name against the choices; an empty list is still possible. */
    if (!set.events) { snprintf(err, n, "events: give at least one of \"started\", \"stopped\""); goto fail; }
    s->want_started = (set.events & 1u) != 0;
    s->want_stopped = (set.events & 2u) != 0;
    s->include_count = set.include.count;
    if (s->include_count) {
        s->include = h->alloc(s->include_count * sizeof *s->include);
        if (!s->include) { s->include_count = 0; goto nomem; }
        memset(s->include, 0, s->include_count * sizeof *s->include);
        for (size_t i = 0; i < s->include_count; i++) {
            const char *g = wee_list_at(&set.include, i); /* not empty: WEE_OPTF_NONEMPTY */
            size_t len = strlen(g) + 1;
            if (!(s->include[i] = h->alloc(len))) goto nomem;
            memcpy(s->include[i], g, len);
        }
    }
    if (proc_table_init(&s->table, PROCESS_CACHE_MAX) != 0) goto nomem;
    s->host_pid = (int64_t)plat_getpid();
    plat_mutex_init(&s->lock);
    plat_cond_init(&s->wake);
    *inst = s;
    return 0;
nomem:
    free_include(h, s);
    h->free(s);
    return WEE_ENOMEM;
fail:
    free_include(h, s);
    h->free(s);
    return WEE_ECONFIG;
}

static int psrc_start(void *inst, char *err, size_t n)
{
    process_source *s = inst;
    plat_mutex_lock(&s->lock);
    s->stop = 0;
    plat_mutex_unlock(&s->lock);
    return process_backend_start(s, &s->backend, err, n);
}

static void psrc_stop(void *inst)
{
    process_source *s = inst;
    if (!s->backend) return;
    plat_mutex_lock(&s->lock);
    s->stop = 1;
    plat_cond_broadcast(&s->wake);
    plat_mutex_unlock(&s->lock);
    process_backend_stop(s->backend);
    s->backend = NULL;
}

static void psrc_destroy(void *inst)
{
    process_source *s = inst;
    psrc_stop(s);
    proc_table_free(&s->table);
    plat_cond_destroy(&s->wake);
    plat_mutex_destroy(&s->lock);
    free_include(s->host, s);
    s->host->free(s);
}

static const char *const event_types[] = { "process.started", "process.stopped", NULL };

static const wee_field_spec event_fields[] = {
    WEE_FIELD(.name = "pid", .alias = "PID", .description = "process id"),
    WEE_FIELD(.name = "ppid", .description = "parent process id, -1 if unknown"),
    WEE_FIELD(.name = "exe", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS, .description = "full path of the program, \"\" if unknown"),
    WEE_FIELD(.name = "process", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "PROCESS_NAME",
              .description = "program name (basename of exe)"),
    WEE_FIELD(.name = "cmdline", .description = "command line, \"\" if unknown"),
    WEE_FIELD(.name = "user", .description = "user name, \"\" if unknown"),
    WEE_FIELD(.name = "session_id", .description = "login session, -1 if unknown"),
    WEE_FIELD(.name = "exit_code", .description = "process.stopped: exit code, when the OS reported it"),
    WEE_FIELD_END
};

static const wee_module_desc descriptor = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "process",
    .version = "1.0.0",
    .description = "process.started / process.stopped (netlink proc connector or ETW; polling fallback)",
    .kind = WEE_MODULE_SOURCE,
    .options = options,
    .source_create = psrc_create,
    .source_start = psrc_start,
    .source_stop = psrc_stop,
    .source_destroy = psrc_destroy,
    .event_types = event_types,
    .fields = event_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &descriptor; }
