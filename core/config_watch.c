/*
 * core/config_watch.c - reloads the engine when its config file, or a file the config depends on
 * (options flagged WEE_OPTF_WATCHED_FILE, e.g. a Lua script), changes on disk.
 *
 * The folders holding those files are watched (platform/fswatch.h: inotify, change notifications);
 * on a wake-up, or every few seconds where folders cannot be watched, each file's stamp (mtime,
 * size) is compared with the one last loaded. Editors save in several steps, so a change must hold
 * still for SETTLE_MS before the reload. A reload that fails is not retried until the files change
 * again; the old config keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "log.h"
#include "platform/fswatch.h"

#define MAX_FILES 64
#define SETTLE_MS 200
#define WAKE_MS 500        /* how soon a stop is noticed */
#define POLL_MS 2000       /* stamp comparison interval where folders cannot be watched */

typedef struct stamp { char *path; int64_t mtime_ns; uint64_t size; int exists; } stamp;

struct config_watch {
    engine *e;
    plat_thread thread;
    atomic_int stop;
    stamp files[MAX_FILES];
    size_t count;
    unsigned long long seen_reloads;
    plat_fswatch *fw;
};

static void take_stamp(stamp *s)
{
    s->exists = plat_file_stamp(s->path, &s->mtime_ns, &s->size) == 0;
}

static int stamp_changed(const stamp *s)
{
    stamp now = *s;
    take_stamp(&now);
    return now.exists != s->exists || (now.exists && (now.mtime_ns != s->mtime_ns || now.size != s->size));
}

static void clear_files(config_watch *w)
{
    for (size_t i = 0; i < w->count; i++) free(w->files[i].path);
    w->count = 0;
}

static void add_file(config_watch *w, const char *path)
{
    for (size_t i = 0; i < w->count; i++) if (strcmp(w->files[i].path, path) == 0) return;
    if (w->count == MAX_FILES) return;
    stamp *s = &w->files[w->count];
    s->path = str_dup(path);
    if (!s->path) return;
    take_stamp(s);
    w->count++;
}

static void dir_of(const char *path, char *buf, size_t size)
{
    size_t cut = 0;
    for (size_t i = 0; path[i]; i++) if (path[i] == '/' || path[i] == '\\') cut = i;
    if (cut == 0 && path[0] != '/' && path[0] != '\\') { snprintf(buf, size, "."); return; }
    snprintf(buf, size, "%.*s", (int)(cut ? cut : 1), path);
}

/* Collects the config file and its watched files from the running config, and (re)opens the folder
 * watch on their folders. */
static void rebuild(config_watch *w)
{
    engine *e = w->e;
    clear_files(w);
    plat_mutex_lock(&e->lock);
    add_file(w, e->cfg->file);
    /* Included rule files (config_include.h), the console's too, even before it exists. */
    for (size_t i = 0; i < e->cfg->includes.count; i++) add_file(w, e->cfg->includes.items[i].file);
    rule_set *rs = e->cfg->rules;
    for (size_t i = 0; rs && i < rule_set_count(rs); i++) {
        const rule *r = rule_set_at(rs, i);
        for (size_t j = 0; j < r->action_count; j++) {
            const char *paths[8];
            size_t n = options_watched_files(r->actions[j].params, loader_action_options(&r->actions[j].module->desc), paths, 8);
            for (size_t k = 0; k < n; k++) add_file(w, paths[k]);
        }
    }
    w->seen_reloads = atomic_load(&e->reloads_ok) + atomic_load(&e->reloads_failed);
    plat_mutex_unlock(&e->lock);

    char dirs[MAX_FILES][512];
    const char *list[MAX_FILES];
    size_t nd = 0;
    for (size_t i = 0; i < w->count; i++) {
        char d[512];
        dir_of(w->files[i].path, d, sizeof d);
        size_t k = 0;
        while (k < nd && strcmp(dirs[k], d) != 0) k++;
        if (k == nd) { snprintf(dirs[nd], sizeof dirs[nd], "%s", d); list[nd] = dirs[nd]; nd++; }
    }
    int had = w->fw != NULL;
    plat_fswatch_close(w->fw);
    char err[256] = "";
    w->fw = plat_fswatch_open(list, nd, err, sizeof err);
    if (!w->fw && !had)
        log_write(WEE_LOG_WARN, "reload", "cannot watch the config's folder (%s); checking the config file for "
                  "changes every %d ms instead", err, POLL_MS);
}

static int any_changed(config_watch *w)
{
    for (size_t i = 0; i < w->count; i++) if (stamp_changed(&w->files[i])) return 1;
    return 0;
}

static void watch_main(void *arg)
{
    config_watch *w = arg;
    engine *e = w->e;
    while (!atomic_load(&w->stop)) {
        if (w->fw) plat_fswatch_wait(w->fw, WAKE_MS);
        else plat_sleep_ms(WAKE_MS);
        if (atomic_load(&w->stop)) break;
        /* A reload asked for elsewhere (SIGHUP, host reload) may have changed the set of files. */
        if (atomic_load(&e->reloads_ok) + atomic_load(&e->reloads_failed) != w->seen_reloads) rebuild(w);
        if (!any_changed(w)) continue;
        /* Let the writer finish: wait until the stamps hold still. */
        for (int i = 0; i < 10 && !atomic_load(&w->stop); i++) {
            for (size_t k = 0; k < w->count; k++) take_stamp(&w->files[k]);
            plat_sleep_ms(SETTLE_MS);
            if (!any_changed(w)) break;
        }
        if (atomic_load(&w->stop)) break;
        log_write(WEE_LOG_INFO, "reload", "%s (or a file it uses) changed on disk; reloading",
                  w->count ? w->files[0].path : "the config");
        strbuf report = STRBUF_INIT;
        engine_reload(e, &report);
        strbuf_free(&report);
        rebuild(w);
    }
}

config_watch *config_watch_start(engine *e)
{
    config_watch *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->e = e;
    atomic_init(&w->stop, 0);
    rebuild(w);
    if (plat_thread_start(&w->thread, watch_main, w) != 0) {
        log_write(WEE_LOG_WARN, "reload", "cannot start the config watcher thread; reload with SIGHUP or 'host reload'");
        plat_fswatch_close(w->fw);
        clear_files(w);
        free(w);
        return NULL;
    }
    return w;
}

void config_watch_stop(config_watch *w)
{
    if (!w) return;
    atomic_store(&w->stop, 1);
    plat_thread_join(&w->thread);
    plat_fswatch_close(w->fw);
    clear_files(w);
    free(w);
}
