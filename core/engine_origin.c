/* core/engine_origin.c - see engine_origin.h. Paths the engine wrote live in a small ring of
 * (path, time), checked by sources for their events' paths for two seconds. */
#include "engine_origin.h"
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "event.h"
#include "log.h"
#include "platform/append_file.h" /* PLAT_MUTEX_STATIC_INIT */
#include "platform/platform.h"

void engine_origin_mark(wee_event *ev, int by_engine)
{
    if (!ev) return;
    ev->by_engine = by_engine != 0;
    event_set_bool(ev, ENGINE_ORIGIN_FIELD, by_engine != 0);
}

void engine_origin_adopt(wee_event *ev)
{
    const event_field *f = event_find(ev, ENGINE_ORIGIN_FIELD);
    if (f && f->type == WEE_VALUE_BOOL) ev->by_engine = f->ival != 0;
}

#define WRITES_RING 64
#define WRITES_WINDOW_NS 2000000000ull
typedef struct recent_write { char path[512]; uint64_t at_ns; } recent_write;
static recent_write g_writes[WRITES_RING];
static size_t g_writes_next;
static atomic_ullong g_last_write_ns; /* lets a check skip the lock when nothing was written lately */
/* The locks exist before any caller (tests call host_api_get from several threads at once); until
 * engine_origin_init sets g_writes_ready nothing is noted or answered. */
static plat_mutex g_writes_lock = PLAT_MUTEX_STATIC_INIT;
static atomic_int g_writes_ready;
static plat_mutex g_procs_lock = PLAT_MUTEX_STATIC_INIT;

void engine_origin_init(void)
{
    atomic_store(&g_writes_ready, 1);
}

void engine_origin_note_write(const char *path)
{
    if (!path || !path[0] || !atomic_load(&g_writes_ready)) return;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&g_writes_lock);
    size_t last = (g_writes_next + WRITES_RING - 1) % WRITES_RING;
    if (strcmp(g_writes[last].path, path) == 0) {
        g_writes[last].at_ns = now; /* the same file again (a log line after a log line) */
    } else {
        snprintf(g_writes[g_writes_next].path, sizeof g_writes[0].path, "%s", path);
        g_writes[g_writes_next].at_ns = now;
        g_writes_next = (g_writes_next + 1) % WRITES_RING;
    }
    plat_mutex_unlock(&g_writes_lock);
    atomic_store(&g_last_write_ns, now);
}

static int same_path(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;
#ifdef _WIN32
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
#endif
        if (x != y) return 0;
        if (!x) return 1;
    }
}

static const char *last_name(const char *p)
{
    const char *b = p;
    for (; *p; p++) if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

int engine_origin_path_written(const char *path)
{
    uint64_t now = plat_monotonic_ns();
    if (!path || !atomic_load(&g_writes_ready) || now - atomic_load(&g_last_write_ns) > WRITES_WINDOW_NS) return 0;
    char real[1024];
    int have_real = -1;
    int hit = 0;
    plat_mutex_lock(&g_writes_lock);
    for (size_t i = 0; i < WRITES_RING && !hit; i++) {
        const recent_write *w = &g_writes[i];
        if (!w->path[0] || now - w->at_ns > WRITES_WINDOW_NS) continue;
        if (same_path(w->path, path)) { hit = 1; break; }
        /* The source may name the file through another spelling (a symlinked folder): compare real paths.
         * Only worth resolving (several system calls) when the file names agree: a file source reports
         * the name it was written under. */
        if (!same_path(last_name(w->path), last_name(path))) continue;
        if (have_real < 0) have_real = plat_realpath(path, real, sizeof real) == 0;
        if (have_real && same_path(w->path, real)) hit = 1;
    }
    plat_mutex_unlock(&g_writes_lock);
    return hit;
}

/* --- engine-owned processes --- */
#define PROCS_MAX 4096
#define ENDED_GRACE_NS 10000000000ull /* every process source reports an exit well within this */
typedef struct owned_proc { int64_t pid; uint64_t ended_ns; /* 0 while it runs */ } owned_proc;
static owned_proc g_procs[PROCS_MAX];
static size_t g_procs_count;
static int g_procs_full_logged;

static owned_proc *proc_find(int64_t pid)
{
    for (size_t i = 0; i < g_procs_count; i++) if (g_procs[i].pid == pid) return &g_procs[i];
    return NULL;
}

static void proc_drop(owned_proc *p) { *p = g_procs[--g_procs_count]; }

/* Room for one more: an exited entry makes way (the oldest exit first), a running one never does. */
static owned_proc *proc_slot(uint64_t now)
{
    if (g_procs_count < PROCS_MAX) return &g_procs[g_procs_count++];
    owned_proc *oldest = NULL;
    for (size_t i = 0; i < g_procs_count; i++)
        if (g_procs[i].ended_ns && (!oldest || g_procs[i].ended_ns < oldest->ended_ns)) oldest = &g_procs[i];
    (void)now;
    return oldest;
}

int engine_origin_process_started(int64_t pid, int64_t ppid, uint32_t flags)
{
    if (!atomic_load(&g_writes_ready) || pid <= 0) return 0;
    int64_t self = (int64_t)plat_getpid();
    uint64_t now = plat_monotonic_ns();
    int full = 0;
    plat_mutex_lock(&g_procs_lock);
    const owned_proc *parent = ppid > 0 ? proc_find(ppid) : NULL;
    owned_proc *p = proc_find(pid);
    /* Only a running parent counts: its children are created while it runs. */
    int owned = (ppid > 0 && ppid == self) || (parent && !parent->ended_ns) ||
                (p && !p->ended_ns && (flags & (WEE_ORIGIN_CONTINUED | WEE_ORIGIN_SNAPSHOT)));
    if (owned) {
        if (!p) p = proc_slot(now);
        if (p) { p->pid = pid; p->ended_ns = 0; }
        else full = !g_procs_full_logged++;
    } else if (p && !(flags & WEE_ORIGIN_SNAPSHOT)) {
        proc_drop(p); /* a new process under a reused pid is not the engine's */
    }
    plat_mutex_unlock(&g_procs_lock);
    if (full)
        log_write(WEE_LOG_WARN, "engine", "%d processes the engine started are running at once; newer ones are "
                  "not remembered (their children will not be marked by_engine)", PROCS_MAX);
    return owned;
}

int engine_origin_process_owned(int64_t pid)
{
    if (!atomic_load(&g_writes_ready)) return 0;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&g_procs_lock);
    const owned_proc *p = proc_find(pid);
    int owned = p && (!p->ended_ns || now - p->ended_ns < ENDED_GRACE_NS);
    plat_mutex_unlock(&g_procs_lock);
    return owned;
}

void engine_origin_process_ended(int64_t pid)
{
    if (!atomic_load(&g_writes_ready)) return;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&g_procs_lock);
    owned_proc *p = proc_find(pid);
    if (p && !p->ended_ns) p->ended_ns = now ? now : 1;
    plat_mutex_unlock(&g_procs_lock);
}

void engine_origin_process_reset(void)
{
    if (!atomic_load(&g_writes_ready)) return;
    plat_mutex_lock(&g_procs_lock);
    g_procs_count = 0;
    g_procs_full_logged = 0;
    plat_mutex_unlock(&g_procs_lock);
}
