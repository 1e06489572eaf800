#include "metrics_table.h"
#include "util/hash.h"
#include <stdlib.h>
#include <string.h>

const double mt_bucket_bounds[MT_BUCKETS] = { 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005,
                                              0.01,    0.05,    0.1,    0.5,    1.0,   5.0 };
static const uint64_t bound_ns[MT_BUCKETS] = { 10000ull,     50000ull,     100000ull,     500000ull,
                                               1000000ull,   5000000ull,   10000000ull,   50000000ull,
                                               100000000ull, 500000000ull, 1000000000ull, 5000000000ull };
static mt_key other_key = { "_other", "_other", 0 };

static uint32_t hash_pair(const char *a, const char *b)
{
    uint64_t h = fnv1a_bytes(FNV1A_SEED, a ? a : "", a ? strlen(a) + 1 : 1); /* the NUL parts ("ab","c") from ("a","bc") */
    return (uint32_t)fnv1a_bytes(h, b ? b : "", b ? strlen(b) : 0);
}

static int same(const mt_key *k, uint32_t h, const char *a, const char *b)
{
    if (k->hash != h) return 0;
    if (strcmp(k->a, a ? a : "") != 0) return 0;
    return strcmp(k->b, b ? b : "") == 0;
}

static char *copy(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *p = malloc(n + 1);
    if (p) { if (n) memcpy(p, s, n); p[n] = '\0'; }
    return p;
}

static mt_slot *find(mtable *t, const char *a, const char *b)
{
    uint32_t h = hash_pair(a, b);
    for (size_t probe = 0; probe < MT_SLOTS; probe++) {
        mt_slot *s = &t->slots[(h + probe) % MT_SLOTS];
        mt_key *k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k && same(k, h, a, b)) return s;
        if (k) continue;
        mt_key *nk = malloc(sizeof *nk);
        if (nk) {
            nk->a = copy(a);
            nk->b = copy(b);
            nk->hash = h;
        }
        if (!nk || !nk->a || !nk->b) {
            if (nk) { free(nk->a); free(nk->b); free(nk); }
            break;
        }
        atomic_store_explicit(&s->key, nk, memory_order_release);
        return s;
    }
    if (!atomic_load_explicit(&t->other.key, memory_order_relaxed))
        atomic_store_explicit(&t->other.key, &other_key, memory_order_release);
    return &t->other;
}

/* Single writer: a relaxed load and store is enough and avoids a locked instruction per count. */
static void bump(atomic_uint_fast64_t *v, uint64_t n)
{
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n, memory_order_relaxed);
}

void mtable_add(mtable *t, const char *a, const char *b, uint64_t n)
{
    bump(&find(t, a, b)->count, n);
}

void mtable_observe(mtable *t, const char *a, const char *b, uint64_t ns)
{
    mt_slot *s = find(t, a, b);
    for (int i = 0; i < MT_BUCKETS; i++)
        if (ns <= bound_ns[i]) { bump(&s->bucket[i], 1); break; }
    bump(&s->sum_ns, ns);
    bump(&s->count, 1);
}

void mtable_free_keys(mtable *t)
{
    for (size_t i = 0; i < MT_SLOTS; i++) {
        mt_key *k = atomic_load(&t->slots[i].key);
        if (k) { free(k->a); free(k->b); free(k); }
        atomic_store(&t->slots[i].key, NULL);
    }
}

static void add_slot(mt_total *tot, const mt_slot *s)
{
    tot->count += atomic_load_explicit(&s->count, memory_order_relaxed);
    tot->sum_ns += atomic_load_explicit(&s->sum_ns, memory_order_relaxed);
    for (int i = 0; i < MT_BUCKETS; i++) tot->bucket[i] += atomic_load_explicit(&s->bucket[i], memory_order_relaxed);
}

/* Has an earlier table (or an earlier slot of this one) already produced this key? */
static int seen_before(mtable *const *tables, size_t ti, size_t si, const mt_key *k)
{
    for (size_t t = 0; t <= ti; t++) {
        size_t end = t == ti ? si : MT_SLOTS;
        for (size_t i = 0; i < end; i++) {
            mt_key *o = atomic_load_explicit(&tables[t]->slots[i].key, memory_order_acquire);
            if (o && same(o, k->hash, k->a, k->b)) return 1;
        }
    }
    return 0;
}

void mtable_sum(mtable *const *tables, size_t n, mt_visit_fn fn, void *ctx)
{
    for (size_t ti = 0; ti < n; ti++) {
        for (size_t si = 0; si < MT_SLOTS; si++) {
            mt_key *k = atomic_load_explicit(&tables[ti]->slots[si].key, memory_order_acquire);
            if (!k || seen_before(tables, ti, si, k)) continue;
            mt_total tot;
            memset(&tot, 0, sizeof tot);
            tot.a = k->a;
            tot.b = k->b;
            for (size_t t = ti; t < n; t++)
                for (size_t i = 0; i < MT_SLOTS; i++) {
                    mt_key *o = atomic_load_explicit(&tables[t]->slots[i].key, memory_order_acquire);
                    if (o && same(o, k->hash, k->a, k->b)) { add_slot(&tot, &tables[t]->slots[i]); break; }
                }
            for (int i = 1; i < MT_BUCKETS; i++) tot.bucket[i] += tot.bucket[i - 1];
            fn(&tot, ctx);
        }
    }
    mt_total other;
    memset(&other, 0, sizeof other);
    other.a = other.b = "_other";
    int any = 0;
    for (size_t t = 0; t < n; t++)
        if (atomic_load_explicit(&tables[t]->other.key, memory_order_acquire)) { add_slot(&other, &tables[t]->other); any = 1; }
    if (any) {
        for (int i = 1; i < MT_BUCKETS; i++) other.bucket[i] += other.bucket[i - 1];
        fn(&other, ctx);
    }
}
