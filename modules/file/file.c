/*
 * modules/file - file.created / modified / deleted / renamed from a watched folder tree.
 * Portable part: options, include/exclude filters, settle (one save -> one file.modified; the waiting
 * paths are file_settle.h's), dedupe of paths reported both by a scan and by the kernel, and building
 * the events. The OS backend
 * (file_backend.h) only reports raw changes, into a bounded in-process backlog (file_backlog.h) so it
 * keeps draining the kernel's queue while the engine's emit blocks; one delivery thread turns them
 * into events, keeps the known paths (file_known.h) and rescans after an overflow (file_rescan.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/strbuf.h"
#include "file_backend.h"
#include "file_backlog.h"
#include "file_known.h"
#include "file_rescan.h"
#include "file_settle.h"
#include "platform/platform.h"
#include "util/glob.h"
#include "util/path_name.h"

#ifdef _WIN32
#define PATH_GLOB_FLAGS (GLOB_PATH | GLOB_PATHSEP_ANY | GLOB_CASEFOLD)
#define NAME_GLOB_FLAGS GLOB_CASEFOLD
#else
#define PATH_GLOB_FLAGS GLOB_PATH
#define NAME_GLOB_FLAGS 0
#endif

struct file_watch {
    const wee_host_api *host;
    wee_source *src;
    char **roots;
    size_t nroots;
    int recursive, ignore_dirs;
    unsigned events;
    char **include, **exclude;
    size_t ninclude, nexclude;
    file_backend *backend;
    plat_mutex lock;
    plat_cond wake;
    settle_table settle;         /* w->lock */
    plat_thread settle_thread;   /* the delivery thread: backlog, settle deadlines, rescans */
    int stop, running;
    backlog queue;               /* w->lock */
    raw_item *staged, *staged_tail; /* backend thread only: changes of the read buffer in hand */
    size_t nstaged;
    file_known *known;           /* delivery thread only; NULL when known_max is 0 */
    size_t known_max;
};

/* The options as bound (wee/bind.h); the table below is the only place their names are written. */
typedef struct file_settings {
    wee_opt_list paths, include, exclude;
    int recursive, ignore_dirs;
    int64_t settle_ms, backlog_max_kb, known_max;
    uint32_t events; /* bit i = choice i: the fev_kind bits (created 1, modified 2, deleted 4, renamed 8) */
} file_settings;

static const wee_option_spec options[] = {
    WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, .required = 1, .description = "folders to watch (must exist)",
               WEE_BIND(file_settings, paths)),
    WEE_OPTION(.name = "recursive", .type = WEE_OPT_BOOL, .default_value = "true", .description = "watch subfolders, including ones created later",
               WEE_BIND(file_settings, recursive)),
    WEE_OPTION(.name = "include", .type = WEE_OPT_STRING_LIST, .description = "globs on the file name (or on the path below the root when the glob has a '/'); empty = everything",
               WEE_BIND(file_settings, include)),
    WEE_OPTION(.name = "exclude", .type = WEE_OPT_STRING_LIST, .description = "globs like include; a match is ignored",
               WEE_BIND(file_settings, exclude)),
    WEE_OPTION(.name = "settle_ms", .type = WEE_OPT_INT, .default_value = "200", .min = 0, .max = 600000,
               .description = "writes to one file within this window give one file.modified", WEE_BIND(file_settings, settle_ms)),
    WEE_OPTION(.name = "events", .type = WEE_OPT_STRING_LIST, .choices = "created|modified|deleted|renamed",
               .description = "subset of created, modified, deleted, renamed (default all)", WEE_BIND_INDEX(file_settings, events)),
    WEE_OPTION(.name = "ignore_dirs", .type = WEE_OPT_BOOL, .default_value = "false", .description = "no events for folders themselves",
               WEE_BIND(file_settings, ignore_dirs)),
    WEE_OPTION(.name = "backlog_max_kb", .type = WEE_OPT_INT, .default_value = "65536", .min = 1, .max = 4194304,
               .description = "memory for changes read from the OS but not yet emitted; past it changes are dropped, counted as lost, and recovered by a rescan",
               WEE_BIND(file_settings, backlog_max_kb)),
    WEE_OPTION(.name = "known_max", .type = WEE_OPT_INT, .default_value = "1000000", .min = 0, .max = 100000000,
               .description = "paths remembered for overflow recovery (a rescan reports created/deleted against them); 0 = no recovery",
               WEE_BIND(file_settings, known_max)),
    WEE_OPTION_END
};

const wee_host_api *file_host(file_watch *w) { return w->host; }
size_t file_root_count(const file_watch *w) { return w->nroots; }
const char *file_root(const file_watch *w, size_t i) { return w->roots[i]; }
int file_recursive(const file_watch *w) { return w->recursive; }


static const char *relative_to_root(const file_watch *w, const char *path)
{
    for (size_t i = 0; i < w->nroots; i++) {
        size_t n = strlen(w->roots[i]);
        if (strncmp(path, w->roots[i], n) == 0 && path_is_sep(path[n])) return path + n + 1;
    }
    return path;
}

static int glob_list_hits(const file_watch *w, char **globs, size_t n, const char *path)
{
    const char *name = path_base_name(path), *rel = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strchr(globs[i], '/') || strchr(globs[i], '\\')) {
            if (!rel) rel = relative_to_root(w, path);
            if (glob_match(globs[i], rel, PATH_GLOB_FLAGS)) return 1;
        } else if (glob_match(globs[i], name, NAME_GLOB_FLAGS)) {
            return 1;
        }
    }
    return 0;
}

static int wanted(const file_watch *w, const char *path, int is_dir)
{
    if (is_dir && w->ignore_dirs) return 0;
    if (w->ninclude && !glob_list_hits(w, w->include, w->ninclude, path)) return 0;
    if (w->nexclude && glob_list_hits(w, w->exclude, w->nexclude, path)) return 0;
    return 1;
}

static void emit(file_watch *w, const char *type, const char *path, const char *old_path, int is_dir)
{
    const wee_host_api *h = w->host;
    wee_event *ev = h->event_new(type);
    if (!ev) return;
    char dir[4096], ext[64] = "";
    const char *name = path_base_name(path);
    size_t dlen = (size_t)(name - path);
    if (dlen > 0 && dlen < sizeof dir) { memcpy(dir, path, dlen - 1); dir[dlen - 1] = '\0'; } else dir[0] = '\0';
    if (dlen == 1) snprintf(dir, sizeof dir, "%c", path[0]);
    const char *dot = strrchr(name, '.');
    if (!is_dir && dot && dot != name && strlen(dot + 1) < sizeof ext) {
        size_t i = 0;
        for (const char *c = dot + 1; *c; c++) ext[i++] = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
        ext[i] = '\0';
    }
    h->event_set_string(ev, "path", path);
    h->event_set_string(ev, "name", name);
    h->event_set_string(ev, "dir", dir);
    h->event_set_string(ev, "ext", ext);
    if (old_path) h->event_set_string(ev, "old_path", old_path);
    h->event_set_bool(ev, "is_dir", is_dir);
    /* A file the engine itself just wrote (the log action's file): rules skip the event by default. */
    if (h->origin_path_written(path)) h->origin_mark(ev, 1);
    h->emit(w->src, ev);
}

/* Turns one change into an event (delivery thread; the known paths are already updated). */
static void deliver(file_watch *w, fev_kind kind, const char *path, const char *old_path, int is_dir)
{
    if (!wanted(w, path, is_dir) && !(kind == FEV_RENAMED && old_path && wanted(w, old_path, is_dir))) return;
    int settle = w->settle.settle_ms > 0;
    settle_table *t = &w->settle;
    plat_mutex_lock(&w->lock);
    pending *p;
    switch (kind) {
    case FEV_CREATED:
        /* Already known: reported by a scan and by the kernel, or an existing file seen again. */
        if (settle_find(t, path)) { plat_mutex_unlock(&w->lock); return; }
        /* The marker folds the writes that follow into the creation and dedupes scan vs kernel; it
         * lives at least a second even with settle_ms 0, which is the scan/kernel race window. */
        if (settle_put(t, path, 0, is_dir, SETTLE_LANE_MARKER) > 0) plat_cond_signal(&w->wake);
        plat_mutex_unlock(&w->lock);
        if (w->events & FEV_CREATED) emit(w, "file.created", path, NULL, is_dir);
        return;
    case FEV_MODIFIED:
        if (is_dir) { plat_mutex_unlock(&w->lock); return; }
        if (settle) {
            if ((p = settle_find(t, path)) != NULL) settle_rearm(t, p, SETTLE_LANE_SETTLE);
            else if (settle_put(t, path, 1, 0, SETTLE_LANE_SETTLE) > 0) plat_cond_signal(&w->wake);
            plat_mutex_unlock(&w->lock);
            return;
        }
        plat_mutex_unlock(&w->lock);
        if (w->events & FEV_MODIFIED) emit(w, "file.modified", path, NULL, 0);
        return;
    case FEV_DELETED:
        p = settle_take(t, path);
        plat_mutex_unlock(&w->lock);
        settle_entry_free(p);
        if (w->events & FEV_DELETED) emit(w, "file.deleted", path, NULL, is_dir);
        return;
    case FEV_RENAMED:
        p = old_path ? settle_take(t, old_path) : NULL;
        if (p && p->modified && settle && settle_put(t, path, 1, is_dir, SETTLE_LANE_SETTLE) > 0) plat_cond_signal(&w->wake);
        settle_entry_free(p);
        plat_mutex_unlock(&w->lock);
        if (w->events & FEV_RENAMED) emit(w, "file.renamed", path, old_path, is_dir);
        return;
    }
    plat_mutex_unlock(&w->lock);
}

/* The known paths say whether a change is news: a creation already known was reported by a scan (or the
 * rescan) and by the kernel; a deletion of an unknown path was already reported by a rescan. While the
 * set is full (known_max) nothing can be concluded from absence, so such changes pass. */
static void apply(file_watch *w, fev_kind kind, const char *path, const char *old_path, int is_dir)
{
    file_known *k = w->known;
    if (k) {
        int was_dir = 0;
        switch (kind) {
        case FEV_CREATED:
            if (known_add(k, path, is_dir) == 0) return;
            break;
        case FEV_DELETED:
            if (known_remove(k, path, &was_dir)) is_dir |= was_dir;
            else if (!known_saturated(k)) return;
            break;
        case FEV_RENAMED:
            if (old_path) known_rename(k, old_path, path, is_dir); else known_add(k, path, is_dir);
            break;
        case FEV_MODIFIED:
            break;
        }
    }
    deliver(w, kind, path, old_path, is_dir);
}

/* Changes are staged by the backend thread and queued a read buffer at a time (file_report_flush): one
 * lock and one wake-up of the delivery thread per buffer, not per change, so a burst costs the writing
 * program little. A scan of a big moved-in folder is flushed in slices so the bound keeps applying. */
#define STAGE_MAX 4096

void file_report(file_watch *w, fev_kind kind, const char *path, const char *old_path, int is_dir, int from_scan)
{
    raw_item *it = backlog_item_new(kind, path, old_path, is_dir, from_scan);
    if (!it) {
        file_report_flush(w); /* keeps the rescan marker behind what was accepted before */
        plat_mutex_lock(&w->lock);
        backlog_count_drop(&w->queue); /* counted and recovered by the rescan the backlog queued */
        plat_cond_signal(&w->wake);
        plat_mutex_unlock(&w->lock);
        return;
    }
    it->next = NULL;
    if (w->staged_tail) w->staged_tail->next = it; else w->staged = it;
    w->staged_tail = it;
    if (++w->nstaged >= STAGE_MAX) file_report_flush(w);
}

void file_report_flush(file_watch *w)
{
    if (!w->staged) return;
    raw_item *chain = w->staged;
    w->staged = w->staged_tail = NULL;
    w->nstaged = 0;
    plat_mutex_lock(&w->lock);
    backlog_push_items(&w->queue, chain); /* refusals are counted and recovered by the queued rescan */
    plat_cond_signal(&w->wake);
    plat_mutex_unlock(&w->lock);
}

void file_report_overflow(file_watch *w, const char *reason)
{
    w->host->log(WEE_LOG_WARN, "file", "source '%s': %s", w->host->source_id(w->src), reason);
    file_report_flush(w);
    plat_mutex_lock(&w->lock);
    backlog_push_overflow(&w->queue);
    plat_cond_signal(&w->wake);
    plat_mutex_unlock(&w->lock);
}

static void rescan_found(const char *path, int is_dir, void *ctx) { deliver(ctx, FEV_CREATED, path, NULL, is_dir); }
static void rescan_gone(const char *path, int is_dir, void *ctx) { deliver(ctx, FEV_DELETED, path, NULL, is_dir); }
static int rescan_stop(void *ctx)
{
    file_watch *w = ctx;
    plat_mutex_lock(&w->lock);
    int stop = w->stop;
    plat_mutex_unlock(&w->lock);
    return stop;
}

/* A rescan marker: notifications were dropped (by the OS or by the backlog bound) since the last one. */
static void recover(file_watch *w)
{
    plat_mutex_lock(&w->lock);
    uint64_t dropped = w->queue.dropped, overflows = w->queue.overflows;
    w->queue.dropped = w->queue.overflows = 0;
    w->queue.marker_queued = 0;
    int stop = w->stop;
    plat_mutex_unlock(&w->lock);
    const wee_host_api *h = w->host;
    char reason[512];
    /* The OS does not say how many it dropped: each overflow counts as at least one. */
    uint64_t lost = dropped + overflows;
    if (stop || !w->known) {
        snprintf(reason, sizeof reason, "%s; %s", dropped ? "the in-process backlog was full (backlog_max_kb)"
                                                          : "the OS notification buffer overflowed",
                 stop ? "not rescanned (stopping)" : "no rescan (known_max is 0)");
        h->report_lost(w->src, lost, reason);
        return;
    }
    /* With a full set an untracked path may be old: only vanished paths can be reported then. */
    int can_create = !known_saturated(w->known);
    rescan_ops ops = { can_create ? rescan_found : NULL, rescan_gone, w, rescan_stop };
    rescan_result r = file_rescan(w->known, w->roots, w->nroots, w->recursive, &ops);
    snprintf(reason, sizeof reason, "%s%s%s; rescan %s: %zu file.created and %zu file.deleted recovered%s, "
             "modifications in the gap are not recoverable",
             dropped ? "the in-process backlog was full (raise backlog_max_kb)" : "",
             dropped && overflows ? " and " : "", overflows ? "the OS notification buffer overflowed" : "",
             r.complete ? "done" : "cut short by stop", r.created, r.deleted,
             can_create ? "" : " (known_max reached: new files could not be told from old ones)");
    h->report_lost(w->src, lost, reason);
}

/* Delivers one batch taken from the backlog, in order; the bytes are released as they are handled so
 * the bound keeps covering what is still in hand. */
static void deliver_batch(file_watch *w, raw_item *it)
{
    size_t done = 0, n = 0;
    for (raw_item *next; it; it = next) {
        next = it->next;
        if (it->marker) {
            recover(w);
        } else {
            apply(w, it->kind, it->path, it->old_path, it->is_dir);
            done += it->cost;
            backlog_item_free(&w->queue, it); /* not the marker: no lock needed */
            if (++n % 256 == 0) {
                plat_mutex_lock(&w->lock);
                backlog_release(&w->queue, done);
                plat_mutex_unlock(&w->lock);
                done = 0;
            }
        }
    }
    plat_mutex_lock(&w->lock);
    backlog_release(&w->queue, done);
    plat_mutex_unlock(&w->lock);
}

/* Delivers the backlog, emits due modifications, drops expired creation markers. One thread, so events
 * keep the order the OS reported and a quiet file is reported even when nothing else happens. At stop
 * the backend is already gone: what it queued is still delivered. */
static void settle_main(void *arg)
{
    file_watch *w = arg;
    plat_mutex_lock(&w->lock);
    for (;;) {
        /* A batch, then the settle deadlines, so a steady stream of changes cannot starve file.modified. */
        if (w->queue.head) {
            raw_item *batch = backlog_take(&w->queue);
            plat_mutex_unlock(&w->lock);
            deliver_batch(w, batch);
            plat_mutex_lock(&w->lock);
        }
        if (w->stop && !w->queue.head) break;
        if (!w->settle.count) { if (!w->queue.head) plat_cond_wait(&w->wake, &w->lock); continue; }
        uint64_t now = plat_monotonic_ns(), next = now + 1000000000ull;
        char *due[64];
        size_t ndue = 0;
        for (pending *p; (p = settle_next_due(&w->settle)) && ndue < 64;) {
            if (p->deadline_ns > now) { next = p->deadline_ns; break; }
            settle_take_entry(&w->settle, p);
            if (p->modified) { due[ndue++] = p->path; p->path = NULL; }
            settle_entry_free(p);
        }
        if (ndue) {
            plat_mutex_unlock(&w->lock);
            for (size_t i = 0; i < ndue; i++) {
                if (w->events & FEV_MODIFIED) emit(w, "file.modified", due[i], NULL, 0);
                free(due[i]);
            }
            plat_mutex_lock(&w->lock);
            continue;
        }
        if (w->queue.head || w->stop) continue;
        plat_cond_timedwait(&w->wake, &w->lock, (int64_t)((next - now) / 1000000u) + 1);
    }
    plat_mutex_unlock(&w->lock);
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

/* NULL (and *n 0) when out of memory. */
static char **copy_list(const wee_opt_list *l, size_t *n)
{
    size_t count = l->count;
    char **v = calloc(count ? count : 1, sizeof *v);
    for (size_t i = 0; v && i < count; i++) {
        if ((v[i] = str_dup(wee_list_at(l, i))) != NULL) continue;
        free_list(v, i); /* the rest is still NULL */
        v = NULL;
    }
    *n = v ? count : 0;
    return v;
}

static void watch_free(file_watch *w)
{
    free_list(w->roots, w->nroots);
    free_list(w->include, w->ninclude);
    free_list(w->exclude, w->nexclude);
    settle_drain(&w->settle, NULL, NULL);
    backlog_clear(&w->queue);
    for (raw_item *it = w->staged, *n; it; it = n) { n = it->next; free(it); }
    known_free(w->known);
    plat_cond_destroy(&w->wake);
    plat_mutex_destroy(&w->lock);
    free(w);
}

static int file_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n)
{
    file_watch *w = calloc(1, sizeof *w);
    if (!w) return WEE_ENOMEM;
    plat_mutex_init(&w->lock);
    plat_cond_init(&w->wake);
    w->host = h;
    w->src = src;
    file_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, options, &set);
    w->recursive = set.recursive;
    w->ignore_dirs = set.ignore_dirs;
    settle_init(&w->settle, set.settle_ms);
    w->queue.max_bytes = (size_t)set.backlog_max_kb * 1024u;
    w->known_max = (size_t)set.known_max;
    w->include = copy_list(&set.include, &w->ninclude);
    w->exclude = copy_list(&set.exclude, &w->nexclude);
    if (!w->include || !w->exclude) { snprintf(err, n, "out of memory"); watch_free(w); return WEE_ENOMEM; }
    /* The host checked each name against the choices; none listed means all. */
    w->events = set.events ? set.events : (FEV_CREATED | FEV_MODIFIED | FEV_DELETED | FEV_RENAMED);
    w->nroots = set.paths.count;
    w->roots = calloc(w->nroots ? w->nroots : 1, sizeof *w->roots);
    if (!w->roots) { w->nroots = 0; snprintf(err, n, "out of memory"); watch_free(w); return WEE_ENOMEM; }
    if (!w->nroots) { snprintf(err, n, "paths: give at least one folder to watch"); watch_free(w); return WEE_ECONFIG; }
    for (size_t i = 0; i < w->nroots; i++) {
        const char *p = wee_list_at(&set.paths, i);
        char real[4096];
        if (!plat_path_is_dir(p) || plat_realpath(p, real, sizeof real) != 0) {
            snprintf(err, n, "paths[%zu]: \"%s\" is not an existing folder; create it or fix the path", i, p);
            w->nroots = i;
            watch_free(w);
            return WEE_ENOTFOUND;
        }
        if (!(w->roots[i] = str_dup(real))) {
            w->nroots = i;
            snprintf(err, n, "out of memory");
            watch_free(w);
            return WEE_ENOMEM;
        }
    }
    *inst = w;
    return 0;
}

static int file_start(void *inst, char *err, size_t n)
{
    file_watch *w = inst;
    w->stop = 0;
    /* The inventory precedes the watches: a file created in between is not known, so the kernel's
     * report of it (or the next rescan) still says file.created. */
    known_free(w->known);
    w->known = w->known_max ? known_new(w->known_max) : NULL;
    if (w->known) {
        rescan_ops ops = { NULL, NULL, w, NULL };
        file_rescan(w->known, w->roots, w->nroots, w->recursive, &ops);
        if (known_saturated(w->known))
            w->host->log(WEE_LOG_WARN, "file", "source '%s': more than known_max=%zu paths; overflow recovery "
                         "cannot report new files until fewer are watched", w->host->source_id(w->src), w->known_max);
    }
    if (plat_thread_start(&w->settle_thread, settle_main, w) != 0) { snprintf(err, n, "cannot start the settle thread"); return WEE_EFAILED; }
    int rc = file_backend_start(w, &w->backend, err, n);
    if (rc != 0) {
        plat_mutex_lock(&w->lock); w->stop = 1; plat_cond_signal(&w->wake); plat_mutex_unlock(&w->lock);
        plat_thread_join(&w->settle_thread);
        return rc;
    }
    w->running = 1;
    return 0;
}

static void emit_settling(const pending *p, void *ctx)
{
    file_watch *w = ctx;
    if (p->modified && (w->events & FEV_MODIFIED)) emit(w, "file.modified", p->path, NULL, 0);
}

static void file_stop(void *inst)
{
    file_watch *w = inst;
    if (!w->running) return;
    file_backend_stop(w->backend);
    w->backend = NULL;
    plat_mutex_lock(&w->lock);
    w->stop = 1;
    plat_cond_signal(&w->wake);
    plat_mutex_unlock(&w->lock);
    plat_thread_join(&w->settle_thread);
    /* Modifications still settling are reported now rather than lost. */
    settle_drain(&w->settle, emit_settling, w);
    w->running = 0;
}

static void file_destroy(void *inst)
{
    file_watch *w = inst;
    file_stop(w);
    watch_free(w);
}

static const char *const event_types[] = { "file.created", "file.modified", "file.deleted", "file.renamed", NULL };

/* Paths and names compare like the file system does: case-insensitively on Windows. */
static const wee_field_spec event_fields[] = {
    WEE_FIELD(.name = "path", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS | WEE_FIELD_SUBJECT, .alias = "EVENT_PATH",
              .description = "full path of the file or folder"),
    WEE_FIELD(.name = "dir", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "DIRECTORY", .description = "its folder"),
    WEE_FIELD(.name = "name", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "FILENAME", .description = "its name"),
    WEE_FIELD(.name = "ext", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .description = "extension without the dot, \"\" if none"),
    WEE_FIELD(.name = "old_path", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "OLD_PATH",
              .description = "file.renamed: the path before the move"),
    WEE_FIELD(.name = "is_dir", .description = "true for a folder"),
    WEE_FIELD_END
};

static const wee_module_desc descriptor = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "file",
    .version = "1.0.0",
    .description = "file and folder changes under watched folders (inotify / ReadDirectoryChangesW)",
    .kind = WEE_MODULE_SOURCE,
    .options = options,
    .source_create = file_create,
    .source_start = file_start,
    .source_stop = file_stop,
    .source_destroy = file_destroy,
    .event_types = event_types,
    .fields = event_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &descriptor; }
