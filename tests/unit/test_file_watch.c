/*
 * test_file_watch - core/file_watch.c, the generic watch the engine reloads its config with:
 * - a change to a given file calls back once, naming it, after the write held still;
 * - file_watch_set_paths replaces the set: the old file no longer calls back, the new one does;
 * - a removed file counts as a change; no change, no call;
 * - the owner's stamps: a write made after the owner stamped a file (before reading it) and before it
 *   handed the set over is reported; the owner's own write, read before the hand-over, is not, even
 *   when the watch had already seen it and was waiting for it to hold still (the console's save then
 *   reloaded twice).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "file_watch.h"
#include "platform/platform.h"

typedef struct seen {
    plat_mutex lock;
    int calls;
    char last[1024];
} seen;

static void on_change(const char *changed, void *ctx)
{
    seen *s = ctx;
    plat_mutex_lock(&s->lock);
    s->calls++;
    snprintf(s->last, sizeof s->last, "%s", changed);
    plat_mutex_unlock(&s->lock);
}

static int calls(seen *s)
{
    plat_mutex_lock(&s->lock);
    int n = s->calls;
    plat_mutex_unlock(&s->lock);
    return n;
}

/* Waits up to timeout_ms for at least want calls; returns the count seen. */
static int wait_calls(seen *s, int want, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms && calls(s) < want; waited += 50) plat_sleep_ms(50);
    return calls(s);
}

static void test_change_replace_remove(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("file_watch");
    char *a = test_path_join(dir, "a.json"), *b = test_path_join(dir, "b.lua");
    assert_int_equal(test_write_file(a, "{}"), 0);
    assert_int_equal(test_write_file(b, "-- b"), 0);
    seen s = { .calls = 0 };
    plat_mutex_init(&s.lock);
    const char *first[] = { a, a };  /* a duplicate is watched once */
    char err[256] = "";
    file_watch *w = file_watch_start(first, 2, on_change, &s, err, sizeof err);
    assert_non_null(w);

    /* Nothing changed: no call. */
    plat_sleep_ms(1200);
    assert_int_equal(calls(&s), 0);

    assert_int_equal(test_write_file(a, "{ \"changed\": 1 }"), 0);
    assert_int_equal(wait_calls(&s, 1, 10000), 1);
    assert_string_equal(s.last, a);
    plat_sleep_ms(1500);
    assert_int_equal(calls(&s), 1);  /* reported once */

    /* Replaced set: a is no longer watched, b is. */
    const char *second[] = { b };
    file_watch_set_paths(w, second, NULL, 1);
    plat_sleep_ms(1200);  /* the set is taken at the next wake-up */
    assert_int_equal(test_write_file(a, "{ \"changed\": 22 }"), 0);
    plat_sleep_ms(2000);
    assert_int_equal(calls(&s), 1);
    assert_int_equal(test_write_file(b, "-- b, longer now"), 0);
    assert_int_equal(wait_calls(&s, 2, 10000), 2);
    assert_string_equal(s.last, b);

    /* Removed is changed too. */
    assert_int_equal(remove(b), 0);
    assert_int_equal(wait_calls(&s, 3, 10000), 3);
    assert_string_equal(s.last, b);

    file_watch_stop(w);
    plat_mutex_destroy(&s.lock);
    test_remove_tree(dir);
    free(a); free(b); free(dir);
}

static void test_owner_stamps(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("file_watch_stamps");
    char *a = test_path_join(dir, "config.json"), *b = test_path_join(dir, "automations.json");
    assert_int_equal(test_write_file(a, "{}"), 0);
    assert_int_equal(test_write_file(b, "{}"), 0);
    seen s = { .calls = 0 };
    plat_mutex_init(&s.lock);
    const char *both[] = { a, b };
    char err[256] = "";
    file_watch *w = file_watch_start(both, 2, on_change, &s, err, sizeof err);
    assert_non_null(w);

    /* The owner's own write: the watch wakes on it and waits for it to hold still; meanwhile the owner
     * reads it and hands over what it read. Nothing to report. */
    uint64_t t0 = plat_monotonic_ns();
    assert_int_equal(test_write_file(b, "{ \"rules\": [] }"), 0);
    plat_sleep_ms(100);
    file_stamp st[2];
    file_stamp_take(a, &st[0]);
    file_stamp_take(b, &st[1]);
    file_watch_set_paths(w, both, st, 2);
    uint64_t handed_ms = (plat_monotonic_ns() - t0) / 1000000u;
    plat_sleep_ms(2000);
    /* Only a hand-over within the watch's 200 ms wait for stillness can be honoured; a machine that
     * starved this thread longer gets the (harmless) report, and the check says so instead of failing. */
    if (handed_ms < 180) assert_int_equal(calls(&s), 0);
    else print_message("the hand-over came %llu ms after the write (starved); not checked\n", (unsigned long long)handed_ms);
    plat_mutex_lock(&s.lock);
    s.calls = 0;
    plat_mutex_unlock(&s.lock);

    /* A write between the owner's stamp and its hand-over is reported all the same. */
    file_stamp_take(a, &st[0]);
    file_stamp_take(b, &st[1]);
    assert_int_equal(test_write_file(a, "{ \"version\": 1, \"written\": \"while reading\" }"), 0);
    plat_sleep_ms(50);
    file_watch_set_paths(w, both, st, 2);
    assert_int_equal(wait_calls(&s, 1, 10000), 1);
    assert_string_equal(s.last, a);
    plat_sleep_ms(1500);
    assert_int_equal(calls(&s), 1);

    file_watch_stop(w);
    plat_mutex_destroy(&s.lock);
    test_remove_tree(dir);
    free(a); free(b); free(dir);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_replace_remove),
        cmocka_unit_test(test_owner_stamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
