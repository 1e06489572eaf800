/*
 * modules/file/file_backlog.c - the bounded FIFO between the OS backend and the delivery thread.
 */
#include "file_backlog.h"
#include <stdlib.h>
#include <string.h>

static void append(backlog *q, raw_item *it)
{
    it->next = NULL;
    if (q->tail) q->tail->next = it; else q->head = it;
    q->tail = it;
}

static void queue_marker(backlog *q)
{
    if (q->marker_queued) return;
    memset(&q->marker, 0, sizeof q->marker);
    q->marker.marker = 1;
    q->marker_queued = 1;
    append(q, &q->marker);
}

raw_item *backlog_item_new(fev_kind kind, const char *path, const char *old_path, int is_dir, int from_scan)
{
    size_t pl = strlen(path) + 1, ol = old_path ? strlen(old_path) + 1 : 0;
    size_t cost = sizeof(raw_item) + pl + ol;
    raw_item *it = malloc(cost);
    if (!it) return NULL;
    memset(it, 0, sizeof *it);
    it->cost = cost;
    it->kind = kind;
    it->is_dir = is_dir;
    it->from_scan = from_scan;
    it->path = (char *)(it + 1);
    memcpy(it->path, path, pl);
    if (old_path) {
        it->old_path = it->path + pl;
        memcpy(it->old_path, old_path, ol);
    }
    return it;
}

void backlog_count_drop(backlog *q)
{
    q->dropped++;
    q->dropped_total++;
    queue_marker(q);
}

size_t backlog_push_items(backlog *q, raw_item *chain)
{
    size_t dropped = 0;
    for (raw_item *it = chain, *next; it; it = next) {
        next = it->next;
        if (q->bytes + it->cost > q->max_bytes) {
            free(it);
            backlog_count_drop(q);
            dropped++;
            continue;
        }
        q->bytes += it->cost;
        append(q, it);
    }
    return dropped;
}

void backlog_push_overflow(backlog *q)
{
    q->overflows++;
    queue_marker(q);
}

raw_item *backlog_take(backlog *q)
{
    raw_item *h = q->head;
    q->head = q->tail = NULL;
    return h;
}

void backlog_release(backlog *q, size_t bytes) { q->bytes = bytes > q->bytes ? 0 : q->bytes - bytes; }

void backlog_item_free(backlog *q, raw_item *it)
{
    if (it != &q->marker) free(it);
}

void backlog_clear(backlog *q)
{
    for (raw_item *it = q->head, *n; it; it = n) { n = it->next; backlog_item_free(q, it); }
    q->head = q->tail = NULL;
    q->bytes = 0;
    q->marker_queued = 0;
}
