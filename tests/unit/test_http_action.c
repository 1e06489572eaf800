/*
 * test_http_action - the real `http` module file (modules/http.so|.dll) loaded with plat_dl_open and
 * driven through the real host table, option validation, template rendering and action calls, against
 * the real loopback server of tests/support/http_test_server.c. Natively and under Wine.
 * Needs the target mod_http built first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "http_test_server.h"
#include "action_call.h"
#include "event.h"
#include "host_api.h"
#include "net_policy.h"
#include "options.h"
#include "platform/platform.h"
#include "util/diag.h"
#include "wee/wee.h"

static char g_module_dir[1100];
static void *g_lib;
static const wee_module_desc *g_desc;

typedef struct action_fixture {
    cJSON *json;
    options_tree *tree;
    void *instance;
    int create_rc;
    char err[512];
} action_fixture;

static void load_http_module(void)
{
    char path[1300], err[256];
    snprintf(path, sizeof path, "%s%shttp%s", g_module_dir, plat_path_sep(), plat_dl_suffix());
    g_lib = plat_dl_open(path, err, sizeof err);
    if (!g_lib) { fprintf(stderr, "cannot load %s: %s (build mod_http first)\n", path, err); exit(1); }
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(g_lib, WEE_ENTRY_SYMBOL);
    if (!entry || !(g_desc = entry())) { fprintf(stderr, "%s has no usable entry\n", path); exit(1); }
    if (g_desc->module_init && g_desc->module_init(host_api_get(), err, sizeof err) != 0) {
        fprintf(stderr, "http module_init failed: %s\n", err);
        exit(1);
    }
}

/* Takes ownership of opts. Returns 0 when the options validated (create may still have failed). */
static int fixture_open(action_fixture *f, cJSON *opts)
{
    static const char *const own_keys[] = { "action", "on_error", NULL };
    diag_list d = DIAG_INIT;
    memset(f, 0, sizeof *f);
    f->json = opts;
    f->tree = options_build(g_desc->options, opts, "rules[0].do[0]", own_keys, 1, &d);
    if (!f->tree) {
        diag_print(&d, "test", stderr);
        diag_free(&d);
        return -1;
    }
    diag_free(&d);
    f->create_rc = g_desc->action_create(host_api_get(), options_static_view(f->tree), &f->instance, f->err,
                                         sizeof f->err);
    return 0;
}

static void fixture_close(action_fixture *f)
{
    if (f->tree && f->create_rc == 0) g_desc->action_destroy(f->instance);
    options_tree_free(f->tree);
    cJSON_Delete(f->json);
}

static int fixture_run(action_fixture *f, const wee_event *ev, wee_event *results, char *error, size_t size)
{
    struct wee_action_call call;
    assert_int_equal(f->create_rc, 0);
    action_call_init(&call, f->tree, ev, results, g_desc->name, "test-rule", 0);
    int rc = g_desc->action_run(f->instance, &call);
    snprintf(error, size, "%s", strbuf_cstr(&call.error));
    action_call_finish(&call);
    return rc;
}

static wee_event *file_event(const char *path, const char *name)
{
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", path);
    event_set_string(ev, "name", name);
    host_api_stamp(ev, "downloads");
    return ev;
}

static cJSON *http_opts(const http_test_server *s, const char *path)
{
    char url[256];
    http_test_server_url(s, path, url, sizeof url);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "url", url);
    return o;
}

static int setup(void **state)
{
    net_policy_set(1, NULL, 0);
    http_test_server *s = http_test_server_start();
    assert_non_null(s);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    http_test_server_stop(*state);
    net_policy_set(0, NULL, 0);
    return 0;
}

/* Quote, backslash, newline, tab, a control character, 2-, 3- and 4-byte UTF-8. */
#define HOSTILE_PATH "C:\\in\\\"quoted\"\nnext\tline\x01 r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80.txt"

static void test_post_json_escapes_every_field(void **state)
{
    http_test_server *s = *state;
    http_test_server_push_response(s, 200, "accepted");
    cJSON *o = http_opts(s, "/hook?src={{source}}");
    cJSON_AddStringToObject(o, "method", "POST");
    cJSON *headers = cJSON_AddObjectToObject(o, "headers");
    cJSON_AddStringToObject(headers, "X-Rule", "file {{name}}");
    cJSON *json = cJSON_Parse("{\"file\":\"{{path}}\",\"kind\":\"{{EVENT_TYPE}}\",\"n\":5,\"flag\":true,"
                              "\"nested\":{\"list\":[\"{{name}}\",\"literal\",null]}}");
    cJSON_AddItemToObject(o, "json", json);
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(f.create_rc, 0);

    wee_event *ev = file_event(HOSTILE_PATH, "n\"a\\me");
    wee_event *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    assert_string_equal(error, "");
    assert_int_equal(event_get_int(results, "http.status", -1), 200);
    assert_string_equal(event_get_string(results, "http.body"), "accepted");
    assert_true(event_get_bool(results, "http.ok", 0));

    assert_int_equal(http_test_server_request_count(s), 1);
    const http_test_request *r = http_test_server_request(s, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target, "/hook?src=downloads");
    assert_string_equal(http_test_request_header(r, "Content-Type"), "application/json");
    assert_string_equal(http_test_request_header(r, "X-Rule"), "file n\"a\\me");
    /* The body is valid JSON whose strings are exactly the event's values. */
    cJSON *sent = cJSON_Parse(r->body);
    assert_non_null(sent);
    assert_string_equal(cJSON_GetObjectItem(sent, "file")->valuestring, HOSTILE_PATH);
    assert_string_equal(cJSON_GetObjectItem(sent, "kind")->valuestring, "file.created");
    assert_int_equal(cJSON_GetObjectItem(sent, "n")->valueint, 5);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sent, "flag")));
    cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(sent, "nested"), "list");
    assert_string_equal(cJSON_GetArrayItem(list, 0)->valuestring, "n\"a\\me");
    assert_string_equal(cJSON_GetArrayItem(list, 1)->valuestring, "literal");
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(list, 2)));
    cJSON_Delete(sent);
    /* No raw control character reached the wire: newline and \x01 are escaped. */
    assert_null(strchr(r->body, '\n'));
    assert_null(strchr(r->body, '\x01'));
    assert_non_null(strstr(r->body, "\\n"));
    assert_non_null(strstr(r->body, "\xf0\x9f\x98\x80")); /* UTF-8 kept as is */

    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_defaults_get_and_text_body_post(void **state)
{
    http_test_server *s = *state;
    action_fixture f;
    assert_int_equal(fixture_open(&f, http_opts(s, "/get/{{name}}")), 0);
    wee_event *ev = file_event("/in/a.txt", "a.txt"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    fixture_close(&f);
    const http_test_request *r = http_test_server_request(s, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->target, "/get/a.txt");
    assert_int_equal(r->body_len, 0);

    cJSON *o = http_opts(s, "/text");
    cJSON_AddStringToObject(o, "body", "saw {{path}}");
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    fixture_close(&f);
    r = http_test_server_request(s, 1);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->body, "saw /in/a.txt");
    assert_string_equal(http_test_request_header(r, "Content-Type"), "text/plain; charset=utf-8");

    o = http_opts(s, "/put");
    cJSON_AddStringToObject(o, "method", "PUT");
    cJSON_AddStringToObject(o, "body", "x");
    cJSON_AddItemToObject(o, "headers", cJSON_Parse("{\"content-type\":\"application/x-custom\"}"));
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    fixture_close(&f);
    r = http_test_server_request(s, 2);
    assert_string_equal(r->method, "PUT");
    assert_string_equal(http_test_request_header(r, "Content-Type"), "application/x-custom");

    event_free(ev);
    event_free(results);
}

static void test_500_then_200_is_retried(void **state)
{
    http_test_server *s = *state;
    http_test_server_push_response(s, 500, "oops");
    http_test_server_push_response(s, 200, "fine");
    cJSON *o = http_opts(s, "/retry");
    cJSON_AddNumberToObject(o, "retries", 2);
    cJSON_AddNumberToObject(o, "backoff_ms", 5);
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    assert_int_equal(event_get_int(results, "http.status", -1), 200);
    assert_string_equal(event_get_string(results, "http.body"), "fine");
    assert_int_equal(http_test_server_request_count(s), 2);
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_5xx_after_retries_fails_with_status(void **state)
{
    http_test_server *s = *state;
    for (int i = 0; i < 3; i++) http_test_server_push_response(s, 503, "busy");
    cJSON *o = http_opts(s, "/busy");
    cJSON_AddNumberToObject(o, "retries", 2);
    cJSON_AddNumberToObject(o, "backoff_ms", 5);
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512], expect[300];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EFAILED);
    http_test_server_url(s, "/busy", expect, sizeof expect);
    strcat(expect, ": HTTP 503 after 2 retries");
    assert_non_null(strstr(error, expect));
    assert_int_equal(event_get_int(results, "http.status", -1), 503);
    assert_string_equal(event_get_string(results, "http.body"), "busy");
    assert_false(event_get_bool(results, "http.ok", 1));
    assert_int_equal(http_test_server_request_count(s), 3);
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_closed_port_and_timeout_fail_clearly(void **state)
{
    http_test_server *s = *state;
    http_test_server *gone = http_test_server_start();
    int port = http_test_server_port(gone);
    cJSON *o = http_opts(gone, "/x");
    http_test_server_stop(gone);
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512], expect[128];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EIO);
    snprintf(expect, sizeof expect, "connection refused by 127.0.0.1:%d", port);
    assert_non_null(strstr(error, expect));
    assert_int_equal(event_get_int(results, "http.status", -1), 0);
    assert_false(event_get_bool(results, "http.ok", 1));
    fixture_close(&f);

    http_test_server_push_hang(s);
    o = http_opts(s, "/slow");
    cJSON_AddNumberToObject(o, "timeout_ms", 300);
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_ETIMEOUT);
    snprintf(expect, sizeof expect, "timed out after 300 ms waiting for 127.0.0.1:%d", http_test_server_port(s));
    assert_non_null(strstr(error, expect));
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_net_policy_refusals_send_nothing(void **state)
{
    http_test_server *s = *state;
    action_fixture f;
    assert_int_equal(fixture_open(&f, http_opts(s, "/x")), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512];

    char *allow[] = { "example.com", "*.example.org" };
    net_policy_set(1, allow, 2);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EPERM);
    assert_non_null(strstr(error, "host \"127.0.0.1\" is not in engine.http_allow"));
    assert_false(event_get_bool(results, "http.ok", 1));

    net_policy_set(0, NULL, 0);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EPERM);
    assert_non_null(strstr(error, "network requests are off; set \"engine\": {\"http_enabled\": true}"));

    char *loopback[] = { "127.0.0.1" };
    net_policy_set(1, loopback, 1);
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    assert_int_equal(http_test_server_request_count(s), 1); /* only the allowed request went out */
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_header_injection_refused(void **state)
{
    http_test_server *s = *state;
    cJSON *o = http_opts(s, "/x");
    cJSON_AddItemToObject(o, "headers", cJSON_Parse("{\"X-File\":\"{{name}}\"}"));
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a\r\nX-Evil: 1"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EINVAL);
    assert_non_null(strstr(error, "header 'X-File' rendered to a value with a line break"));
    assert_int_equal(http_test_server_request_count(s), 0);
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_body_max_bounds_published_body(void **state)
{
    http_test_server *s = *state;
    /* 9 bytes kept of "abcdefgh€": the euro sign (3 bytes) would be cut, so it goes whole. */
    http_test_server_push_response(s, 200, "abcdefgh\xe2\x82\xac tail");
    cJSON *o = http_opts(s, "/big");
    cJSON_AddNumberToObject(o, "body_max", 10);
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "http.body"), "abcdefgh");
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_create_refusals(void **state)
{
    http_test_server *s = *state;
    action_fixture f;
    cJSON *o = http_opts(s, "/x");
    cJSON_AddStringToObject(o, "body", "a");
    cJSON_AddItemToObject(o, "json", cJSON_CreateObject());
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    assert_non_null(strstr(f.err, "either 'body'"));
    fixture_close(&f);

    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "url", "ftp://example.com/x");
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    assert_non_null(strstr(f.err, "'url' must start with http:// or https://"));
    fixture_close(&f);

    o = http_opts(s, "/x");
    cJSON_AddItemToObject(o, "headers", cJSON_Parse("{\"Bad Name\":\"v\"}"));
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    assert_non_null(strstr(f.err, "\"Bad Name\" is not a valid header name"));
    fixture_close(&f);

    o = http_opts(s, "/x");
    cJSON_AddStringToObject(o, "method", "FETCH");
    assert_int_equal(fixture_open(&f, o), -1); /* refused by the option table's choices */
    fixture_close(&f);
}

static void test_ca_file_reaches_tls(void **state)
{
    http_test_server *s = *state;
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", http_test_server_port(s));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddStringToObject(o, "ca_file", "/nonexistent/wee-ca.pem");
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EIO);
    assert_non_null(strstr(error, "TLS error with 127.0.0.1:"));
#ifndef _WIN32
    assert_non_null(strstr(error, "wee-ca.pem")); /* OpenSSL names the bundle it could not load */
#endif
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

/* Several workers at once on one instance: each has its own curl handle, every request arrives. */
#define CONC_WORKERS 4
#define CONC_EACH 10
typedef struct conc_worker {
    action_fixture *f;
    unsigned index;
    int failures;
} conc_worker;

static void conc_worker_main(void *arg)
{
    conc_worker *w = arg;
    for (int i = 0; i < CONC_EACH; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%u-%d", w->index, i);
        wee_event *ev = file_event("/c", name), *results = event_new("results");
        struct wee_action_call call;
        action_call_init(&call, w->f->tree, ev, results, g_desc->name, "test-rule", w->index);
        if (g_desc->action_run(w->f->instance, &call) != 0 || event_get_int(results, "http.status", 0) != 200)
            w->failures++;
        action_call_finish(&call);
        event_free(ev);
        event_free(results);
    }
}

static void test_concurrent_workers(void **state)
{
    http_test_server *s = *state;
    action_call_set_worker_count(CONC_WORKERS);
    cJSON *o = http_opts(s, "/c");
    cJSON_AddItemToObject(o, "json", cJSON_Parse("{\"n\":\"{{name}}\"}"));
    action_fixture f;
    assert_int_equal(fixture_open(&f, o), 0);
    assert_int_equal(f.create_rc, 0);
    plat_thread threads[CONC_WORKERS];
    conc_worker workers[CONC_WORKERS];
    uint64_t t0 = plat_monotonic_ns();
    for (unsigned i = 0; i < CONC_WORKERS; i++) {
        workers[i] = (conc_worker){ &f, i, 0 };
        assert_int_equal(plat_thread_start(&threads[i], conc_worker_main, &workers[i]), 0);
    }
    for (unsigned i = 0; i < CONC_WORKERS; i++) plat_thread_join(&threads[i]);
    printf("%d requests from %d workers in %.1f ms (one connection per request: the test server closes)\n",
           CONC_WORKERS * CONC_EACH, CONC_WORKERS, (double)(plat_monotonic_ns() - t0) / 1e6);
    for (unsigned i = 0; i < CONC_WORKERS; i++) assert_int_equal(workers[i].failures, 0);
    assert_int_equal(http_test_server_request_count(s), CONC_WORKERS * CONC_EACH);
    /* Every event's body arrived exactly once. */
    for (unsigned w = 0; w < CONC_WORKERS; w++)
        for (int i = 0; i < CONC_EACH; i++) {
            char want[64];
            snprintf(want, sizeof want, "{\"n\":\"w%u-%d\"}", w, i);
            int found = 0;
            for (size_t k = 0; k < http_test_server_request_count(s); k++)
                found += strcmp(http_test_server_request(s, k)->body, want) == 0;
            assert_int_equal(found, 1);
        }
    fixture_close(&f);
    action_call_set_worker_count(1);
}

int main(void)
{
    test_init();
    char exe_dir[1024];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) return 1;
    snprintf(g_module_dir, sizeof g_module_dir, "%s%s..%smodules", exe_dir, plat_path_sep(), plat_path_sep());
    load_http_module();
    assert_true(g_desc->struct_size >= offsetof(wee_module_desc, flags) + sizeof g_desc->flags);
    if (!(g_desc->flags & WEE_MODULE_FLAG_NETWORK)) { fprintf(stderr, "http lacks the NETWORK flag\n"); return 1; }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_json_escapes_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_get_and_text_body_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_500_then_200_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_5xx_after_retries_fails_with_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_port_and_timeout_fail_clearly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_net_policy_refusals_send_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_injection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_max_bounds_published_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_file_reaches_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_workers, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_desc->module_shutdown) g_desc->module_shutdown();
    plat_dl_close(g_lib);
    return rc;
}
