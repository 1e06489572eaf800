/*
 * Runtime (Linux): the real host with the real window and log modules against a real X server (Xvfb,
 * started by the test on a display it picks itself with -displayfd).
 * - an X client (xwin_driver) creates, activates, renames and destroys a window: exactly one
 *   window.created, window.focused, window.title_changed and window.destroyed, each with the window's
 *   title, class, pid, exe, process and window_id;
 * - a popup (override-redirect) window gives no event; a window mapped untitled is reported created when
 *   it gets its title;
 * - a window that existed before the source started gets title_changed and destroyed but no created;
 * - with no X display (DISPLAY unset, or naming a display nobody serves) the window source refuses to
 *   start with a message saying what to do, and the host keeps running its other sources.
 * Xvfb missing from PATH is a failure with a message, not a skip: CI installs it (tools/install-deps.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rt_support.h"

static rt_paths P;
static char driver[1200];
static pid_t xvfb_pid;
static char display[32];

static int find_on_path(const char *name, char *out, size_t n)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        snprintf(out, n, "%.*s/%s", (int)len, path, name);
        if (len && access(out, X_OK) == 0) return 1;
        path += len + (end ? 1 : 0);
    }
    return 0;
}

/* Starts Xvfb and lets it choose a free display (-displayfd writes the number once it accepts
 * connections), so parallel test runs never fight over a display number. */
static int start_xvfb(void **state)
{
    (void)state;
    char xvfb[1200];
    if (!find_on_path("Xvfb", xvfb, sizeof xvfb)) {
        fprintf(stderr, "FAIL: Xvfb not found on PATH; install it (apt-get install xvfb, or tools/install-deps.sh)\n");
        return -1;
    }
    int fds[2];
    if (pipe(fds) != 0) return -1;
    xvfb_pid = fork();
    if (xvfb_pid == 0) {
        close(fds[0]);
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) { dup2(devnull, 1); dup2(devnull, 2); }
        execl(xvfb, "Xvfb", "-displayfd", fdarg, "-screen", "0", "640x480x24", "-nolisten", "tcp", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = "";
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) {
        got += (size_t)r;
        if (memchr(buf, '\n', got)) break;
    }
    close(fds[0]);
    buf[got] = '\0';
    int num = atoi(buf);
    if (!got || buf[0] < '0' || buf[0] > '9') {
        fprintf(stderr, "FAIL: Xvfb (%s) did not report a display number\n", xvfb);
        return -1;
    }
    snprintf(display, sizeof display, ":%d", num);
    setenv("DISPLAY", display, 1);
    return 0;
}

static int stop_xvfb(void **state)
{
    (void)state;
    if (xvfb_pid > 0) { kill(xvfb_pid, SIGTERM); waitpid(xvfb_pid, NULL, 0); }
    return 0;
}

static char *log_rule_config(const char *dir, const char *events_log, const char *sources_extra, const char *rules_extra,
                             const char *engine_log)
{
    char *cfg = test_path_join(dir, "config.json"), *ready = test_path_join(dir, "ready.log");
    char *jl = rt_json(events_log), *jr = rt_json(ready), *je = rt_json(engine_log);
    char text[8192];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2, \"log\": { \"level\": \"info\", \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"wins\", \"module\": \"window\" },\n"
             "               { \"id\": \"renames\", \"module\": \"window\", \"events\": [\"title_changed\"] } %s ],\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "                 \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"windows\", \"when\": { \"event\": \"window.*\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s,\n"
             "                  \"message\": \"{{type}}|{{title}}|{{class}}|{{pid}}|{{process}}|{{window_id}}|{{exe}}|{{source}}|\" } ] } %s ] }\n",
             je, sources_extra, jr, jl, rules_extra);
    assert_int_equal(test_write_file(cfg, text), 0);
    free(jl); free(jr); free(je); free(ready);
    return cfg;
}

static size_t count_lines_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void test_window_lifecycle_under_xvfb(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window");
    char *events = test_path_join(dir, "events.log"), *elog = test_path_join(dir, "engine.log");
    char *cfg = log_rule_config(dir, events, "", "", elog);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    char *ready = test_path_join(dir, "ready.log");
    assert_true(rt_wait_for_text(ready, "ready", 20000));

    char title[128], cls[64];
    snprintf(title, sizeof title, "Fen\xc3\xaatre wee %ld", (long)getpid());
    snprintf(cls, sizeof cls, "WeeTestClass%ld", (long)getpid());
    const char *argv[] = { driver, events, title, cls, NULL };
    plat_process_spec spec = { .argv = argv, .timeout_ms = 120000, .stdout_max = 4096, .stderr_max = 4096, .capture_stderr = 1 };
    plat_process_result res;
    assert_int_equal(plat_process_run(&spec, &res), 0);
    if (res.exit_code != 0) fprintf(stderr, "driver exit %d: %s\n", res.exit_code, res.err ? res.err : "");
    int driver_exit = res.exit_code;
    unsigned long wid = 0, pid = 0;
    assert_non_null(res.out);
    assert_int_equal(sscanf(res.out, "id=0x%lx pid=%lu", &wid, &pid), 2);
    plat_process_result_free(&res);
    assert_int_equal(rt_host_stop(&h), 0);
    assert_int_equal(driver_exit, 0);

    char *text = test_read_file(events);
    assert_non_null(text);
    char renamed[160], tail[1600], line[2200];
    snprintf(renamed, sizeof renamed, "%s renamed", title);
    snprintf(tail, sizeof tail, "|%s|%lu|xwin_driver|0x%lx|%s|wins|", cls, pid, wid, driver);
    const char *expect[][2] = { { "window.created", title }, { "window.focused", title },
                                { "window.title_changed", renamed }, { "window.destroyed", renamed } };
    for (size_t i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "%s|%s%s", expect[i][0], expect[i][1], tail);
        if (count_lines_with(text, line) != 1) fprintf(stderr, "expected once: %s\n--- events ---\n%s\n", line, text);
        assert_int_equal(count_lines_with(text, line), 1);
    }
    /* _NET_WM_NAME and WM_NAME both changed for one rename: still one event of each type. */
    assert_int_equal(count_lines_with(text, "|wins|"), 4);
    /* The second source (events: ["title_changed"]) saw the same window and reported only the rename. */
    snprintf(line, sizeof line, "window.title_changed|%s|%s|%lu|xwin_driver|0x%lx|%s|renames|", renamed, cls, pid, wid, driver);
    assert_int_equal(count_lines_with(text, line), 1);
    assert_int_equal(count_lines_with(text, "|renames|"), 1);
    free(text); free(ready); free(cfg); free(elog); free(events);
    test_remove_tree(dir);
    free(dir);
}

typedef struct driver_run {
    const char *events, *title, *cls, *mode;
    plat_thread thread;
    int exit_code;
    unsigned long wid, pid;
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
    if (!res.out || sscanf(res.out, "id=0x%lx pid=%lu", &d->wid, &d->pid) != 2) d->exit_code = -1001;
    plat_process_result_free(&res);
}

static void test_popup_ignored_and_late_title(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window_edge");
    char *events = test_path_join(dir, "events.log"), *elog = test_path_join(dir, "engine.log");
    char *cfg = log_rule_config(dir, events, "", "", elog);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    char *ready = test_path_join(dir, "ready.log");
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    char title[128];
    snprintf(title, sizeof title, "edge %ld", (long)getpid());
    driver_run d = { .events = events, .title = title, .cls = "unused", .mode = "edge" };
    driver_main(&d);
    assert_int_equal(rt_host_stop(&h), 0);
    assert_int_equal(d.exit_code, 0);
    char *text = test_read_file(events), line[512];
    assert_non_null(text);
    /* The late window has no WM_CLASS and no _NET_WM_PID: empty class and exe, pid 0. */
    snprintf(line, sizeof line, "window.created|%s late||0||0x%lx||wins|", title, d.wid);
    if (count_lines_with(text, line) != 1) fprintf(stderr, "expected once: %s\n--- events ---\n%s\n", line, text);
    assert_int_equal(count_lines_with(text, line), 1);
    snprintf(line, sizeof line, "window.destroyed|%s late||0||0x%lx||wins|", title, d.wid);
    assert_int_equal(count_lines_with(text, line), 1);
    assert_int_equal(count_lines_with(text, "popup"), 0);
    assert_int_equal(count_lines_with(text, "window."), 2);
    free(text); free(ready); free(cfg); free(elog); free(events);
    test_remove_tree(dir);
    free(dir);
}

static void test_window_from_before_start(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_window_seed");
    char *events = test_path_join(dir, "events.log"), *elog = test_path_join(dir, "engine.log");
    char *mapped = test_path_join(dir, "events.log.mapped"), *go = test_path_join(dir, "events.log.go");
    char *cfg = log_rule_config(dir, events, "", "", elog);
    char title[128], cls[64];
    snprintf(title, sizeof title, "seeded %ld", (long)getpid());
    snprintf(cls, sizeof cls, "Seeded%ld", (long)getpid());
    driver_run d = { .events = events, .title = title, .cls = cls, .mode = "seeded" };
    assert_int_equal(plat_thread_start(&d.thread, driver_main, &d), 0);
    assert_true(rt_wait_for_text(mapped, "", 20000)); /* exists (empty) once the window is mapped */
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    char *ready = test_path_join(dir, "ready.log");
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    test_write_file(go, "go");
    plat_thread_join(&d.thread);
    assert_int_equal(rt_host_stop(&h), 0);
    char *text = test_read_file(events), line[1600];
    if (d.exit_code != 0) fprintf(stderr, "--- events ---\n%s\n", text ? text : "(none)");
    assert_int_equal(d.exit_code, 0);
    assert_non_null(text);
    snprintf(line, sizeof line, "window.title_changed|%s renamed|%s|%lu|xwin_driver|0x%lx|%s|wins|", title, cls, d.pid, d.wid, driver);
    assert_int_equal(count_lines_with(text, line), 1);
    snprintf(line, sizeof line, "window.destroyed|%s renamed|%s|%lu|xwin_driver|0x%lx|%s|wins|", title, cls, d.pid, d.wid, driver);
    assert_int_equal(count_lines_with(text, line), 1);
    assert_int_equal(count_lines_with(text, "window.created|"), 0);
    free(text); free(ready); free(cfg); free(elog); free(events); free(mapped); free(go);
    test_remove_tree(dir);
    free(dir);
}

/* The window source cannot start; a timer source and its rule must keep working in the same host. */
static void run_without_display(const char *display_value)
{
    char *dir = test_make_temp_dir("rt_window_nodisp");
    char *events = test_path_join(dir, "events.log"), *elog = test_path_join(dir, "engine.log");
    char *ticks = test_path_join(dir, "ticks.log"), *jt = rt_json(ticks);
    char rules[1024];
    snprintf(rules, sizeof rules,
             ", { \"name\": \"tick\", \"when\": { \"event\": \"timer.tick\" },\n"
             "    \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"tick {{count}}\" } ] }", jt);
    char *cfg = log_rule_config(dir, events, ", { \"id\": \"beat\", \"module\": \"timer\", \"interval_ms\": 50 }", rules, elog);
    if (display_value) setenv("DISPLAY", display_value, 1); else unsetenv("DISPLAY");
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    int ticked = rt_wait_for_text(ticks, "tick 3", 20000);
    int said = rt_wait_for_text(elog, "no X display: set DISPLAY or run under Xvfb", 20000);
    setenv("DISPLAY", display, 1);
    assert_int_equal(rt_host_stop(&h), 0);
    char *log = test_read_file(elog);
    if (!said || !ticked) fprintf(stderr, "--- engine log ---\n%s\n", log ? log : "(none)");
    assert_true(said);
    assert_true(ticked);
    assert_non_null(strstr(log, "source 'wins' (module window) not started"));
    free(log); free(jt); free(ticks); free(cfg); free(elog); free(events);
    test_remove_tree(dir);
    free(dir);
}

static void test_no_display_unset(void **state)
{
    (void)state;
    run_without_display(NULL);
}

static void test_no_display_unreachable(void **state)
{
    (void)state;
    /* A display number nobody serves: no socket in /tmp/.X11-unix for it. */
    char unused[32] = ":4099";
    struct stat st;
    for (int n = 4000; n < 4100; n++) {
        char sock[64];
        snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", n);
        if (stat(sock, &st) != 0) { snprintf(unused, sizeof unused, ":%d", n); break; }
    }
    run_without_display(unused);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    char dir[1024];
    plat_exe_dir(dir, sizeof dir);
    snprintf(driver, sizeof driver, "%s/xwin_driver", dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_lifecycle_under_xvfb),
        cmocka_unit_test(test_popup_ignored_and_late_title),
        cmocka_unit_test(test_window_from_before_start),
        cmocka_unit_test(test_no_display_unset),
        cmocka_unit_test(test_no_display_unreachable),
    };
    return cmocka_run_group_tests(tests, start_xvfb, stop_xvfb);
}
