/*
 * modules/file/file_known.c - the known-paths set: a chained hash table of full paths. Each folder
 * counts its known children, so removing or renaming a folder whose contents are already gone (rm -r
 * reports every file first) costs nothing; only a folder that still has known contents (moved out of or
 * within the tree in one step) walks the table to drop or re-key what is below it.
 */
#include "file_known.h"
#include "util/hash.h"
#include "util/path_name.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct kentry {
    char *path;
    size_t hash;
    unsigned gen;          /* rescan generation in which it was last seen */
    unsigned is_dir;
    size_t nkids;          /* known direct children */
    struct kentry *next;
} kentry;

struct file_known {
    kentry **buckets;
    size_t nbuckets, count, max;
    unsigned gen;
    int saturated;         /* some path is not tracked */
    int full_this_gen;     /* an add failed since the last known_mark_begin */
};

static size_t hash_str(const char *s, size_t n) { return (size_t)fnv1a_bytes(FNV1A_SEED, s, n); }

file_known *known_new(size_t max_entries)
{
    file_known *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->nbuckets = 1024;
    k->buckets = calloc(k->nbuckets, sizeof *k->buckets);
    if (!k->buckets) { free(k); return NULL; }
    k->max = max_entries;
    return k;
}

void known_free(file_known *k)
{
    if (!k) return;
    for (size_t b = 0; b < k->nbuckets; b++)
        for (kentry *e = k->buckets[b], *n; e; e = n) { n = e->next; free(e->path); free(e); }
    free(k->buckets);
    free(k);
}

int known_saturated(const file_known *k) { return k->saturated; }

static kentry **find_n(file_known *k, const char *path, size_t n)
{
    size_t h = hash_str(path, n);
    kentry **pp = &k->buckets[h % k->nbuckets];
    while (*pp && !((*pp)->hash == h && strlen((*pp)->path) == n && memcmp((*pp)->path, path, n) == 0)) pp = &(*pp)->next;
    return pp;
}

static kentry **find(file_known *k, const char *path) { return find_n(k, path, strlen(path)); }

/* The folder holding path, if known. */
static kentry *parent_of(file_known *k, const char *path)
{
    size_t n = strlen(path);
    while (n > 0 && !path_is_sep(path[n - 1])) n--;
    if (n <= 1) return NULL;
    return *find_n(k, path, n - 1);
}

static void link_entry(file_known *k, kentry *e)
{
    size_t b = e->hash % k->nbuckets;
    e->next = k->buckets[b];
    k->buckets[b] = e;
}

/* Doubling keeps chains short; failing to grow only makes lookups slower, never wrong. */
static void maybe_grow(file_known *k)
{
    if (k->count < k->nbuckets * 2) return;
    size_t n = k->nbuckets * 4;
    kentry **nb = calloc(n, sizeof *nb);
    if (!nb) return;
    kentry **old = k->buckets;
    size_t oldn = k->nbuckets;
    k->buckets = nb;
    k->nbuckets = n;
    for (size_t b = 0; b < oldn; b++)
        for (kentry *e = old[b], *next; e; e = next) { next = e->next; link_entry(k, e); }
    free(old);
}

int known_add(file_known *k, const char *path, int is_dir)
{
    kentry **pp = find(k, path);
    if (*pp) { (*pp)->gen = k->gen; (*pp)->is_dir = is_dir != 0; return 0; }
    if (k->count >= k->max) { k->saturated = k->full_this_gen = 1; return -1; }
    kentry *e = calloc(1, sizeof *e);
    size_t n = strlen(path);
    if (!e || !(e->path = malloc(n + 1))) { free(e); k->saturated = k->full_this_gen = 1; return -1; }
    memcpy(e->path, path, n + 1);
    e->hash = hash_str(path, n);
    e->gen = k->gen;
    e->is_dir = is_dir != 0;
    link_entry(k, e);
    k->count++;
    kentry *p = parent_of(k, path);
    if (p) p->nkids++;
    maybe_grow(k);
    return 1;
}

static int below(const char *path, const char *dir, size_t dl) { return strncmp(path, dir, dl) == 0 && path_is_sep(path[dl]); }

/* Unlinks every entry below dir into a list (their own parents are below dir too: no counts to fix). */
static kentry *unlink_below(file_known *k, const char *dir)
{
    size_t dl = strlen(dir);
    kentry *out = NULL;
    for (size_t b = 0; b < k->nbuckets; b++) {
        for (kentry **pp = &k->buckets[b]; *pp;) {
            kentry *e = *pp;
            if (!below(e->path, dir, dl)) { pp = &e->next; continue; }
            *pp = e->next;
            e->next = out;
            out = e;
            k->count--;
        }
    }
    return out;
}

static kentry *unlink_one(file_known *k, const char *path)
{
    kentry **pp = find(k, path), *e = *pp;
    if (!e) return NULL;
    *pp = e->next;
    k->count--;
    kentry *p = parent_of(k, path);
    if (p && p->nkids) p->nkids--;
    return e;
}

int known_remove(file_known *k, const char *path, int *was_dir)
{
    kentry *e = unlink_one(k, path);
    if (!e) return 0;
    if (was_dir) *was_dir = (int)e->is_dir;
    if (e->is_dir && e->nkids) {
        for (kentry *d = unlink_below(k, path), *n; d; d = n) { n = d->next; free(d->path); free(d); }
    }
    free(e->path);
    free(e);
    return 1;
}

static int rekey(kentry *e, size_t fl, const char *to)
{
    size_t tl = strlen(to), rest = strlen(e->path + fl);
    char *p = malloc(tl + rest + 1);
    if (!p) return -1;
    memcpy(p, to, tl);
    memcpy(p + tl, e->path + fl, rest + 1);
    free(e->path);
    e->path = p;
    e->hash = hash_str(p, tl + rest);
    return 0;
}

void known_rename(file_known *k, const char *from, const char *to, int is_dir)
{
    known_remove(k, to, NULL); /* a rename onto an existing name replaces it */
    kentry *e = unlink_one(k, from);
    if (!e) { known_add(k, to, is_dir); return; }
    size_t fl = strlen(from);
    kentry *kids = (e->is_dir && e->nkids) ? unlink_below(k, from) : NULL;
    if (rekey(e, fl, to) != 0) { free(e->path); free(e); e = NULL; }
    if (e) {
        link_entry(k, e);
        k->count++;
        kentry *p = parent_of(k, to);
        if (p) p->nkids++;
    }
    for (kentry *d = kids, *n; d; d = n) {
        n = d->next;
        /* Without its folder (out of memory) a child cannot be re-keyed consistently: forget it. */
        if (!e || rekey(d, fl, to) != 0) { free(d->path); free(d); continue; }
        link_entry(k, d);
        k->count++;
    }
    maybe_grow(k);
}

void known_mark_begin(file_known *k) { k->gen++; k->full_this_gen = 0; }

size_t known_sweep(file_known *k, known_fn fn, void *ctx)
{
    kentry *gone = NULL;
    for (size_t b = 0; b < k->nbuckets; b++) {
        for (kentry **pp = &k->buckets[b]; *pp;) {
            kentry *e = *pp;
            if (e->gen == k->gen) { pp = &e->next; continue; }
            *pp = e->next;
            e->next = gone;
            gone = e;
            k->count--;
        }
    }
    size_t n = 0;
    for (kentry *e = gone, *next; e; e = next) {
        next = e->next;
        kentry *p = parent_of(k, e->path);
        if (p && p->nkids) p->nkids--;
        if (fn) fn(e->path, (int)e->is_dir, ctx);
        free(e->path);
        free(e);
        n++;
    }
    /* Untracked paths stay untracked until a rescan that could track everything it found. */
    k->saturated = k->full_this_gen;
    return n;
}
