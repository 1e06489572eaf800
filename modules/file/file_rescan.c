/*
 * modules/file/file_rescan.c - the rescan walk (plat_dir_list does not follow symbolic links or reparse
 * points, and the depth is bounded like the inotify backend's, so a hostile tree cannot loop it).
 */
#include "file_rescan.h"
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"

#define RESCAN_MAX_DEPTH 64

typedef struct walk {
    file_known *k;
    const rescan_ops *ops;
    const char *dir;
    int recursive, depth, stopped;
    size_t created;
} walk;

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), n = strlen(name);
    char *p = malloc(a + n + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
#ifdef _WIN32
    p[a] = '\\';
#else
    p[a] = '/';
#endif
    memcpy(p + a + 1, name, n + 1);
    return p;
}

static int visit(const char *name, int is_dir, void *arg)
{
    walk *wk = arg;
    if (wk->ops->stop && wk->ops->stop(wk->ops->ctx)) { wk->stopped = 1; return 1; }
    char *path = join(wk->dir, name);
    if (!path) return 0;
    if (known_add(wk->k, path, is_dir) == 1 && wk->ops->found) {
        wk->created++;
        wk->ops->found(path, is_dir, wk->ops->ctx);
    }
    if (is_dir && wk->recursive && wk->depth < RESCAN_MAX_DEPTH) {
        walk sub = *wk;
        sub.dir = path;
        sub.depth++;
        sub.created = 0;
        plat_dir_list(path, visit, &sub);
        wk->created += sub.created;
        wk->stopped |= sub.stopped;
    }
    free(path);
    return wk->stopped;
}

rescan_result file_rescan(file_known *k, char *const *roots, size_t nroots, int recursive, const rescan_ops *ops)
{
    rescan_result r = { 0, 0, 0 };
    known_mark_begin(k);
    walk wk = { k, ops, NULL, recursive, 0, 0, 0 };
    for (size_t i = 0; i < nroots && !wk.stopped; i++) {
        wk.dir = roots[i];
        plat_dir_list(roots[i], visit, &wk);
    }
    r.created = wk.created;
    if (wk.stopped) return r;
    r.complete = 1;
    if (ops->gone) r.deleted = known_sweep(k, ops->gone, ops->ctx);
    return r;
}
