/*
 * modules/file/file_backlog.h - raw notifications read from the OS and not yet turned into events.
 * The backend thread only appends (so the kernel queue is drained promptly even while the engine's
 * emit blocks under overflow "block"); the file source's delivery thread takes them in order.
 * Bounded by bytes: past max_bytes a notification is dropped and counted, and one rescan marker is
 * queued behind the last accepted one, so what was dropped is recovered by comparing the tree with the
 * known paths (file_known.h). A kernel overflow queues the same marker.
 * Not locked itself: the caller holds the file source's lock around every call.
 */
#ifndef WEE_FILE_BACKLOG_H
#define WEE_FILE_BACKLOG_H
#include <stddef.h>
#include <stdint.h>
#include "file_backend.h"

typedef struct raw_item {
    struct raw_item *next;
    size_t cost;            /* bytes counted against the bound */
    fev_kind kind;
    int is_dir, from_scan;
    int marker;             /* a rescan request, not a notification */
    char *path, *old_path;  /* in the same allocation */
} raw_item;

typedef struct backlog {
    raw_item *head, *tail;
    size_t bytes, max_bytes;
    uint64_t dropped;       /* notifications refused since the last marker was taken */
    uint64_t overflows;     /* kernel overflows since the last marker was taken */
    uint64_t dropped_total; /* for the log and tests */
    int marker_queued;
    raw_item marker;        /* only one rescan request is ever pending, so it needs no allocation */
} backlog;

/* Queueing in two halves, so a backend thread can build a whole read buffer's items without the lock
 * and queue them under one lock: backlog_item_new needs no lock (NULL: out of memory; the caller
 * counts it with backlog_count_drop); backlog_push_items queues a chain in order, dropping (counted; a
 * rescan marker is queued if none is) each item past the bound; returns how many were dropped. */
raw_item *backlog_item_new(fev_kind kind, const char *path, const char *old_path, int is_dir, int from_scan);
size_t backlog_push_items(backlog *q, raw_item *chain);
/* A notification that could not even be allocated: counted like a drop past the bound. */
void backlog_count_drop(backlog *q);
/* The OS dropped notifications: count it and queue the rescan marker if none is pending. */
void backlog_push_overflow(backlog *q);
/* Takes the whole queue in order; the bytes stay counted until backlog_release. */
raw_item *backlog_take(backlog *q);
void backlog_release(backlog *q, size_t bytes);
void backlog_item_free(backlog *q, raw_item *it);
/* Frees every queued item (stop). */
void backlog_clear(backlog *q);
#endif
