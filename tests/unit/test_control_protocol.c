/* control channel wire format, `host emit` field typing, metrics listen addresses and HTTP request lines. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "test_support.h"
#include "control_protocol.h"
#include "event.h"
#include "http_server.h"
#include "wee/errors.h"

static void test_parse_requests(void **s)
{
    (void)s;
    control_command cmd;
    const char *arg;
    char err[256];
    assert_int_equal(control_parse_request("status", &cmd, &arg, err, sizeof err), 0);
    assert_int_equal(cmd, CONTROL_STATUS); assert_string_equal(arg, "");
    assert_int_equal(control_parse_request("reload", &cmd, &arg, err, sizeof err), 0);
    assert_int_equal(cmd, CONTROL_RELOAD);
    assert_int_equal(control_parse_request("metrics", &cmd, &arg, err, sizeof err), 0);
    assert_int_equal(cmd, CONTROL_METRICS);
    assert_int_equal(control_parse_request("emit {\"type\":\"a.b\"}", &cmd, &arg, err, sizeof err), 0);
    assert_int_equal(cmd, CONTROL_EMIT); assert_string_equal(arg, "{\"type\":\"a.b\"}");

    assert_int_equal(control_parse_request("emit", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    assert_non_null(strstr(err, "emit needs an event"));
    assert_int_equal(control_parse_request("status now", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    assert_non_null(strstr(err, "status takes no argument"));
    assert_int_equal(control_parse_request("statu", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    assert_non_null(strstr(err, "unknown command \"statu\""));
    assert_int_equal(control_parse_request("", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    assert_int_equal(control_parse_request("STATUS", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    /* Garbage with control bytes comes back printable. */
    assert_int_equal(control_parse_request("\x01\x1b[2Jx", &cmd, &arg, err, sizeof err), WEE_EINVAL);
    for (const char *c = err; *c; c++) assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
}

static void test_request_and_response_round_trip(void **s)
{
    (void)s;
    strbuf b = STRBUF_INIT;
    control_format_request(&b, CONTROL_STATUS, NULL);
    assert_string_equal(b.data, "status\n");
    strbuf_reset(&b);
    control_format_request(&b, CONTROL_EMIT, "{\"type\":\"x.y\"}");
    assert_string_equal(b.data, "emit {\"type\":\"x.y\"}\n");

    control_result r;
    const char *text;
    strbuf_reset(&b);
    control_format_response(&b, CONTROL_OK, "all good");    /* a newline is added */
    assert_string_equal(b.data, "ok\nall good\n");
    assert_int_equal(control_parse_response(b.data, &r, &text), 0);
    assert_int_equal(r, CONTROL_OK); assert_string_equal(text, "all good\n");
    strbuf_reset(&b);
    control_format_response(&b, CONTROL_FAILED, "x: bad\ny: worse\n");
    assert_string_equal(b.data, "failed\nx: bad\ny: worse\n");
    assert_int_equal(control_parse_response(b.data, &r, &text), 0);
    assert_int_equal(r, CONTROL_FAILED);
    strbuf_reset(&b);
    control_format_response(&b, CONTROL_ERROR, "");
    assert_string_equal(b.data, "error\n");
    assert_int_equal(control_parse_response(b.data, &r, &text), 0);
    assert_int_equal(r, CONTROL_ERROR); assert_string_equal(text, "");
    strbuf_reset(&b);
    control_format_response(&b, CONTROL_BUSY, "try again");
    assert_int_equal(control_parse_response(b.data, &r, &text), 0);
    assert_int_equal(r, CONTROL_BUSY);
    strbuf_free(&b);

    assert_int_equal(control_parse_response("", &r, &text), WEE_EINVAL);
    assert_int_equal(control_parse_response("ok", &r, &text), WEE_EINVAL);        /* no newline: cut short */
    assert_int_equal(control_parse_response("okay\nx", &r, &text), WEE_EINVAL);
    assert_int_equal(control_parse_response("HTTP/1.1 200 OK\r\n", &r, &text), WEE_EINVAL);
}

static char *emit_json(const char *type, int n, const char *const *pairs, char *err, size_t size)
{
    return control_event_json(type, n, pairs, err, size);
}

static void test_field_value_typing(void **s)
{
    (void)s;
    char err[256];
    const char *pairs[] = { "who=tester", "n=3", "neg=-42", "ok=true", "off=false", "ratio=1.5", "zip=007",
                            "big=1000000000000000", "edge=-999999999999999", "empty=", "eq=a=b", "True=True",
                            "plus=+5", "minus=-", "uni=h\xc3\xa9llo \"q\"\n" };
    char *j = emit_json("custom.ping", (int)(sizeof pairs / sizeof pairs[0]), pairs, err, sizeof err);
    assert_non_null(j);
    assert_string_equal(j, "{\"type\":\"custom.ping\",\"who\":\"tester\",\"n\":3,\"neg\":-42,\"ok\":true,\"off\":false,"
                           "\"ratio\":\"1.5\",\"zip\":7,\"big\":\"1000000000000000\",\"edge\":-999999999999999,"
                           "\"empty\":\"\",\"eq\":\"a=b\",\"True\":\"True\",\"plus\":\"+5\",\"minus\":\"-\","
                           "\"uni\":\"h\xc3\xa9llo \\\"q\\\"\\n\"}");
    assert_null(strchr(j, '\n'));   /* one request line, whatever the values hold */
    /* What the server parses is what was typed. */
    wee_event *ev = event_from_json(j, err, sizeof err);
    assert_non_null(ev);
    assert_int_equal(event_get_int(ev, "edge", 0), -999999999999999LL);
    assert_int_equal(event_get_type(ev, "edge"), WEE_VALUE_INT);
    assert_int_equal(event_get_type(ev, "ok"), WEE_VALUE_BOOL);
    assert_string_equal(event_get_string(ev, "big"), "1000000000000000");
    event_unref(ev);
    free(j);

    j = emit_json("custom.ping", 0, NULL, err, sizeof err);
    assert_string_equal(j, "{\"type\":\"custom.ping\"}");
    free(j);
}

/* Event JSON comes from any client of the control channel and from `host test --event`: numbers
 * outside int64 (1e400 is infinity after parsing, 2^70, 2^63) are refused with the field's name,
 * never converted (undefined behaviour, caught by -fsanitize=float-cast-overflow); edges that fit
 * are exact, -0 is 0. */
static void test_event_numbers_out_of_range(void **s)
{
    (void)s;
    char err[256];
    static const char *const bad[] = { "1e400", "-1e400", "1180591620717411303424", "9223372036854775808",
                                       "-9223372036854777856", "1.5", "1e-300" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"type\": \"custom.x\", \"n\": %s}", bad[i]);
        err[0] = '\0';
        wee_event *ev = event_from_json(json, err, sizeof err);
        if (ev) fail_msg("%s was accepted as %s", bad[i], event_get_string(ev, "n"));
        assert_non_null(strstr(err, "event field \"n\": expected an integer from -2^63 to 2^63-1"));
    }
    /* JSON has no NaN or Infinity literal: such text is not JSON at all. */
    assert_null(event_from_json("{\"type\": \"custom.x\", \"n\": NaN}", err, sizeof err));
    assert_null(event_from_json("{\"type\": \"custom.x\", \"n\": -Infinity}", err, sizeof err));
    wee_event *ev = event_from_json("{\"type\": \"custom.x\", \"lo\": -9223372036854775808, \"z\": -0, "
                                    "\"hi\": 9223372036854774784, \"e\": 1e3}", err, sizeof err);
    assert_non_null(ev);
    assert_true(event_get_int(ev, "lo", 0) == INT64_MIN);
    assert_string_equal(event_get_string(ev, "z"), "0");
    assert_true(event_get_int(ev, "hi", 0) == INT64_C(9223372036854774784));
    assert_int_equal(event_get_int(ev, "e", 0), 1000);
    event_unref(ev);
}

static void test_field_value_errors(void **s)
{
    (void)s;
    char err[256];
    const char *dup[] = { "a=1", "a=2" };
    assert_null(emit_json("custom.ping", 2, dup, err, sizeof err));
    assert_non_null(strstr(err, "field \"a\" given twice"));
    const char *type[] = { "type=x.y" };
    assert_null(emit_json("custom.ping", 1, type, err, sizeof err));
    assert_non_null(strstr(err, "is the event type"));
    const char *noeq[] = { "who" };
    assert_null(emit_json("custom.ping", 1, noeq, err, sizeof err));
    assert_non_null(strstr(err, "argument \"who\": expected field=value"));
    const char *noname[] = { "=3" };
    assert_null(emit_json("custom.ping", 1, noname, err, sizeof err));
    const char *space[] = { "a b=3" };
    assert_null(emit_json("custom.ping", 1, space, err, sizeof err));
    assert_null(emit_json("ping", 0, NULL, err, sizeof err));
    assert_non_null(strstr(err, "expected <domain>.<verb>"));
    assert_null(emit_json("custom ping", 0, NULL, err, sizeof err));
    assert_null(emit_json("", 0, NULL, err, sizeof err));
}

static void test_metrics_listen_addresses(void **s)
{
    (void)s;
    char host[64], err[256];
    int port;
    assert_int_equal(http_listen_parse("127.0.0.1:9464", "x", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.0.0.1"); assert_int_equal(port, 9464);
    assert_int_equal(http_listen_parse("127.1.2.3:80", "x", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.1.2.3");
    assert_int_equal(http_listen_parse("[::1]:9464", "x", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(http_listen_parse("localhost:0", "x", host, sizeof host, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.0.0.1"); assert_int_equal(port, 0);

    const char *not_loopback[] = { "0.0.0.0:9464", "192.168.1.5:9464", "[::]:9464", "example.com:9464",
                                   "128.0.0.1:1", "127.0.0.256:1", "127.0.0.1x:1", "[::2]:1" };
    for (size_t i = 0; i < sizeof not_loopback / sizeof not_loopback[0]; i++) {
        assert_int_equal(http_listen_parse(not_loopback[i], "the metrics endpoint", host, sizeof host, &port, err, sizeof err), WEE_EINVAL);
        assert_non_null(strstr(err, "only loopback addresses are allowed"));
    }
    const char *bad_shape[] = { "9464", "127.0.0.1", "::1:9464", "[::1]9464", "", "127.0.0.1:", "127.0.0.1:65536",
                                "127.0.0.1:-1", "127.0.0.1:12ab" };
    for (size_t i = 0; i < sizeof bad_shape / sizeof bad_shape[0]; i++) {
        assert_int_equal(http_listen_parse(bad_shape[i], "the metrics endpoint", host, sizeof host, &port, err, sizeof err), WEE_EINVAL);
        assert_null(strstr(err, "only loopback"));
    }
}

/* DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 reaches the endpoint, but its
 * Host header still says evil.example. */
static void test_metrics_host_header(void **s)
{
    (void)s;
    static const char *const ok[] = { "127.0.0.1:9464", "localhost", "[::1]:9464 ", "127.5.6.7", "LocalHost:1" };
    static const char *const bad[] = { "evil.example:9464", "evil.example", "127.0.0.1.evil.example", "localhost.evil",
                                       "", "[::2]:1", "127.0.0.1:x", "0.0.0.0", "[::1]x" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!http_host_value_allowed(ok[i])) fail_msg("refused: %s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_host_value_allowed(bad[i])) fail_msg("allowed: %s", bad[i]);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_requests),
        cmocka_unit_test(test_request_and_response_round_trip),
        cmocka_unit_test(test_field_value_typing),
        cmocka_unit_test(test_field_value_errors),
        cmocka_unit_test(test_event_numbers_out_of_range),
        cmocka_unit_test(test_metrics_listen_addresses),
        cmocka_unit_test(test_metrics_host_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
