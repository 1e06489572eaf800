/*
 * core/file_watch.c - see file_watch.h.
 */
#include "file_watch.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "platform/fswatch.h"
#include "platform/platform.h"
#include "util/path_name.h"
#include "util/strbuf.h"

#define SETTLE_MS 200
#define WAKE_MS 500        /* how soon a stop is noticed */
#define POLL_MS 2000       /* stamp comparison interval where folders cannot be watched */

typedef struct watched { char *path; file_stamp ref; } watched;

typedef struct path_set { char *paths[FILE_WATCH_MAX_FILES]; file_stamp stamps[FILE_WATCH_MAX_FILES]; size_t count; } path_set;

struct file_watch {
    file_watch_cb cb;
    void *ctx;
    plat_thread thread;
    atomic_int stop;
    /* Owned by the thread: */
    watched files[FILE_WATCH_MAX_FILES];
    size_t count;
    plat_fswatch *fw;
    int warned;
    /* Handed over by file_watch_set_paths, under lock: */
    plat_mutex lock;
    path_set next;
    int has_next;
};

void file_stamp_take(const char *path, file_stamp *out)
{
    memset(out, 0, sizeof *out);
    out->exists = plat_file_stamp(path, &out->mtime_ns, &out->size) == 0;
    if (!out->exists) memset(out, 0, sizeof *out);
}

int file_stamp_equal(const file_stamp *a, const file_stamp *b)
{
    return a->exists == b->exists && (!a->exists || (a->mtime_ns == b->mtime_ns && a->size == b->size));
}

static void path_set_clear(path_set *p)
{
    for (size_t i = 0; i < p->count; i++) free(p->paths[i]);
    p->count = 0;
}

/* Copies the distinct paths (up to the limit) and their stamps into p, which must be empty. */
static void path_set_fill(path_set *p, const char *const *paths, const file_stamp *stamps, size_t count)
{
    for (size_t i = 0; i < count && p->count < FILE_WATCH_MAX_FILES; i++) {
        size_t k = 0;
        while (k < p->count && strcmp(p->paths[k], paths[i]) != 0) k++;
        if (k < p->count) continue;
        char *copy = str_dup(paths[i]);
        if (!copy) continue;
        if (stamps) p->stamps[p->count] = stamps[i];
        else file_stamp_take(copy, &p->stamps[p->count]);
        p->paths[p->count++] = copy;
    }
}

/* The folder holding path ("." for a bare name; "/" for a file at the root). */
static void dir_of(const char *path, char *buf, size_t size)
{
    size_t len = path_config_folder_len(path); /* its last separator included */
    if (len == 0) snprintf(buf, size, ".");
    else snprintf(buf, size, "%.*s", (int)(len > 1 ? len - 1 : 1), path);
}

/* Takes the paths and stamps of p (p ends empty) and (re)opens the folder watch on their folders. */
static void use_paths(file_watch *w, path_set *p)
{
    for (size_t i = 0; i < w->count; i++) free(w->files[i].path);
    w->count = 0;
    for (size_t i = 0; i < p->count; i++) {
        w->files[w->count].path = p->paths[i];
        w->files[w->count++].ref = p->stamps[i];
    }
    p->count = 0;

    char dirs[FILE_WATCH_MAX_FILES][512];
    const char *list[FILE_WATCH_MAX_FILES];
    size_t nd = 0;
    for (size_t i = 0; i < w->count; i++) {
        char d[512];
        dir_of(w->files[i].path, d, sizeof d);
        size_t k = 0;
        while (k < nd && strcmp(dirs[k], d) != 0) k++;
        if (k == nd) { snprintf(dirs[nd], sizeof dirs[nd], "%s", d); list[nd] = dirs[nd]; nd++; }
    }
    plat_fswatch_close(w->fw);
    char err[256] = "";
    w->fw = plat_fswatch_open(list, nd, err, sizeof err);
    if (!w->fw && !w->warned) {
        w->warned = 1;
        log_write(WEE_LOG_WARN, "reload", "cannot watch the folder of %s (%s); checking it for changes every %d ms "
                  "instead", w->count ? w->files[0].path : "the watched files", err, POLL_MS);
    }
}

static void take_new_paths(file_watch *w)
{
    plat_mutex_lock(&w->lock);
    path_set p = w->next;
    int has = w->has_next;
    w->next.count = 0;
    w->has_next = 0;
    plat_mutex_unlock(&w->lock);
    if (has) use_paths(w, &p);
}

/* The first file that differs from its reference, or NULL. */
static const watched *first_changed(const file_watch *w)
{
    for (size_t i = 0; i < w->count; i++) {
        file_stamp now;
        file_stamp_take(w->files[i].path, &now);
        if (!file_stamp_equal(&now, &w->files[i].ref)) return &w->files[i];
    }
    return NULL;
}

/* Waits until no file changes for SETTLE_MS (at most ten rounds): editors save in several steps. */
static void settle(file_watch *w)
{
    file_stamp seen[FILE_WATCH_MAX_FILES];
    for (int round = 0; round < 10 && !atomic_load(&w->stop); round++) {
        for (size_t k = 0; k < w->count; k++) file_stamp_take(w->files[k].path, &seen[k]);
        plat_sleep_ms(SETTLE_MS);
        size_t k = 0;
        for (file_stamp now; k < w->count; k++) {
            file_stamp_take(w->files[k].path, &now);
            if (!file_stamp_equal(&now, &seen[k])) break;
        }
        if (k == w->count) return;
    }
}

static void watch_main(void *arg)
{
    file_watch *w = arg;
    while (!atomic_load(&w->stop)) {
        if (w->fw) plat_fswatch_wait(w->fw, WAKE_MS);
        else plat_sleep_ms(WAKE_MS);
        if (atomic_load(&w->stop)) break;
        take_new_paths(w);
        if (!first_changed(w)) continue;
        settle(w);
        if (atomic_load(&w->stop)) break;
        /* The owner may have read the change meanwhile (its own write, say) and handed over the stamps
         * it read: then there is nothing to report. */
        take_new_paths(w);
        const watched *changed = first_changed(w);
        if (!changed) continue;
        w->cb(changed->path, w->ctx);
        for (size_t k = 0; k < w->count; k++) file_stamp_take(w->files[k].path, &w->files[k].ref);
    }
}

file_watch *file_watch_start(const char *const *paths, size_t count, file_watch_cb cb, void *ctx, char *err,
                             size_t err_size)
{
    file_watch *w = calloc(1, sizeof *w);
    if (!w) { snprintf(err, err_size, "out of memory"); return NULL; }
    w->cb = cb;
    w->ctx = ctx;
    atomic_init(&w->stop, 0);
    plat_mutex_init(&w->lock);
    path_set p;
    memset(&p, 0, sizeof p);
    path_set_fill(&p, paths, NULL, count);
    use_paths(w, &p);
    if (plat_thread_start(&w->thread, watch_main, w) != 0) {
        snprintf(err, err_size, "cannot start the watcher thread");
        plat_fswatch_close(w->fw);
        for (size_t i = 0; i < w->count; i++) free(w->files[i].path);
        plat_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void file_watch_set_paths(file_watch *w, const char *const *paths, const file_stamp *stamps, size_t count)
{
    path_set p;
    memset(&p, 0, sizeof p);
    path_set_fill(&p, paths, stamps, count);
    plat_mutex_lock(&w->lock);
    path_set_clear(&w->next);
    w->next = p;
    w->has_next = 1;
    plat_mutex_unlock(&w->lock);
}

int file_watch_recheck(file_watch *w)
{
    take_new_paths(w);
    return first_changed(w) != NULL;
}

void file_watch_stop(file_watch *w)
{
    if (!w) return;
    atomic_store(&w->stop, 1);
    plat_thread_join(&w->thread);
    plat_fswatch_close(w->fw);
    for (size_t i = 0; i < w->count; i++) free(w->files[i].path);
    path_set_clear(&w->next);
    plat_mutex_destroy(&w->lock);
    free(w);
}
