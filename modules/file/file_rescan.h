/*
 * modules/file/file_rescan.h - walks the watched roots and compares them with the known paths: the
 * recovery after an overflow (and, with found == NULL, the initial inventory at start).
 */
#ifndef WEE_FILE_RESCAN_H
#define WEE_FILE_RESCAN_H
#include <stddef.h>
#include "file_known.h"

typedef struct rescan_result {
    size_t created, deleted;
    int complete;            /* 0: the walk was cut short (stop), nothing was swept */
} rescan_result;

/* found: called for each path not known before (NULL: just record them). gone: called for each known
 * path that no longer exists (only after a complete walk; NULL: no sweep). stop: polled between
 * entries; non-zero cuts the walk short. */
typedef struct rescan_ops {
    known_fn found, gone;
    void *ctx;
    int (*stop)(void *ctx);
} rescan_ops;

rescan_result file_rescan(file_known *k, char *const *roots, size_t nroots, int recursive, const rescan_ops *ops);
#endif
