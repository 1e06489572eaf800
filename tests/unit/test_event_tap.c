/* event_tap: the live view's bounded fan-out (workers publish, console threads read), the failures
 * ring, and what an action published as it reaches the stream. Run under ThreadSanitizer too
 * (tools/test-tsan.sh). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "event_tap.h"
#include "platform/platform.h"
#include "test_support.h"
#include "wee/errors.h"

static void nobody_watching_costs_nothing_and_keeps_nothing(void **state)
{
    (void)state;
    event_tap *t = event_tap_new();
    assert_false(event_tap_watched(t));
    event_tap_publish(t, "{}", 2);
    tap_viewer *v = event_tap_subscribe(t);
    assert_true(event_tap_watched(t));
    char *line = NULL;
    uint64_t missed = 9;
    assert_int_equal(event_tap_next(v, 10, &line, &missed), WEE_ETIMEOUT);
    assert_null(line);
    assert_int_equal(missed, 0);
    event_tap_unsubscribe(v);
    assert_false(event_tap_watched(t));
    event_tap_free(t);
}

/* A viewer that does not read holds at most TAP_VIEWER_ITEMS lines and TAP_VIEWER_BYTES bytes; the
 * rest is counted as missed, in order. */
static void a_viewer_that_does_not_read_is_bounded(void **state)
{
    (void)state;
    event_tap *t = event_tap_new();
    tap_viewer *v = event_tap_subscribe(t);
    char line[64];
    for (int i = 0; i < TAP_VIEWER_ITEMS + 10; i++) {
        int n = snprintf(line, sizeof line, "{\"i\":%d}", i);
        event_tap_publish(t, line, (size_t)n);
    }
    unsigned viewers;
    size_t bytes;
    uint64_t missed;
    event_tap_stats(t, &viewers, &bytes, &missed);
    assert_int_equal(viewers, 1);
    assert_int_equal(missed, 10);
    char *got = NULL;
    for (int i = 0; i < TAP_VIEWER_ITEMS; i++) {
        assert_int_equal(event_tap_next(v, 0, &got, &missed), 0);
        snprintf(line, sizeof line, "{\"i\":%d}", i);
        assert_string_equal(got, line);
        free(got);
    }
    assert_int_equal(event_tap_next(v, 0, &got, &missed), WEE_ETIMEOUT);
    assert_int_equal(missed, 10);
    /* bytes: big lines stop at the byte bound before the item bound */
    size_t big = 12 * 1024;
    char *pad = malloc(big);
    memset(pad, 'p', big);
    for (int i = 0; i < 40; i++) event_tap_publish(t, pad, big);
    event_tap_stats(t, &viewers, &bytes, &missed);
    assert_true(bytes <= TAP_VIEWER_BYTES);
    assert_int_equal(bytes, (TAP_VIEWER_BYTES / big) * big);
    assert_int_equal(missed, 10 + 40 - TAP_VIEWER_BYTES / big);
    /* a line over TAP_ITEM_MAX is never queued */
    char *huge = malloc(TAP_ITEM_MAX + 1);
    memset(huge, 'h', TAP_ITEM_MAX + 1);
    event_tap_publish(t, huge, TAP_ITEM_MAX + 1);
    event_tap_stats(t, &viewers, &bytes, &missed);
    assert_int_equal(missed, 10 + 40 - TAP_VIEWER_BYTES / big + 1);
    free(huge);
    free(pad);
    event_tap_unsubscribe(v);
    event_tap_free(t);
}

static void at_most_max_viewers(void **state)
{
    (void)state;
    event_tap *t = event_tap_new();
    tap_viewer *v[TAP_MAX_VIEWERS];
    for (int i = 0; i < TAP_MAX_VIEWERS; i++) assert_non_null(v[i] = event_tap_subscribe(t));
    assert_null(event_tap_subscribe(t));
    event_tap_unsubscribe(v[3]);
    assert_non_null(v[3] = event_tap_subscribe(t));
    for (int i = 0; i < TAP_MAX_VIEWERS; i++) event_tap_unsubscribe(v[i]);
    event_tap_free(t);
}

#define PUBLISHERS 4
#define PER_PUBLISHER 5000

typedef struct reader { tap_viewer *v; uint64_t got, missed; int stopped; } reader;

static void publish_many(void *p)
{
    event_tap *t = p;
    char line[64];
    for (int i = 0; i < PER_PUBLISHER; i++) {
        int n = snprintf(line, sizeof line, "{\"n\":%d}", i);
        event_tap_publish(t, line, (size_t)n);
        if (i % 100 == 0) event_tap_failure(t, "rule", "rules[0].do[0]", "exec", "file.created", "exited with code 3");
    }
}

static void read_until_closed(void *p)
{
    reader *r = p;
    for (;;) {
        char *line = NULL;
        int rc = event_tap_next(r->v, 50, &line, &r->missed);
        if (rc == WEE_ESTOPPED) { r->stopped = 1; break; }
        if (line) { r->got++; free(line); }
    }
}

/* Workers publish while viewers read, one viewer never reads, another comes and goes: every line is
 * either delivered or counted as missed for each reader, and close wakes the readers. */
static void publishers_and_readers_concurrently(void **state)
{
    (void)state;
    event_tap *t = event_tap_new();
    reader readers[2];
    plat_thread rt[2], pt[PUBLISHERS];
    for (int i = 0; i < 2; i++) {
        memset(&readers[i], 0, sizeof readers[i]);
        readers[i].v = event_tap_subscribe(t);
        assert_int_equal(plat_thread_start(&rt[i], read_until_closed, &readers[i]), 0);
    }
    tap_viewer *idle = event_tap_subscribe(t);
    for (int i = 0; i < PUBLISHERS; i++) assert_int_equal(plat_thread_start(&pt[i], publish_many, t), 0);
    for (int k = 0; k < 50; k++) { /* a viewer that comes and goes meanwhile */
        tap_viewer *v = event_tap_subscribe(t);
        unsigned n;
        size_t bytes;
        uint64_t missed;
        event_tap_stats(t, &n, &bytes, &missed);
        assert_true(n <= TAP_MAX_VIEWERS);
        event_tap_unsubscribe(v);
    }
    for (int i = 0; i < PUBLISHERS; i++) plat_thread_join(&pt[i]);
    /* let the readers drain what is queued */
    for (int k = 0; k < 200; k++) {
        unsigned n;
        size_t bytes;
        uint64_t missed;
        event_tap_stats(t, &n, &bytes, &missed);
        if (bytes <= TAP_VIEWER_BYTES) { /* only the idle viewer's queue may be left */
            int drained = 1;
            for (int i = 0; i < 2; i++) drained &= readers[i].got + readers[i].missed == PUBLISHERS * PER_PUBLISHER;
            if (drained) break;
        }
        plat_sleep_ms(20);
    }
    event_tap_close(t);
    for (int i = 0; i < 2; i++) {
        plat_thread_join(&rt[i]);
        assert_true(readers[i].stopped);
        assert_int_equal(readers[i].got + readers[i].missed, PUBLISHERS * PER_PUBLISHER);
        event_tap_unsubscribe(readers[i].v);
    }
    char *line = NULL;
    uint64_t missed = 0;
    assert_int_equal(event_tap_next(idle, 0, &line, &missed), WEE_ESTOPPED);
    assert_int_equal(missed, PUBLISHERS * PER_PUBLISHER - TAP_VIEWER_ITEMS);
    event_tap_unsubscribe(idle);
    assert_null(event_tap_subscribe(t)); /* closing: no new viewer */
    cJSON *arr = event_tap_failures(t);
    assert_int_equal(cJSON_GetArraySize(arr), TAP_FAILURES);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "error")->valuestring, "exited with code 3");
    cJSON_Delete(arr);
    event_tap_free(t);
}

/* What an action published reaches its live-view object: its own module's fields only, typed, long
 * texts shortened on a character boundary. */
static void action_results_in_the_stream(void **state)
{
    (void)state;
    wee_event *res = event_new("results");
    event_set_int(res, "exec.exit_code", 3);
    event_set_bool(res, "exec.ok", 0);
    event_set_string(res, "http.status", "not mine");
    char out[600];
    memset(out, 'x', sizeof out);
    memcpy(out + TAP_RESULT_TEXT - 1, "\xc3\xa9", 2); /* a 2-byte character across the cut */
    out[sizeof out - 1] = '\0';
    event_set_string(res, "exec.stdout", out);
    cJSON *o = cJSON_CreateObject();
    event_tap_add_results(o, res, "exec");
    cJSON *r = cJSON_GetObjectItem(o, "results");
    assert_non_null(r);
    assert_int_equal(cJSON_GetObjectItem(r, "exit_code")->valueint, 3);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")));
    assert_null(cJSON_GetObjectItem(r, "status"));
    const char *s = cJSON_GetObjectItem(r, "stdout")->valuestring;
    assert_int_equal(strlen(s), TAP_RESULT_TEXT - 1 + 3);
    assert_string_equal(s + TAP_RESULT_TEXT - 1, "...");
    cJSON *none = cJSON_CreateObject();
    event_tap_add_results(none, res, "lua"); /* published nothing: no "results" member */
    assert_null(cJSON_GetObjectItem(none, "results"));
    cJSON_Delete(none);
    cJSON_Delete(o);
    event_unref(res);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nobody_watching_costs_nothing_and_keeps_nothing),
        cmocka_unit_test(a_viewer_that_does_not_read_is_bounded),
        cmocka_unit_test(at_most_max_viewers),
        cmocka_unit_test(publishers_and_readers_concurrently),
        cmocka_unit_test(action_results_in_the_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
