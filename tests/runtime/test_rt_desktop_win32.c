/*
 * Runtime (Windows, and Wine in CI): the media and notify actions through the real host.exe.
 * - media: kbd_hook_watch (a WH_KEYBOARD_LL hook in its own process) records the key events that
 *   the action's SendInput injects; every command must arrive as its virtual key, down then up,
 *   marked injected, volume commands once per 2 points of volume_step.
 * - notify: a real Shell_NotifyIcon balloon. Whether the session has a taskbar window (Shell_TrayWnd)
 *   decides the outcome: with one (Windows) the action must succeed and publish notify.id; without
 *   one (Wine with the null display driver: its explorer cannot create the tray) it must fail with
 *   the reason at its JSON path, never hang or crash. Which of the two ran is printed.
 * - both from a Windows service (through the real SCM, Wine's services.exe here): refused with the
 *   reason and the documented route, and the engine runs on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include "rt_support.h"

static rt_paths P;

typedef struct watcher {
    plat_thread thread;
    const char *argv[8];
    plat_process_spec spec;
    plat_process_result res;
    char exe[1200];
    char *log, *ready, *stop;
} watcher;

static void watcher_thread(void *arg)
{
    watcher *w = arg;
    plat_process_run(&w->spec, &w->res);
}

static int host_test_run(const char *cfg, const char *ev, plat_process_result *res)
{
    const char *args[] = { "test", "--config", cfg, "--event", ev, "--run", NULL };
    return rt_run_host(&P, args, NULL, res);
}

static char *write_text(const char *dir, const char *name, const char *text)
{
    char *path = test_path_join(dir, name);
    assert_int_equal(test_write_file(path, text), 0);
    return path;
}

static void test_media_keys_reach_a_keyboard_hook(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_desk_keys");
    watcher w;
    memset(&w, 0, sizeof w);
    snprintf(w.exe, sizeof w.exe, "%s", P.testchild);
    char *slash = strrchr(w.exe, '\\') > strrchr(w.exe, '/') ? strrchr(w.exe, '\\') : strrchr(w.exe, '/');
    assert_non_null(slash);
    snprintf(slash + 1, sizeof w.exe - (size_t)(slash + 1 - w.exe), "kbd_hook_watch.exe");
    w.log = test_path_join(dir, "keys.log");
    w.ready = test_path_join(dir, "hook.ready");
    w.stop = test_path_join(dir, "hook.stop");
    const char **a = w.argv;
    *a++ = w.exe; *a++ = w.log; *a++ = w.ready; *a++ = w.stop; *a = NULL;
    w.spec.argv = w.argv;
    w.spec.timeout_ms = 120000;
    w.spec.stdout_max = 4096;
    w.spec.stderr_max = 1 << 16;
    w.spec.capture_stderr = 1;
    assert_int_equal(plat_thread_start(&w.thread, watcher_thread, &w), 0);
    if (!test_wait_for_file(w.ready, 20000)) {
        test_write_file(w.stop, "stop");
        plat_thread_join(&w.thread);
        fail_msg("the keyboard hook did not install: %s", w.res.err ? w.res.err : w.res.error);
    }
    char *cfg = write_text(dir, "config.json",
        "{ \"version\": 1, \"rules\": [ { \"name\": \"keys\", \"when\": { \"event\": \"custom.keys\" }, \"do\": [\n"
        "  { \"action\": \"media\", \"command\": \"play_pause\" },\n"
        "  { \"action\": \"media\", \"command\": \"next\" },\n"
        "  { \"action\": \"media\", \"command\": \"previous\" },\n"
        "  { \"action\": \"media\", \"command\": \"stop\" },\n"
        "  { \"action\": \"media\", \"command\": \"volume_up\", \"volume_step\": 4 },\n"
        "  { \"action\": \"media\", \"command\": \"volume_down\", \"volume_step\": 1 },\n"
        "  { \"action\": \"media\", \"command\": \"mute\" } ] } ] }\n");
    char *ev = write_text(dir, "ev.json", "{ \"type\": \"custom.keys\" }");
    plat_process_result r;
    int code = host_test_run(cfg, ev, &r);
    if (code != 0) fail_msg("host test exit %d:\n%s\n%s", code, r.out, r.err ? r.err : "");
    if (!strstr(r.out, "result media.result = sent")) fail_msg("output:\n%s", r.out);
    plat_process_result_free(&r);

    /* b3 play/pause, b0 next, b1 previous, b2 stop, af volume up (4 points: 2 presses), ae volume
     * down (1 point: still 1 press), ad mute; each down then up, injected. */
    static const char expected[] =
        "b3 down 1\nb3 up 1\nb0 down 1\nb0 up 1\nb1 down 1\nb1 up 1\nb2 down 1\nb2 up 1\n"
        "af down 1\naf up 1\naf down 1\naf up 1\nae down 1\nae up 1\nad down 1\nad up 1\n";
    int complete = rt_wait_for_text(w.log, "ad up 1\n", 10000);
    test_write_file(w.stop, "stop");
    plat_thread_join(&w.thread);
    char *got = test_read_file(w.log);
    if (!complete || !got || strcmp(got, expected) != 0)
        fail_msg("keys seen by the WH_KEYBOARD_LL hook:\n%s\nexpected:\n%s", got ? got : "(none)", expected);
    free(got);
    assert_int_equal(w.res.exit_code, 0);
    plat_process_result_free(&w.res);
    free(w.log); free(w.ready); free(w.stop); free(cfg); free(ev);
    test_remove_tree(dir);
    free(dir);
}

static void test_notify_balloon(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_desk_balloon");
    char *cfg = write_text(dir, "config.json",
        "{ \"version\": 1, \"rules\": [ { \"name\": \"tell\", \"when\": { \"event\": \"custom.n\" }, \"do\": [\n"
        "  { \"action\": \"notify\", \"title\": \"Z\\u00fcrich {{t}}\", \"message\": \"{{m}}\", \"timeout_ms\": 2000,\n"
        "    \"call_timeout_ms\": 5000 } ] } ] }\n");
    char *ev = write_text(dir, "ev.json",
        "{ \"type\": \"custom.n\", \"t\": \"\\u2615 <b>\", \"m\": \"a & b \\\"q\\\"\\u0001\\nline 2\" }");
    DWORD session = 0;
    ProcessIdToSessionId(GetCurrentProcessId(), &session);
    /* Shell_NotifyIcon talks to the taskbar's window; whether this session has one decides the outcome. */
    HWND tray = FindWindowW(L"Shell_TrayWnd", NULL);
    plat_process_result r;
    int code = host_test_run(cfg, ev, &r);
    if (tray && session != 0) {
        if (code != 0 || !strstr(r.out, "result notify.id = 1"))
            fail_msg("a notification area exists but the balloon failed (exit %d):\n%s\n%s", code, r.out,
                     r.err ? r.err : "");
        printf("notify: Shell_NotifyIcon balloon accepted by Shell_TrayWnd (session %lu)\n", session);
    } else {
        /* No notification area (Wine's null display driver has no tray window): a clear failure at the
         * action's path, not a hang or a crash. */
        const char *want = session == 0 ? "-> FAILED: the engine runs in session 0"
                                        : "-> FAILED: Shell_NotifyIcon failed (error 0x";
        if (code != 2 || !strstr(r.out, "rules[0].do[0]: notify") || !strstr(r.out, want))
            fail_msg("no Shell_TrayWnd in session %lu; expected \"%s\", host test exit %d:\n%s\n%s", session, want,
                     code, r.out, r.err ? r.err : "");
        printf("notify: no notification area (session %lu, no Shell_TrayWnd): %s", session, strstr(r.out, "-> FAILED"));
    }
    plat_process_result_free(&r);
    free(cfg); free(ev);
    test_remove_tree(dir);
    free(dir);
}

/* The same actions from a Windows service: refused with the reason (session 0 on Windows; under
 * Wine services share session 1 but sit on a non-interactive window station), the engine runs on. */
static void test_service_host_is_refused(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_desk_svc");
    char *elog = test_path_join(dir, "engine.log"), *out = test_path_join(dir, "out.log");
    char *cfg = test_path_join(dir, "config.json");
    char *jl = rt_json(elog), *jo = rt_json(out);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 3600000, \"immediate\": true } ],\n"
             "  \"rules\": [ { \"name\": \"desk\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
             "      { \"action\": \"notify\", \"title\": \"from a service\", \"on_error\": \"continue\" },\n"
             "      { \"action\": \"media\", \"command\": \"play_pause\", \"on_error\": \"continue\" },\n"
             "      { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"engine runs on\" } ] } ] }\n",
             jl, jo);
    assert_int_equal(test_write_file(cfg, text), 0);
    char name[64];
    snprintf(name, sizeof name, "WeeDesktop%lu", (unsigned long)GetCurrentProcessId());
    const char *install[] = { "service", "install", "--name", name, "--config", cfg, NULL };
    const char *start[] = { "service", "start", "--name", name, NULL };
    const char *stop[] = { "service", "stop", "--name", name, NULL };
    const char *uninstall[] = { "service", "uninstall", "--name", name, NULL };
    plat_process_result r;
    if (rt_run_host(&P, install, NULL, &r) != 0) fail_msg("service install: %s%s", r.out, r.err ? r.err : "");
    plat_process_result_free(&r);
    rt_run_host(&P, start, NULL, &r);
    plat_process_result_free(&r);
    int ran = rt_wait_for_text(out, "engine runs on", 30000);
    rt_run_host(&P, stop, NULL, &r);
    plat_process_result_free(&r);
    rt_run_host(&P, uninstall, NULL, &r);
    plat_process_result_free(&r);
    char *log = test_read_file(elog);
    if (!ran || !log) fail_msg("the service's engine did not run the rule; engine log:\n%s", log ? log : "(none)");
    int refused_notify = strstr(log, "rules[0].do[0] (notify) failed on timer.tick: the engine runs in session 0") ||
                         strstr(log, "rules[0].do[0] (notify) failed on timer.tick: the engine's window station");
    int refused_media = strstr(log, "rules[0].do[1] (media) failed on timer.tick: play_pause: the engine runs in session 0") ||
                        strstr(log, "rules[0].do[1] (media) failed on timer.tick: play_pause: the engine's window station");
    if (!refused_notify || !refused_media || !strstr(log, "Service hosts"))
        fail_msg("expected both actions refused with the reason; engine log:\n%s", log);
    printf("service host: %s", strstr(log, "(notify) failed"));
    free(log); free(jl); free(jo); free(elog); free(out); free(cfg);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media_keys_reach_a_keyboard_hook),
        cmocka_unit_test(test_notify_balloon),
        cmocka_unit_test(test_service_host_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
