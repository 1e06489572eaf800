/*
 * Runtime (Windows, and Wine with the null graphics driver): the real host with the real window and log
 * modules. A Win32 program (win_driver) creates a real visible top-level window, brings it to the
 * foreground, renames it and destroys it, calling NotifyWinEvent beside each real change (Wine raises
 * only EVENT_OBJECT_CREATE itself). Expected: exactly one window.created, window.focused,
 * window.title_changed and window.destroyed, each with the window's title, class, pid, exe, process and
 * window_id (the destroyed one from what the source remembered: the window is gone by then); a second
 * source with events ["title_changed"] reports only the rename. A window shown before the engine started
 * gets title_changed and destroyed but no created.
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

static char *write_config(const char *dir, const char *events, const char *ready)
{
    char *cfg = test_path_join(dir, "config.json");
    char *jl = rt_json(events), *jr = rt_json(ready);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2 },\n"
             "  \"sources\": [ { \"id\": \"wins\", \"module\": \"window\" },\n"
             "               { \"id\": \"renames\", \"module\": \"window\", \"events\": [\"title_changed\"] } ],\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "                 \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"windows\", \"when\": { \"event\": \"window.*\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s,\n"
             "                  \"message\": \"{{type}}|{{title}}|{{class}}|{{pid}}|{{process}}|{{window_id}}|{{exe}}|{{source}}|\" } ] } ] }\n",
             jr, jl);
    free(jl); free(jr);
    assert_int_equal(test_write_file(cfg, text), 0);
    return cfg;
}

typedef struct driver_run {
    const char *events, *title, *cls, *mode;
    plat_thread thread;
    int exit_code;
    unsigned long long wid, pid;
} driver_run;

static void driver_main(void *arg)
{
    driver_run *d = arg;
    const char *argv[] = { driver, d->events, d->title, d->cls, d->mode, NULL };
    plat_process_spec spec = { .argv = argv, .timeout_ms = 120000, .stdout_max = 4096, .stderr_max = 4096, .capture_stderr = 1 };
    plat_process_result res;
    d->exit_code = -1000;
    if (plat_process_run(&spec, &res) != 0) return;
    d->exit_code = res.exit_code;
    if (res.exit_code != 0) fprintf(stderr, "driver (%s) exit %d: %s\n", d->mode, res.exit_code, res.err ? res.err : "");
    if (!res.out || sscanf(res.out, "id=0x%llx pid=%llu", &d->wid, &d->pid) != 2) d->exit_code = -1001;
    plat_process_result_free(&res);
}

/* Lines "<prefix><exe>|<source>|" whose exe is the driver's full image path, as
 * QueryFullProcessImageNameW gives it (ends in \\win_driver.exe). */
static size_t count_from(const char *log, const char *prefix, const char *source)
{
    size_t n = 0, plen = strlen(prefix), slen = strlen(source);
    const char *suffix = "\\win_driver.exe";
    size_t xlen = strlen(suffix);
    for (const char *at = log; (at = strstr(at, prefix)) != NULL; at += plen) {
        const char *exe = at + plen, *end = strchr(exe, '|');
        if (!end || (size_t)(end - exe) <= xlen || memcmp(end - xlen, suffix, xlen) != 0) continue;
        if (!strncmp(end + 1, source, slen) && end[1 + slen] == '|') n++;
    }
    return n;
}

static void test_window_lifecycle_win32(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window");
    char *events = test_path_join(dir, "events.log"), *ready = test_path_join(dir, "ready.log");
    char *cfg = write_config(dir, events, ready);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));

    char title[128], cls[64];
    unsigned long long me = plat_getpid();
    snprintf(title, sizeof title, "Fen\xc3\xaatre wee %llu", me);
    snprintf(cls, sizeof cls, "WeeTestClass%llu", me);
    driver_run d = { .events = events, .title = title, .cls = cls, .mode = "lifecycle" };
    driver_main(&d);
    int driver_exit = d.exit_code;
    unsigned long long wid = d.wid, pid = d.pid;
    assert_int_equal(rt_host_stop(&h), 0);

    char *log = test_read_file(events);
    if (driver_exit != 0) fprintf(stderr, "--- events ---\n%s\n", log ? log : "(none)");
    assert_int_equal(driver_exit, 0);
    assert_non_null(log);
    char renamed[160], tail[1600], line[2200];
    snprintf(renamed, sizeof renamed, "%s renamed", title);
    snprintf(tail, sizeof tail, "|%s|%llu|win_driver.exe|0x%llx|", cls, pid, wid); /* then <exe>|<source>| */
    const char *expect[][2] = { { "window.created", title }, { "window.focused", title },
                                { "window.title_changed", renamed }, { "window.destroyed", renamed } };
    for (size_t i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "%s|%s%s", expect[i][0], expect[i][1], tail);
        if (count_from(log, line, "wins") != 1) fprintf(stderr, "expected once: %s<exe>|wins|\n--- events ---\n%s\n", line, log);
        assert_int_equal(count_from(log, line, "wins"), 1);
    }
    /* The second source (events: ["title_changed"]) reported only the rename. */
    snprintf(line, sizeof line, "window.title_changed|%s%s", renamed, tail);
    assert_int_equal(count_from(log, line, "renames"), 1);
    assert_int_equal(count_with(log, "|renames|"), 1);
    assert_int_equal(count_with(log, "window.title_changed|"), 2);
    free(log); free(cfg); free(ready); free(events);
    test_remove_tree(dir);
    free(dir);
}

static void test_window_from_before_start(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window_seed");
    char *events = test_path_join(dir, "events.log"), *ready = test_path_join(dir, "ready.log");
    char *mapped = test_path_join(dir, "events.log.mapped"), *go = test_path_join(dir, "events.log.go");
    char *cfg = write_config(dir, events, ready);
    char title[128], cls[64];
    unsigned long long me = plat_getpid();
    snprintf(title, sizeof title, "seeded %llu", me);
    snprintf(cls, sizeof cls, "Seeded%llu", me);
    driver_run d = { .events = events, .title = title, .cls = cls, .mode = "seeded" };
    assert_int_equal(plat_thread_start(&d.thread, driver_main, &d), 0);
    assert_true(rt_wait_for_text(mapped, "", 20000)); /* exists (empty) once the window is shown */
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    test_write_file(go, "go");
    plat_thread_join(&d.thread);
    assert_int_equal(rt_host_stop(&h), 0);
    char *log = test_read_file(events), line[1600];
    if (d.exit_code != 0) fprintf(stderr, "--- events ---\n%s\n", log ? log : "(none)");
    assert_int_equal(d.exit_code, 0);
    assert_non_null(log);
    snprintf(line, sizeof line, "window.title_changed|%s renamed|%s|%llu|win_driver.exe|0x%llx|", title, cls, d.pid, d.wid);
    assert_int_equal(count_from(log, line, "wins"), 1);
    assert_int_equal(count_from(log, line, "renames"), 1);
    snprintf(line, sizeof line, "window.destroyed|%s renamed|%s|%llu|win_driver.exe|0x%llx|", title, cls, d.pid, d.wid);
    assert_int_equal(count_from(log, line, "wins"), 1);
    assert_int_equal(count_with(log, "window.created|"), 0);
    free(log); free(cfg); free(ready); free(events); free(mapped); free(go);
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
        cmocka_unit_test(test_window_from_before_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
