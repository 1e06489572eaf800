/*
 * Runtime: the real host with the real timer, lua and log modules.
 * - a pooled script file (rule "count") appends to a file inside its allow_paths and emits
 *   "lua.done"; a second rule (allow_engine_events) sees that event and logs its fields;
 * - meanwhile, on the same ticks, a script that loops forever (rule "spin") and one that reads a file
 *   outside its allow_paths (rule "escape") fail with their reasons in the engine log, and the host
 *   keeps serving the other rules;
 * - `host validate` accepts the example configs config/examples/lua-*.json and refuses a script with
 *   a syntax error, naming the action's JSON path and the script line.
 * Natively and under Wine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "rt_support.h"
#ifdef _WIN32
#include <direct.h>
#define make_dir(p) _mkdir(p)
#else
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#define make_dir(p) mkdir(p, 0755)
#endif

static rt_paths P;

static void test_script_emits_while_bad_scripts_fail(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_lua"), *out = test_path_join(dir, "out");
    char *secret = test_path_join(dir, "secret.txt"), *script = test_path_join(dir, "count.lua");
    char *actions_log = test_path_join(dir, "actions.log"), *engine_log = test_path_join(dir, "engine.log");
    char *ticks = test_path_join(out, "ticks.txt"), *cfg = test_path_join(dir, "config.json");
    assert_int_equal(make_dir(out), 0);

    char *j_out = rt_json(out), *j_script = rt_json(script);
    char *j_alog = rt_json(actions_log), *j_elog = rt_json(engine_log);
    char text[8192], escape_code[2048];
    /* Paths go into Lua as long strings ([[...]]): no escaping of Windows backslashes needed. */
    snprintf(escape_code, sizeof escape_code, "function on_event(t) return fs.read([[%s]] .. '/../secret.txt') end", out);
    char *j_escape = rt_json(escape_code);
    snprintf(text, sizeof text,
             "-- appends each tick's count, then tells the engine\n"
             "function on_event(t)\n"
             "  state.n = (state.n or 0) + 1\n"
             "  fs.write([[%s]], tostring(t.count) .. '\\n', true)\n"
             "  emit('lua.done', {count = t.count, name = t.name, seen = state.n})\n"
             "end\n", ticks);
    assert_int_equal(test_write_file(secret, "top secret"), 0);
    assert_int_equal(test_write_file(script, text), 0);
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2, \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"beat\", \"module\": \"timer\", \"name\": \"hb\", \"interval_ms\": 150,"
             " \"immediate\": true } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"count\", \"when\": { \"event\": \"timer.tick\", \"source\": \"beat\" }, \"concurrency\": 1,\n"
             "      \"do\": [ { \"action\": \"lua\", \"file\": %s, \"isolation\": \"pooled\", \"allow_paths\": [%s] } ] },\n"
             "    { \"name\": \"spin\", \"when\": { \"event\": \"timer.tick\", \"source\": \"beat\" },\n"
             "      \"do\": [ { \"action\": \"lua\", \"code\": \"function on_event(t) while true do pcall(function() while true do end end) end end\","
             " \"timeout_ms\": 100 } ] },\n"
             "    { \"name\": \"escape\", \"when\": { \"event\": \"timer.tick\", \"source\": \"beat\" },\n"
             "      \"do\": [ { \"action\": \"lua\", \"code\": %s, \"allow_paths\": [%s] } ] },\n"
             "    { \"name\": \"after\", \"when\": { \"event\": \"lua.done\" }, \"allow_engine_events\": true,\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s,"
             " \"message\": \"done {{count}} {{name}} seen={{seen}}\" } ] } ] }\n",
             j_elog, j_script, j_out, j_escape, j_out, j_alog);
    assert_int_equal(test_write_file(cfg, text), 0);

    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    int seen = rt_wait_for_text(actions_log, "done 3 hb seen=3", 30000);
    int spun = rt_wait_for_text(engine_log, "timeout after 100 ms", 30000);
    int refused = rt_wait_for_text(engine_log, "is outside allow_paths", 30000);
    assert_int_equal(rt_host_stop(&h), 0);
    if (!seen || !spun || !refused) {
        char *a = test_read_file(actions_log), *e = test_read_file(engine_log);
        fprintf(stderr, "actions.log:\n%s\nengine.log:\n%s\n", a ? a : "(none)", e ? e : "(none)");
        free(a); free(e);
        fail_msg("seen=%d spun=%d refused=%d", seen, spun, refused);
    }
    char *t = test_read_file(ticks);
    assert_non_null(t);
    assert_true(strncmp(t, "1\n2\n3\n", 6) == 0);
    free(t);
    char *e = test_read_file(engine_log);
    assert_non_null(strstr(e, "spin"));
    assert_non_null(strstr(e, "secret.txt"));
    free(e);

    free(j_out); free(j_escape); free(j_script); free(j_alog); free(j_elog);
    free(out); free(secret); free(script); free(actions_log); free(engine_log); free(ticks); free(cfg);
    test_remove_tree(dir);
    free(dir);
}

/* A worker stuck in C (here a script waiting in exec.run for a child that sleeps 30 s, within its
 * 60 s timeout_ms) must not keep the host from stopping: SIGTERM (the stop file under Wine, which has
 * no signals; the same path in the host) ends it after engine.stop_grace_ms with a report that names
 * the rule, the action and the script, and exit code 3. Before, the host waited for the child. */
static void test_stop_gives_up_on_stuck_worker(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_lua_stuck"), *cfg = test_path_join(dir, "config.json");
    char *engine_log = test_path_join(dir, "engine.log"), *script = test_path_join(dir, "stuck.lua");
    char *j_elog = rt_json(engine_log), *j_script = rt_json(script), text[4096];
    snprintf(text, sizeof text,
             "function on_event(t)\n"
             "  log.info('entering the long wait')\n"
             "  exec.run({[[%s]], 'sleep', '30000'})\n"
             "end\n", P.testchild);
    assert_int_equal(test_write_file(script, text), 0);
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2, \"stop_grace_ms\": 1000, \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"once\", \"module\": \"timer\", \"interval_ms\": 3600000, \"immediate\": true } ],\n"
             "  \"rules\": [ { \"name\": \"stuck\", \"when\": { \"event\": \"timer.tick\" },\n"
             "      \"do\": [ { \"action\": \"lua\", \"file\": %s, \"allow_exec\": true, \"timeout_ms\": 60000 } ] } ] }\n",
             j_elog, j_script);
    assert_int_equal(test_write_file(cfg, text), 0);

    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    if (!rt_wait_for_text(engine_log, "entering the long wait", 30000)) {
        char *e = test_read_file(engine_log);
        fprintf(stderr, "engine.log:\n%s\n", e ? e : "(none)");
        free(e);
        fail_msg("the script never started");
    }
    plat_sleep_ms(200); /* into exec.run's wait */
    uint64_t t0 = plat_monotonic_ns();
#ifdef _WIN32
    test_write_file(h.stop_file, "stop");
#else
    long pid = rt_host_pid(cfg);
    assert_true(pid > 0);
    assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
#endif
    /* Bounded here: the old host waited the child's 30 s and never wrote this line. */
    int reported = rt_wait_for_text(engine_log, "exiting with 1 worker(s) still in their action", 20000);
    uint64_t ms = (plat_monotonic_ns() - t0) / 1000000u;
    int code = rt_host_stop(&h);
    char *e = test_read_file(engine_log);
    if (!reported || code != 3 || !e || !strstr(e, "rule 'stuck' rules[0].do[0] (lua, file \"") ||
        !strstr(e, "stuck.lua\") on timer.tick"))
        fail_msg("reported=%d after %llu ms, exit %d; engine.log:\n%s", reported, (unsigned long long)ms, code,
                 e ? e : "(none)");
    print_message("host stopped %llu ms after the stop request (grace 1000 ms)\n", (unsigned long long)ms);
    free(e);
    free(j_elog); free(j_script); free(script); free(engine_log); free(cfg);
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

static void test_validate_examples_and_syntax_error(void **state)
{
    (void)state;
    static const char *const examples[] = { "lua-heartbeat.json", "lua-downloads.json", NULL };
    for (size_t i = 0; examples[i]; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/config/examples/%s", WEE_SOURCE_DIR, examples[i]);
#ifdef _WIN32
        /* Under Wine the source tree is reached through Z: (the Unix root). */
        char win[2100];
        snprintf(win, sizeof win, "Z:%s", path);
        for (char *c = win; *c; c++) if (*c == '/') *c = '\\';
        snprintf(path, sizeof path, "%s", win);
#endif
        plat_process_result r;
        int code = run_validate(path, &r);
        if (code != 0) fail_msg("validate %s: exit %d\n%s%s", examples[i], code, r.out ? r.out : "", r.err ? r.err : "");
        plat_process_result_free(&r);
    }

    char *dir = test_make_temp_dir("rt_lua_validate"), *cfg = test_path_join(dir, "config.json");
    assert_int_equal(test_write_file(cfg,
        "{ \"version\": 1, \"sources\": [ { \"id\": \"beat\", \"module\": \"timer\", \"interval_ms\": 1000 } ],\n"
        "  \"rules\": [ { \"name\": \"broken\", \"when\": { \"event\": \"timer.tick\" },\n"
        "    \"do\": [ { \"action\": \"lua\", \"code\": \"function on_event(t)\\n  if then end\\nend\" } ] } ] }\n"), 0);
    plat_process_result r;
    assert_int_equal(run_validate(cfg, &r), 1);
    const char *err = r.err ? r.err : "";
    if (!strstr(err, "rules[0].do[0]") || !strstr(err, "syntax error: code:2:"))
        fail_msg("unexpected validate output:\n%s", err);
    plat_process_result_free(&r);
    test_remove_tree(dir);
    free(cfg);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_emits_while_bad_scripts_fail),
        cmocka_unit_test(test_validate_examples_and_syntax_error),
        cmocka_unit_test(test_stop_gives_up_on_stuck_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
