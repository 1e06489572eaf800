/*
 * Runtime: the real host with the real timer, pwsh and log modules. Whether a real PowerShell is here
 * is decided by the module's own probe (pwsh_probe), never assumed:
 * - `host validate` of a config using pwsh: where none works (Linux without pwsh, Wine's stub
 *   powershell.exe) it fails at the action's JSON path with the probe's reason; where one works it
 *   passes;
 * - a timer tick runs an inline script that sees the event in its environment and its rendered
 *   argument, and the next action logs pwsh.exit_code and pwsh.stdout (skipped, with the reason
 *   printed, where no PowerShell works).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pwsh_probe.h"
#include "rt_support.h"

static rt_paths P;
static int g_have_pwsh;
static char g_pwsh_exe[PWSH_EXE_MAX], g_probe_reason[1024];

static char *write_config(const char *dir, const char *log)
{
    char *cfg = test_path_join(dir, "config.json"), *jl = rt_json(log);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1,\n"
             "  \"sources\": [ { \"id\": \"beat\", \"module\": \"timer\", \"name\": \"hb\", \"interval_ms\": 3600000,"
             " \"immediate\": true } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"ps\", \"when\": { \"event\": \"timer.tick\" },\n"
             "      \"do\": [ { \"action\": \"pwsh\", \"args\": [\"{{count}}\"], \"timeout_ms\": 60000,\n"
             "                  \"script\": \"[Console]::Out.Write(\\\"$env:WEE_EVENT_NAME/$env:EVENT_SOURCE/$($WeeArgs[0])\\\")\" },\n"
             "                { \"action\": \"log\", \"target\": \"file\", \"file\": %s,"
             " \"message\": \"ps {{pwsh.exit_code}} {{pwsh.stdout}}\" } ] } ] }\n",
             jl, jl);
    assert_int_equal(test_write_file(cfg, text), 0);
    free(jl);
    return cfg;
}

static void test_validate_follows_probe(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_pwsh_validate"), *log = test_path_join(dir, "a.log");
    char *cfg = write_config(dir, log);
    const char *argv[] = { P.host, "--modules", P.modules, "validate", cfg, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 120000;
    spec.stdout_max = 1 << 16;
    spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    plat_process_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(plat_process_run(&spec, &r), 0);
    const char *err = r.err ? r.err : "";
    if (g_have_pwsh) {
        if (r.exit_code != 0) fprintf(stderr, "validate failed although %s works:\n%s\n", g_pwsh_exe, err);
        assert_int_equal(r.exit_code, 0);
    } else {
        printf("validate without PowerShell: %s\n", err);
        assert_int_equal(r.exit_code, 1);
        assert_non_null(strstr(err, "config.json: rules[1].do[0]"));
        assert_non_null(strstr(err, "no working PowerShell found: tried pwsh ("));
        assert_non_null(strstr(err, "install PowerShell 7 (pwsh)"));
    }
    plat_process_result_free(&r);
    free(cfg); free(log);
    test_remove_tree(dir);
    free(dir);
}

static void test_tick_runs_script_then_log(void **state)
{
    (void)state;
    if (!g_have_pwsh) {
        printf("SKIP (needs a real PowerShell): %s\n", g_probe_reason);
        skip();
    }
    char *dir = test_make_temp_dir("rt_pwsh_run"), *log = test_path_join(dir, "a.log");
    char *cfg = write_config(dir, log);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(log, "ps 0 hb/beat/1", 60000));
    assert_int_equal(rt_host_stop(&h), 0);
    free(cfg); free(log);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    g_have_pwsh = pwsh_probe(g_pwsh_exe, sizeof g_pwsh_exe, g_probe_reason, sizeof g_probe_reason) == 0;
    printf("PowerShell probe: %s\n", g_have_pwsh ? g_pwsh_exe : g_probe_reason);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_follows_probe),
        cmocka_unit_test(test_tick_runs_script_then_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
