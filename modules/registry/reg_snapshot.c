/*
 * modules/registry/reg_snapshot.c - building, sorting and diffing registry snapshots.
 */
#include "reg_snapshot.h"
#include "util/hash.h"
#include <stdlib.h>
#include <string.h>
#include "util/strbuf.h"

static int fold(unsigned char c)
{
    if (c == '\\') return 1;                 /* before every printable character */
    if (c >= 'A' && c <= 'Z') return c + 32;
    return c;
}

int reg_path_compare(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = fold((unsigned char)*a), y = fold((unsigned char)*b);
        if (x != y || !x) return x - y;
    }
}

static uint64_t hash_bytes(const unsigned char *d, size_t n) { return fnv1a_bytes(FNV1A_SEED, d, n); }

reg_snapshot *reg_snapshot_new(size_t max_keys, size_t max_values)
{
    reg_snapshot *s = calloc(1, sizeof *s);
    if (s) { s->max_keys = max_keys; s->max_values = max_values; }
    return s;
}

void reg_snapshot_free(reg_snapshot *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nkeys; i++) {
        reg_key *k = &s->keys[i];
        for (size_t j = 0; j < k->nvalues; j++) { free(k->values[j].name); free(k->values[j].data); }
        free(k->values);
        free(k->path);
    }
    free(s->keys);
    free(s);
}

long reg_snapshot_add_key(reg_snapshot *s, const char *path)
{
    if (s->truncated) return -1;
    if (s->nkeys >= s->max_keys) { s->truncated = 1; return -1; }
    if (s->nkeys == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        reg_key *k = realloc(s->keys, cap * sizeof *k);
        if (!k) return -1;
        s->keys = k;
        s->cap = cap;
    }
    reg_key *k = &s->keys[s->nkeys];
    memset(k, 0, sizeof *k);
    if (!(k->path = str_dup(path))) return -1;
    return (long)s->nkeys++;
}

int reg_snapshot_add_value(reg_snapshot *s, size_t key, const char *name, uint32_t type, const void *data,
                           size_t size)
{
    if (key >= s->nkeys) return -1;
    reg_key *k = &s->keys[key];
    if (s->total_values >= s->max_values) {
        /* A key with only some of its values would diff as deleted values: leave it out whole
         * (the watched key itself stays, with what fit, so it is not reported deleted). */
        s->truncated = 1;
        if (key > 0 && key == s->nkeys - 1) {
            for (size_t j = 0; j < k->nvalues; j++) { free(k->values[j].name); free(k->values[j].data); }
            s->total_values -= k->nvalues;
            free(k->values);
            free(k->path);
            s->nkeys--;
        }
        return -1;
    }
    if (k->nvalues == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        reg_value *v = realloc(k->values, cap * sizeof *v);
        if (!v) return -1;
        k->values = v;
        k->cap = cap;
    }
    reg_value *v = &k->values[k->nvalues];
    memset(v, 0, sizeof *v);
    v->kept = size < REG_SNAPSHOT_KEEP ? size : REG_SNAPSHOT_KEEP;
    v->name = str_dup(name);
    v->data = malloc(v->kept ? v->kept : 1);
    if (!v->name || !v->data) { free(v->name); free(v->data); return -1; }
    if (v->kept) memcpy(v->data, data, v->kept);
    v->type = type;
    v->size = size;
    v->hash = hash_bytes(data, size);
    k->nvalues++;
    s->total_values++;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return reg_path_compare(((const reg_key *)a)->path, ((const reg_key *)b)->path);
}

static int cmp_value(const void *a, const void *b)
{
    return reg_path_compare(((const reg_value *)a)->name, ((const reg_value *)b)->name);
}

void reg_snapshot_finish(reg_snapshot *s)
{
    if (s->nkeys > 1) qsort(s->keys, s->nkeys, sizeof *s->keys, cmp_key);
    for (size_t i = 0; i < s->nkeys; i++)
        if (s->keys[i].nvalues > 1) qsort(s->keys[i].values, s->keys[i].nvalues, sizeof(reg_value), cmp_value);
}

int reg_snapshot_has_root(const reg_snapshot *s)
{
    return s && s->nkeys > 0 && s->keys[0].path[0] == '\0';
}

static int same_value(const reg_value *a, const reg_value *b)
{
    return a->type == b->type && a->size == b->size && a->hash == b->hash && a->kept == b->kept &&
           (a->kept == 0 || memcmp(a->data, b->data, a->kept) == 0);
}

static void diff_values(const reg_key *old, const reg_key *now, reg_change_fn fn, void *ctx)
{
    size_t i = 0, j = 0;
    while (i < old->nvalues || j < now->nvalues) {
        int c = i == old->nvalues ? 1 : j == now->nvalues ? -1
              : reg_path_compare(old->values[i].name, now->values[j].name);
        if (c < 0) { fn(ctx, REG_VALUE_DELETED, now->path, &old->values[i]); i++; }
        else if (c > 0) { fn(ctx, REG_VALUE_SET, now->path, &now->values[j]); j++; }
        else {
            if (!same_value(&old->values[i], &now->values[j])) fn(ctx, REG_VALUE_SET, now->path, &now->values[j]);
            i++; j++;
        }
    }
}

/* A truncated snapshot holds a prefix of the sorted key order (the backend walks the tree in that
 * order), so keys past the smaller prefix are unknown on one side and must not count as changes. */
static const char *diff_limit(const reg_snapshot *old, const reg_snapshot *now)
{
    const char *limit = NULL;
    const reg_snapshot *both[2] = { old, now };
    for (int i = 0; i < 2; i++) {
        const reg_snapshot *s = both[i];
        if (!s || !s->truncated || !s->nkeys) continue;
        const char *last = s->keys[s->nkeys - 1].path;
        if (!limit || reg_path_compare(last, limit) < 0) limit = last;
    }
    return limit;
}

static size_t count_upto(const reg_snapshot *s, const char *limit)
{
    size_t n = s ? s->nkeys : 0;
    if (limit) while (n > 0 && reg_path_compare(s->keys[n - 1].path, limit) > 0) n--;
    return n;
}

void reg_snapshot_diff(const reg_snapshot *old, const reg_snapshot *now, reg_change_fn fn, void *ctx)
{
    const char *limit = diff_limit(old, now);
    size_t on = count_upto(old, limit), nn = count_upto(now, limit), i = 0, j = 0;
    while (i < on || j < nn) {
        int c = i == on ? 1 : j == nn ? -1 : reg_path_compare(old->keys[i].path, now->keys[j].path);
        if (c < 0) {
            fn(ctx, REG_KEY_DELETED, old->keys[i].path, NULL);
            i++;
        } else if (c > 0) {
            const reg_key *k = &now->keys[j];
            fn(ctx, REG_KEY_CREATED, k->path, NULL);
            for (size_t v = 0; v < k->nvalues; v++) fn(ctx, REG_VALUE_SET, k->path, &k->values[v]);
            j++;
        } else {
            diff_values(&old->keys[i], &now->keys[j], fn, ctx);
            i++; j++;
        }
    }
}
