/* metrics_table: per-writer labelled counters and histograms, summed across tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_table.h"
#include "test_support.h"

typedef struct seen { char a[64], b[64]; uint64_t count, sum_ns, bucket[MT_BUCKETS]; } seen;
typedef struct collect { seen rows[512]; size_t n; } collect;

static void on_total(const mt_total *t, void *p)
{
    collect *c = p;
    assert_true(c->n < 512);
    seen *s = &c->rows[c->n++];
    snprintf(s->a, sizeof s->a, "%s", t->a);
    snprintf(s->b, sizeof s->b, "%s", t->b);
    s->count = t->count;
    s->sum_ns = t->sum_ns;
    memcpy(s->bucket, t->bucket, sizeof s->bucket);
}

static const seen *find(const collect *c, const char *a, const char *b)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->rows[i].a, a) == 0 && strcmp(c->rows[i].b, b) == 0) return &c->rows[i];
    return NULL;
}

static void counts_sum_across_tables_once_per_key(void **state)
{
    (void)state;
    mtable *t = calloc(2, sizeof *t);
    mtable *tables[2] = { &t[0], &t[1] };
    mtable_add(tables[0], "files", "file.created", 3);
    mtable_add(tables[1], "files", "file.created", 4);
    mtable_add(tables[1], "files", "file.deleted", 1);
    mtable_add(tables[0], "timer", NULL, 2);
    collect *c = calloc(1, sizeof *c);
    mtable_sum(tables, 2, on_total, c);
    assert_int_equal(c->n, 3);
    assert_int_equal(find(c, "files", "file.created")->count, 7);
    assert_int_equal(find(c, "files", "file.deleted")->count, 1);
    assert_int_equal(find(c, "timer", "")->count, 2);
    mtable_free_keys(tables[0]);
    mtable_free_keys(tables[1]);
    free(c);
    free(t);
}

static void histogram_buckets_are_cumulative(void **state)
{
    (void)state;
    mtable *t = calloc(1, sizeof *t);
    mtable_observe(t, "exec", "ok", 5000);          /* 5 us: first bucket (10 us) */
    mtable_observe(t, "exec", "ok", 2000000);       /* 2 ms: the 5 ms bucket */
    mtable_observe(t, "exec", "ok", 60000000000ull); /* 60 s: only +Inf */
    collect *c = calloc(1, sizeof *c);
    mtable_sum(&t, 1, on_total, c);
    const seen *s = find(c, "exec", "ok");
    assert_non_null(s);
    assert_int_equal(s->count, 3);
    assert_int_equal(s->sum_ns, 5000 + 2000000 + 60000000000ull);
    assert_int_equal(s->bucket[0], 1);               /* le 0.00001 */
    assert_int_equal(s->bucket[4], 1);               /* le 0.001 */
    assert_int_equal(s->bucket[5], 2);               /* le 0.005 */
    assert_int_equal(s->bucket[MT_BUCKETS - 1], 2);  /* le 5: the 60 s one is beyond */
    mtable_free_keys(t);
    free(c);
    free(t);
}

static void a_full_table_counts_into_other(void **state)
{
    (void)state;
    mtable *t = calloc(1, sizeof *t);
    char name[32];
    for (int i = 0; i < MT_SLOTS + 10; i++) {
        snprintf(name, sizeof name, "rule%d", i);
        mtable_add(t, name, NULL, 1);
    }
    collect *c = calloc(1, sizeof *c);
    mtable_sum(&t, 1, on_total, c);
    assert_int_equal(c->n, MT_SLOTS + 1);
    assert_int_equal(find(c, "_other", "_other")->count, 10);
    uint64_t total = 0;
    for (size_t i = 0; i < c->n; i++) total += c->rows[i].count;
    assert_int_equal(total, MT_SLOTS + 10);
    mtable_free_keys(t);
    free(c);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_sum_across_tables_once_per_key),
        cmocka_unit_test(histogram_buckets_are_cumulative),
        cmocka_unit_test(a_full_table_counts_into_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
