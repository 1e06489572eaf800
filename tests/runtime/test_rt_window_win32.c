/*
 * Runtime (Windows, and Wine with the null graphics driver): the real host with the real window and log
 * modules. A Win32 program (win_driver) creates a real visible top-level window, brings it to the
 * foreground, renames it and destroys it, calling NotifyWinEvent beside each real change (Wine raises
 * only EVENT_OBJECT_CREATE itself). Expected: exactly one window.created, window.focused,
 * window.title_changed and window.destroyed, each with the window's title, class, pid, exe, process and
 * window_id (the destroyed one from what the source remembered: the window is gone by then).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

static rt_paths P;
static char driver[1200];

static size_t count_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void test_window_lifecycle_win32(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window");
    char *events = test_path_join(dir, "events.log"), *ready = test_path_join(dir, "ready.log");
    char *cfg = test_path_join(dir, "config.json");
    char *jl = rt_json(events), *jr = rt_json(ready);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2 },\n"
             "  \"sources\": [ { \"id\": \"wins\", \"module\": \"window\" } ],\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "                 \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"windows\", \"when\": { \"event\": \"window.*\", \"source\": \"wins\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s,\n"
             "                  \"message\": \"{{type}}|{{title}}|{{class}}|{{pid}}|{{process}}|{{window_id}}|{{exe}}|\" } ] } ] }\n",
             jr, jl);
    free(jl); free(jr);
    assert_int_equal(test_write_file(cfg, text), 0);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));

    char title[128], cls[64];
    unsigned long long me = plat_getpid();
    snprintf(title, sizeof title, "Fen\xc3\xaatre wee %llu", me);
    snprintf(cls, sizeof cls, "WeeTestClass%llu", me);
    const char *argv[] = { driver, events, title, cls, NULL };
    plat_process_spec spec = { .argv = argv, .timeout_ms = 120000, .stdout_max = 4096, .stderr_max = 4096, .capture_stderr = 1 };
    plat_process_result res;
    assert_int_equal(plat_process_run(&spec, &res), 0);
    if (res.exit_code != 0) fprintf(stderr, "driver exit %d: %s\n", res.exit_code, res.err ? res.err : "");
    int driver_exit = res.exit_code;
    unsigned long long wid = 0, pid = 0;
    assert_non_null(res.out);
    assert_int_equal(sscanf(res.out, "id=0x%llx pid=%llu", &wid, &pid), 2);
    plat_process_result_free(&res);
    assert_int_equal(rt_host_stop(&h), 0);

    char *log = test_read_file(events);
    if (driver_exit != 0) fprintf(stderr, "--- events ---\n%s\n", log ? log : "(none)");
    assert_int_equal(driver_exit, 0);
    assert_non_null(log);
    char renamed[160], tail[1600], line[2200];
    snprintf(renamed, sizeof renamed, "%s renamed", title);
    snprintf(tail, sizeof tail, "|%s|%llu|win_driver.exe|0x%llx|", cls, pid, wid);
    const char *expect[][2] = { { "window.created", title }, { "window.focused", title },
                                { "window.title_changed", renamed }, { "window.destroyed", renamed } };
    for (size_t i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "%s|%s%s", expect[i][0], expect[i][1], tail);
        if (count_with(log, line) != 1) fprintf(stderr, "expected once: %s\n--- events ---\n%s\n", line, log);
        assert_int_equal(count_with(log, line), 1);
        /* exe: the driver's full image path, as QueryFullProcessImageNameW gives it */
        const char *at = strstr(log, line);
        const char *exe = at + strlen(line), *end = strchr(exe, '|');
        assert_non_null(end);
        assert_true(end - exe > (long)strlen("\\win_driver.exe"));
        assert_memory_equal(end - strlen("\\win_driver.exe"), "\\win_driver.exe", strlen("\\win_driver.exe"));
    }
    assert_int_equal(count_with(log, "window.created|" ), count_with(log, "window.created|Fen"));
    assert_int_equal(count_with(log, "window.title_changed|"), 1);
    free(log); free(cfg); free(ready); free(events);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    char dir[1024];
    plat_exe_dir(dir, sizeof dir);
    snprintf(driver, sizeof driver, "%s\\win_driver.exe", dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_lifecycle_win32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
