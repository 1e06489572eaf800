/*
 * Runtime: the engine does not loop on its own output. A rule reacting to every file event in a
 * folder logs into a file in that same folder; the log action tells the host it wrote that file, so
 * the resulting file events carry by_engine and the rule skips them - unless it opts in with
 * allow_engine_events, which the second half checks by seeing the events arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

static rt_paths P;

static char *write_cfg(const char *dir, const char *watched, const char *out, const char *ready, int allow)
{
    char *cfg = test_path_join(dir, "config.json");
    char *jw = rt_json(watched), *jo = rt_json(out), *jr = rt_json(ready);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2 },\n"
             "  \"sources\": [ { \"id\": \"w\", \"module\": \"file\", \"paths\": [%s], \"settle_ms\": 0 } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"echo\", \"when\": { \"event\": \"file.*\", \"match\": { \"ext\": { \"in\": [\"txt\", \"log\"] } } },\n"
             "      \"allow_engine_events\": %s, \"debounce_ms\": %d,\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"saw {{type}} {{name}}\" } ] }\n"
             "  ] }\n",
             jw, jr, allow ? "true" : "false", allow ? 300 : 0, jo);
    assert_int_equal(test_write_file(cfg, text), 0);
    free(jw); free(jo); free(jr);
    return cfg;
}

static void run_case(int allow)
{
    char *dir = test_make_temp_dir("rt_loop");
    char *watched = test_make_temp_dir("rt_loop_w");
    char *out = test_path_join(watched, "out.log"), *ready = test_path_join(dir, "ready.log");
    /* The log file exists before the host starts, so its real path is known at load. */
    assert_int_equal(test_write_file(out, ""), 0);
    char *cfg = write_cfg(dir, watched, out, ready, allow);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    char *f = test_path_join(watched, "a.txt");
    assert_int_equal(test_write_file(f, "x"), 0);
    assert_true(rt_wait_for_text(out, " a.txt", 20000));
    if (allow) {
        /* Opted in: the rule sees the engine's own writes (debounced so it cannot run away). */
        assert_true(rt_wait_for_text(out, "out.log", 20000));
    } else {
        plat_sleep_ms(1500);
    }
    /* Stop first: a host caught in a loop must not outlive a failed assertion. */
    int rc = rt_host_stop(&h);
    if (!allow) {
        char *text = test_read_file(out);
        if (strstr(text, "out.log")) {
            fprintf(stderr, "the rule reacted to the engine's own log writes:\n%s\n", text);
            fail();
        }
        free(text);
    }
    assert_int_equal(rc, 0);
    free(f); free(cfg); free(out); free(ready);
    test_remove_tree(watched);
    test_remove_tree(dir);
    free(watched); free(dir);
}

static void test_own_log_writes_do_not_loop(void **state) { (void)state; run_case(0); }
static void test_allow_engine_events_sees_them(void **state) { (void)state; run_case(1); }

int main(void)
{
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_log_writes_do_not_loop),
        cmocka_unit_test(test_allow_engine_events_sees_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
