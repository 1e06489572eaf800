/* modules/file/file_settle.c - the file source's settle table; see file_settle.h. */
#include "file_settle.h"
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/hash.h"
#include "util/strbuf.h"

static size_t hash_path(const char *s) { return (size_t)fnv1a_str(s); }

static pending **find_slot_h(settle_table *t, const char *path, size_t h)
{
    pending **pp = &t->buckets[h % SETTLE_BUCKETS];
    while (*pp && ((*pp)->hash != h || strcmp((*pp)->path, path) != 0)) pp = &(*pp)->next;
    return pp;
}

void settle_init(settle_table *t, int64_t settle_ms) { t->settle_ms = settle_ms; }

/* A creation marker lives at least a second: the scan vs kernel race window. */
static int64_t window_ms(const settle_table *t, int lane)
{
    if (lane == SETTLE_LANE_SETTLE) return t->settle_ms;
    return t->settle_ms > 1000 ? t->settle_ms : 1000;
}

pending *settle_find(settle_table *t, const char *path) { return *find_slot_h(t, path, hash_path(path)); }

static void lane_unlink(settle_table *t, pending *p)
{
    pending **head = &t->lanes[p->lane].head, **tail = &t->lanes[p->lane].tail;
    if (p->due_prev) p->due_prev->due_next = p->due_next; else *head = p->due_next;
    if (p->due_next) p->due_next->due_prev = p->due_prev; else *tail = p->due_prev;
    p->due_prev = p->due_next = NULL;
}

/* (Re)arms p's deadline: now + the lane's window, at the tail of that lane. */
static void arm(settle_table *t, pending *p, int lane, int linked)
{
    if (linked) lane_unlink(t, p);
    p->deadline_ns = plat_monotonic_ns() + (uint64_t)window_ms(t, lane) * 1000000u;
    p->lane = lane;
    p->due_prev = t->lanes[lane].tail;
    if (p->due_prev) p->due_prev->due_next = p; else t->lanes[lane].head = p;
    t->lanes[lane].tail = p;
}

void settle_rearm(settle_table *t, pending *p, int lane) { arm(t, p, lane, 1); }

/* Unlinks the entry at *pp (found by find_slot_h). */
static pending *take_at(settle_table *t, pending **pp)
{
    pending *p = *pp;
    if (p) { *pp = p->next; t->count--; lane_unlink(t, p); }
    return p;
}

pending *settle_take(settle_table *t, const char *path) { return take_at(t, find_slot_h(t, path, hash_path(path))); }

void settle_take_entry(settle_table *t, pending *p) { take_at(t, find_slot_h(t, p->path, p->hash)); }

int settle_put(settle_table *t, const char *path, int modified, int is_dir, int lane)
{
    size_t h = hash_path(path);
    pending **pp = find_slot_h(t, path, h);
    if (*pp) {
        arm(t, *pp, lane, 1);
        (*pp)->modified |= modified;
        return 0;
    }
    pending *p = calloc(1, sizeof *p);
    if (!p || !(p->path = str_dup(path))) { free(p); return -1; }
    arm(t, p, lane, 0);
    p->hash = h;
    p->modified = modified;
    p->is_dir = is_dir;
    *pp = p;
    t->count++;
    return 1;
}

pending *settle_next_due(const settle_table *t)
{
    pending *a = t->lanes[SETTLE_LANE_SETTLE].head, *b = t->lanes[SETTLE_LANE_MARKER].head;
    if (!a) return b;
    if (!b) return a;
    return a->deadline_ns <= b->deadline_ns ? a : b;
}

void settle_entry_free(pending *p)
{
    if (!p) return;
    free(p->path);
    free(p);
}

void settle_drain(settle_table *t, void (*each)(const pending *p, void *ctx), void *ctx)
{
    for (size_t b = 0; b < SETTLE_BUCKETS; b++)
        for (pending *p = t->buckets[b], *nx; p; p = nx) {
            nx = p->next;
            if (each) each(p, ctx);
            settle_entry_free(p);
        }
    memset(t->buckets, 0, sizeof t->buckets);
    memset(t->lanes, 0, sizeof t->lanes);
    t->count = 0;
}
