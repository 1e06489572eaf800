/*
 * Unit: the mqtt module's outbound queue (bound, order, spool file written at close and read back,
 * a torn last record skipped) and its payload handling (UTF-8 check, base64, json.<key> fields).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "host_api.h"
#include "event.h"
#include "mqtt_payload.h"
#include "mqtt_queue.h"
#include "platform/platform.h"

static mqtt_msg *msg(const char *topic, const char *payload, int qos)
{
    return mqtt_msg_new(topic, payload, strlen(payload), qos, 0);
}

static void test_bound_and_order(void **state)
{
    (void)state;
    mqtt_queue q;
    char err[256];
    assert_int_equal(mqtt_queue_init(&q, 2, NULL, err, sizeof err), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("a", "1", 0)), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("b", "2", 1)), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("c", "3", 1)), -1); /* full: dropped (and freed) */
    mqtt_msg *m = mqtt_queue_pop(&q);
    assert_string_equal(m->topic, "a");
    mqtt_queue_push_front(&q, m);
    m = mqtt_queue_pop(&q);
    assert_string_equal(m->topic, "a");
    mqtt_msg_free(m);
    m = mqtt_queue_pop(&q);
    assert_string_equal(m->topic, "b");
    mqtt_msg_free(m);
    assert_null(mqtt_queue_pop(&q));
    mqtt_queue_close(&q);
}

static void test_spool_survives_close(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("mqtt_queue");
    char *file = test_path_join(dir, "spool.bin");
    char err[256];
    mqtt_queue q;
    assert_int_equal(mqtt_queue_init(&q, 100, file, err, sizeof err), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("t/1", "one", 1)), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("t/0", "qos0 is not spooled", 0)), 0);
    const unsigned char bin[] = { 0, 1, 2, 0xff };
    assert_int_equal(mqtt_queue_push(&q, mqtt_msg_new("t/2", bin, sizeof bin, 2, 1)), 0);
    mqtt_msg_free(mqtt_queue_pop(&q)); /* t/1 went out */
    mqtt_queue_close(&q);              /* t/0 (memory only) and t/2 are left: the file keeps t/2 */

    assert_int_equal(mqtt_queue_init(&q, 100, file, err, sizeof err), 1);
    assert_string_equal(err, "");
    mqtt_msg *m = mqtt_queue_pop(&q);
    assert_string_equal(m->topic, "t/2");
    assert_int_equal(m->len, sizeof bin);
    assert_memory_equal(m->payload, bin, sizeof bin);
    assert_int_equal(m->qos, 2);
    assert_int_equal(m->retain, 1);
    mqtt_msg_free(m);
    assert_false(plat_path_exists(file)); /* emptied: nothing left to protect */
    mqtt_queue_close(&q);

    /* A crash mid-append leaves a torn last record: the whole ones load, the rest is reported. */
    assert_int_equal(mqtt_queue_init(&q, 100, file, err, sizeof err), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("x", "kept", 1)), 0);
    assert_int_equal(mqtt_queue_push(&q, msg("y", "torn", 1)), 0);
    mqtt_queue_close(&q);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(plat_read_file(file, &text, &len), 0);
    FILE *f = fopen(file, "wb");
    fwrite(text, 1, len - 2, f);
    fclose(f);
    free(text);
    assert_int_equal(mqtt_queue_init(&q, 100, file, err, sizeof err), 1);
    assert_non_null(strstr(err, "torn or damaged last record"));
    m = mqtt_queue_pop(&q);
    assert_string_equal(m->topic, "x");
    mqtt_msg_free(m);
    mqtt_queue_close(&q);
    test_remove_tree(dir);
    free(file);
    free(dir);
}

static void test_payload_text_check(void **state)
{
    (void)state;
    assert_true(mqtt_payload_is_text((const unsigned char *)"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    assert_false(mqtt_payload_is_text((const unsigned char *)"a\0b", 3));        /* NUL */
    assert_false(mqtt_payload_is_text((const unsigned char *)"\xff", 1));        /* never UTF-8 */
    assert_false(mqtt_payload_is_text((const unsigned char *)"\xc0\x80", 2));    /* overlong NUL */
    assert_false(mqtt_payload_is_text((const unsigned char *)"\xed\xa0\x80", 3)); /* surrogate */
    assert_false(mqtt_payload_is_text((const unsigned char *)"\xe2\x82", 2));    /* cut short */
}

static void test_payload_fields(void **state)
{
    (void)state;
    const wee_host_api *h = host_api_get();
    wee_event *ev = h->event_new("mqtt.message");
    const char *json = "{\"s\": \"x\", \"i\": -3, \"b\": false, \"f\": 1.5, \"o\": {\"k\": 1}, \"bad key\": 1, \"n\": null}";
    assert_int_equal(mqtt_payload_to_fields(h, ev, json, strlen(json)), 0);
    assert_string_equal(h->event_get_string(ev, "payload_encoding"), "utf-8");
    assert_string_equal(h->event_get_string(ev, "json.s"), "x");
    assert_int_equal(h->event_get_type(ev, "json.i"), WEE_VALUE_INT);
    assert_int_equal(h->event_get_int(ev, "json.i", 0), -3);
    assert_int_equal(h->event_get_type(ev, "json.b"), WEE_VALUE_BOOL);
    assert_string_equal(h->event_get_string(ev, "json.f"), "1.5");
    assert_string_equal(h->event_get_string(ev, "json.o"), "{\"k\":1}");
    assert_string_equal(h->event_get_string(ev, "json.n"), "null");
    assert_null(h->event_get_string(ev, "json.bad key"));
    h->event_free(ev);

    /* A payload with more members than MQTT_JSON_FIELDS_MAX: only the first ones become fields. */
    char *many = malloc(20000), *w = many;
    w += sprintf(w, "{");
    for (int i = 0; i < 1000; i++) w += sprintf(w, "%s\"k%d\": %d", i ? ", " : "", i, i);
    sprintf(w, "}");
    ev = h->event_new("mqtt.message");
    assert_int_equal(mqtt_payload_to_fields(h, ev, many, strlen(many)), 0);
    assert_non_null(h->event_get_string(ev, "json.k255"));
    assert_null(h->event_get_string(ev, "json.k256"));
    h->event_free(ev);
    free(many);

    static const struct { const char *in; size_t len; const char *b64; } cases[] = {
        { "\xff", 1, "/w==" }, { "\xff\x00", 2, "/wA=" }, { "\xff\x00\x01", 3, "/wAB" }, { "\x00\xff\x10\x61\x80", 5, "AP8QYYA=" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ev = h->event_new("mqtt.message");
        assert_int_equal(mqtt_payload_to_fields(h, ev, cases[i].in, cases[i].len), 0);
        assert_string_equal(h->event_get_string(ev, "payload_encoding"), "base64");
        assert_string_equal(h->event_get_string(ev, "payload"), cases[i].b64);
        assert_int_equal(h->event_get_int(ev, "payload_size", -1), (int64_t)cases[i].len);
        h->event_free(ev);
    }
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_and_order),
        cmocka_unit_test(test_spool_survives_close),
        cmocka_unit_test(test_payload_text_check),
        cmocka_unit_test(test_payload_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
