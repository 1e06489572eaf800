/*
 * Runtime: the real host with the real timer, http and log modules against the loopback test server.
 * - a rule [http POST json -> log "{{http.status}} {{http.body}}"] fires from a timer tick: the server
 *   sees the POST with the rendered JSON, and the log line shows what the server answered;
 * - a failing request (500 after retries) is logged by the host with the reason, the rule's later
 *   action is skipped (on_error stop);
 * - `host validate` refuses a config using http while engine.http_enabled is false, naming the
 *   setting, and accepts it once enabled.
 * Natively and under Wine (real loopback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "http_test_server.h"
#include "rt_support.h"

static rt_paths P;

static char *write_config(const char *dir, const char *engine_json, const char *actions_json)
{
    char *ready = test_path_join(dir, "ready.log"), *cfg = test_path_join(dir, "config.json");
    char *jr = rt_json(ready);
    size_t need = strlen(engine_json) + strlen(actions_json) + strlen(jr) + 2048;
    char *text = malloc(need);
    snprintf(text, need,
             "{ \"version\": 1, \"engine\": %s,\n"
             "  \"sources\": [ { \"id\": \"beat\", \"module\": \"timer\", \"name\": \"hb\", \"interval_ms\": 3600000,"
             " \"immediate\": true } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"notify\", \"when\": { \"event\": \"timer.tick\", \"source\": \"beat\" },\n"
             "      \"do\": %s } ] }\n",
             engine_json, jr, actions_json);
    assert_int_equal(test_write_file(cfg, text), 0);
    free(text); free(jr); free(ready);
    return cfg;
}

static char *actions_post_then_log(const http_test_server *s, const char *log, const char *extra)
{
    char url[256];
    http_test_server_url(s, "/events?t={{type}}", url, sizeof url);
    char *jl = rt_json(log), *ju = rt_json(url);
    char *out = malloc(4096);
    snprintf(out, 4096,
             "[ { \"action\": \"http\", \"method\": \"POST\", \"url\": %s, %s\n"
             "    \"headers\": { \"X-Source\": \"{{source}}\" },\n"
             "    \"json\": { \"timer\": \"{{name}}\", \"count\": \"{{count}}\", \"note\": \"say \\\"hi\\\"\\n\" } },\n"
             "  { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"{{http.status}} {{http.body}}\" } ]",
             ju, extra, jl);
    free(jl); free(ju);
    return out;
}

static void test_timer_post_then_log(void **state)
{
    (void)state;
    http_test_server *s = http_test_server_start();
    assert_non_null(s);
    http_test_server_push_response(s, 201, "stored#1");
    char *dir = test_make_temp_dir("rt_http"), *log = test_path_join(dir, "actions.log");
    char *actions = actions_post_then_log(s, log, "");
    char *cfg = write_config(dir, "{ \"workers\": 2, \"http_enabled\": true, \"http_allow\": [\"127.0.0.1\"] }",
                             actions);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(log, "201 stored#1", 20000));
    assert_int_equal(rt_host_stop(&h), 0);

    assert_int_equal(http_test_server_request_count(s), 1);
    const http_test_request *r = http_test_server_request(s, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target, "/events?t=timer.tick");
    assert_string_equal(http_test_request_header(r, "X-Source"), "beat");
    assert_string_equal(http_test_request_header(r, "Content-Type"), "application/json");
    cJSON *body = cJSON_Parse(r->body);
    assert_non_null(body);
    assert_string_equal(cJSON_GetObjectItem(body, "timer")->valuestring, "hb");
    assert_string_equal(cJSON_GetObjectItem(body, "count")->valuestring, "1");
    assert_string_equal(cJSON_GetObjectItem(body, "note")->valuestring, "say \"hi\"\n");
    cJSON_Delete(body);

    http_test_server_stop(s);
    free(actions); free(cfg); free(log);
    test_remove_tree(dir);
    free(dir);
}

static void test_5xx_after_retries_skips_later_actions(void **state)
{
    (void)state;
    http_test_server *s = http_test_server_start();
    assert_non_null(s);
    for (int i = 0; i < 2; i++) http_test_server_push_response(s, 500, "down");
    char *dir = test_make_temp_dir("rt_http_fail"), *log = test_path_join(dir, "actions.log");
    char *engine_log = test_path_join(dir, "engine.log");
    char *jel = rt_json(engine_log);
    char engine[1024];
    snprintf(engine, sizeof engine, "{ \"workers\": 1, \"http_enabled\": true, \"log\": { \"file\": %s } }", jel);
    free(jel);
    char *actions = actions_post_then_log(s, log, "\"retries\": 1, \"backoff_ms\": 10,");
    char *cfg = write_config(dir, engine, actions);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(engine_log, "HTTP 500 after 1 retries", 20000));
    assert_int_equal(rt_host_stop(&h), 0);
    assert_int_equal(http_test_server_request_count(s), 2);
    char *text = test_read_file(log);
    assert_true(text == NULL || strstr(text, "500") == NULL); /* the log action never ran */
    free(text);
    http_test_server_stop(s);
    free(actions); free(cfg); free(log); free(engine_log);
    test_remove_tree(dir);
    free(dir);
}

static int run_validate(const char *cfg, plat_process_result *res)
{
    const char *argv[] = { P.host, "--modules", P.modules, "validate", cfg, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    memset(res, 0, sizeof *res);
    spec.argv = argv;
    spec.timeout_ms = 60000;
    spec.stdout_max = 1 << 16;
    spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    assert_int_equal(plat_process_run(&spec, res), 0);
    assert_true(res->started);
    return res->exit_code;
}

static void test_validate_refuses_http_unless_enabled(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_http_validate"), *log = test_path_join(dir, "a.log");
    char *actions = actions_post_then_log(NULL, log, "");
    char *off = write_config(dir, "{ \"http_enabled\": false }", actions);
    plat_process_result r;
    assert_int_equal(run_validate(off, &r), 1);
    const char *err = r.err ? r.err : "";
    if (!strstr(err, "config.json: rules[1].do[0]") ||
        !strstr(err, "the http action makes network requests and they are off; set \"engine\": {\"http_enabled\": true}")) {
        fprintf(stderr, "unexpected validate output:\n%s\n", err);
        fail();
    }
    plat_process_result_free(&r);

    char *on = write_config(dir, "{ \"http_enabled\": true }", actions);
    assert_int_equal(run_validate(on, &r), 0);
    plat_process_result_free(&r);
    free(off); free(on); free(actions); free(log);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_post_then_log),
        cmocka_unit_test(test_5xx_after_retries_skips_later_actions),
        cmocka_unit_test(test_validate_refuses_http_unless_enabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
