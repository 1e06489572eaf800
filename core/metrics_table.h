/*
 * core/metrics_table.h - labelled counters and histograms that one thread writes and any thread reads.
 *
 * Each dispatcher worker owns its tables, so counting takes no lock and shares no cache line: the
 * writer does plain relaxed load+store on its own slots, readers (the metrics endpoint) sum the
 * workers' tables. A key is up to two label values (a, b); the first time a key is seen the writer
 * copies it into the table and publishes it with a release store. A full table counts into one
 * overflow slot whose labels read "_other".
 * Ownership: a table owns its key copies; mtable_free releases them. Readers may run concurrently with
 * the writer, never with mtable_free.
 */
#ifndef WEE_METRICS_TABLE_H
#define WEE_METRICS_TABLE_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MT_SLOTS 128
#define MT_BUCKETS 12
/* Upper bounds of the histogram buckets, in seconds (Prometheus "le"); +Inf is the count. */
extern const double mt_bucket_bounds[MT_BUCKETS];

typedef struct mt_key { char *a, *b; uint32_t hash; } mt_key;

typedef struct mt_slot {
    _Atomic(mt_key *) key;
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t bucket[MT_BUCKETS];
} mt_slot;

typedef struct mtable {
    mt_slot slots[MT_SLOTS];
    mt_slot other;               /* when every slot is taken */
} mtable;

/* Writer side (one thread per table). b may be NULL. */
void mtable_add(mtable *t, const char *a, const char *b, uint64_t n);
void mtable_observe(mtable *t, const char *a, const char *b, uint64_t ns);
void mtable_free_keys(mtable *t);

/* Reader side: the sum over several tables (one per worker), one call per distinct key. */
typedef struct mt_total {
    const char *a, *b;
    uint64_t count, sum_ns;
    uint64_t bucket[MT_BUCKETS]; /* cumulative counts at each bound */
} mt_total;
typedef void (*mt_visit_fn)(const mt_total *t, void *ctx);
void mtable_sum(mtable *const *tables, size_t n, mt_visit_fn fn, void *ctx);
#endif
