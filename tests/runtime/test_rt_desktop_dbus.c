/*
 * Runtime (Linux): the notify and media actions through the real host against a real, private D-Bus
 * session bus. The test starts Debian's dbus-daemon with its own config (no service activation, a
 * socket in a temporary folder), and desktop_bus_fakes.py (python3-dbus) registers a notification
 * server and MPRIS players on it, recording every call they receive. Then:
 * - the engine (timer -> notify -> media -> log): the exact Notify arguments (non-ASCII title, markup
 *   escaped because the server advertises body-markup, urgency as a byte hint, expire timeout), the
 *   returned id published as notify.id, PlayPause sent to the player that is Playing;
 * - `host test --run` with $DBUS_SESSION_BUS_ADDRESS: volume up/down through the Volume property, mute
 *   and unmute (remembered volume), next/previous/stop, a player picked by name; invalid UTF-8 and
 *   control characters from the event cleaned before they reach the bus;
 * - no player: "no media player" is a result, logged once over many firings;
 * - no session bus: the action fails naming its JSON path and saying what to set; the engine runs on;
 * - a bus without a notification server; a player that hangs (SIGSTOP) and a hung dbus-daemon: the
 *   action fails within call_timeout_ms instead of holding a worker.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "rt_support.h"

static rt_paths P;

/* What the running test case started, so that teardown() can end it when an assertion jumped out
 * of the case before its own cleanup (a failing test must not leave daemons behind). */
typedef struct fakes fakes;
static long g_bus_pid;
static char *g_bus_dir;
static fakes *g_fakes;

typedef struct bus {
    char *dir, address[600];
    long pid;
} bus;

static void bus_start(bus *b, const char *tag)
{
    memset(b, 0, sizeof *b);
    b->dir = test_make_temp_dir(tag);
    char *conf = test_path_join(b->dir, "bus.conf"), *sock = test_path_join(b->dir, "bus");
    char text[2048];
    /* A session bus of our own: no <servicedir>, so nothing is ever auto-started on it. */
    snprintf(text, sizeof text,
             "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
             "<busconfig><type>session</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>\n"
             "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
             "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n", sock);
    assert_int_equal(test_write_file(conf, text), 0);
    const char *argv[] = { "dbus-daemon", "--config-file", conf, "--fork", "--print-pid=1", NULL };
    plat_process_spec spec;
    plat_process_result res;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 20000;
    spec.stdout_max = 256;
    spec.stderr_max = 4096;
    spec.capture_stderr = 1;
    assert_int_equal(plat_process_run(&spec, &res), 0);
    if (!res.started || res.exit_code != 0 || !res.out)
        fail_msg("dbus-daemon did not start (install the dbus-daemon package: tools/install-deps.sh): %s %s",
                 res.error, res.err ? res.err : "");
    b->pid = strtol(res.out, NULL, 10);
    assert_true(b->pid > 0);
    g_bus_pid = b->pid;
    g_bus_dir = b->dir;
    plat_process_result_free(&res);
    snprintf(b->address, sizeof b->address, "unix:path=%s", sock);
    free(conf); free(sock);
}

static void bus_stop(bus *b)
{
    kill((pid_t)b->pid, SIGCONT);
    kill((pid_t)b->pid, SIGTERM);
    g_bus_pid = 0;
    g_bus_dir = NULL;
    test_remove_tree(b->dir);
    free(b->dir);
}

struct fakes {
    plat_thread thread;
    const char *argv[16];
    plat_process_spec spec;
    plat_process_result res;
    char *log, *ready, *stop;
    long pid;
};

static void fakes_thread(void *arg)
{
    fakes *f = arg;
    plat_process_run(&f->spec, &f->res);
}

static void fakes_free(fakes *f)
{
    plat_process_result_free(&f->res);
    free(f->log); free(f->ready); free(f->stop);
    free(f);
}

/* players: NULL-terminated "name:Status:volume" strings. On the heap: its thread outlives a test case
 * that an assertion ended, until teardown() joins it. */
static fakes *fakes_start(const bus *b, int notify, const char *const *players)
{
    fakes *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->log = test_path_join(b->dir, "calls.log");
    f->ready = test_path_join(b->dir, "fakes.ready");
    f->stop = test_path_join(b->dir, "fakes.stop");
    remove(f->ready);
    remove(f->stop);
    const char **a = f->argv;
    *a++ = WEE_PYTHON3; *a++ = WEE_SOURCE_DIR "/tests/runtime/desktop_bus_fakes.py";
    *a++ = b->address; *a++ = f->log; *a++ = f->ready; *a++ = f->stop;
    if (notify) *a++ = "--notify";
    for (size_t i = 0; players && players[i]; i++) { *a++ = "--player"; *a++ = players[i]; }
    *a = NULL;
    f->spec.argv = f->argv;
    f->spec.timeout_ms = 240000;
    f->spec.stdout_max = 4096;
    f->spec.stderr_max = 1 << 16;
    f->spec.capture_stderr = 1;
    assert_int_equal(plat_thread_start(&f->thread, fakes_thread, f), 0);
    g_fakes = f;
    if (!test_wait_for_file(f->ready, 20000))
        fail_msg("the fake desktop did not come up (python3-dbus and python3-gi: tools/install-deps.sh)");
    char *pid = test_read_file(f->ready);
    f->pid = pid ? strtol(pid, NULL, 10) : 0;
    free(pid);
    assert_true(f->pid > 0);
    return f;
}

/* Ends the fakes (also when stopped with SIGSTOP) and waits for them. */
static void fakes_end(fakes *f)
{
    if (f->pid > 0) kill((pid_t)f->pid, SIGCONT);
    test_write_file(f->stop, "stop");
    plat_thread_join(&f->thread);
    g_fakes = NULL;
}

static void fakes_stop(fakes *f)
{
    fakes_end(f);
    if (f->res.exit_code != 0) fprintf(stderr, "fake desktop stderr:\n%s\n", f->res.err ? f->res.err : "");
    assert_int_equal(f->res.exit_code, 0);
    fakes_free(f);
}

/* The calls the fakes received, one JSON object each. */
static cJSON *calls_read(const fakes *f)
{
    cJSON *all = cJSON_CreateArray();
    char *text = test_read_file(f->log);
    for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        cJSON_AddItemToArray(all, o);
    }
    free(text);
    return all;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "(absent)";
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1000.0;
}

/* `host test --config cfg --event ev --run`; env: one "NAME=value" or NULL. */
static int host_test_run(const char *cfg, const char *ev, const char *env, plat_process_result *res)
{
    const char *args[] = { "test", "--config", cfg, "--event", ev, "--run", NULL };
    return rt_run_host(&P, args, env, res);
}

/* host_test_run, and its exit code must be `code` (the output is shown when it is not). */
static void host_test_expect(const char *cfg, const char *ev, const char *env, int code, plat_process_result *res)
{
    int got = host_test_run(cfg, ev, env, res);
    if (got != code)
        fail_msg("host test exit %d, expected %d:\n%s\n--- stderr ---\n%s", got, code, res->out, res->err ? res->err : "");
}

static void expect_out(const plat_process_result *r, const char *needle)
{
    if (!strstr(r->out, needle))
        fail_msg("expected \"%s\" in the host's output:\n%s\n--- stderr ---\n%s", needle, r->out, r->err ? r->err : "");
}

static char *write_text(const char *dir, const char *name, const char *text)
{
    char *path = test_path_join(dir, name);
    assert_int_equal(test_write_file(path, text), 0);
    return path;
}

static void test_engine_notify_then_media(void **state)
{
    (void)state;
    bus b;
    bus_start(&b, "rt_desk_engine");
    const char *players[] = { "alpha:Paused:0.5", "beta:Playing:0.8", NULL };
    fakes *f = fakes_start(&b, 1, players);
    char *out = test_path_join(b.dir, "out.log");
    char *jb = rt_json(b.address), *jo = rt_json(out);
    char cfg_text[4096];
    /* The timer's name is the hostile event text: non-ASCII, markup, quotes, a newline. */
    snprintf(cfg_text, sizeof cfg_text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2 },\n"
             "  \"sources\": [ { \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 3600000, \"immediate\": true,\n"
             "                   \"name\": \"Caf\\u00e9 \\u2615 <b>\\\"x\\\"</b> & 'y'\\nz\" } ],\n"
             "  \"rules\": [ { \"name\": \"desk\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
             "    { \"action\": \"notify\", \"title\": \"Z\\u00fcrich: {{name}}\", \"message\": \"<i>{{name}}</i> #{{count}}\",\n"
             "      \"urgency\": \"critical\", \"icon\": \"dialog-warning\", \"timeout_ms\": 4321, \"bus\": %s },\n"
             "    { \"action\": \"media\", \"command\": \"play_pause\", \"bus\": %s },\n"
             "    { \"action\": \"log\", \"target\": \"file\", \"file\": %s,\n"
             "      \"message\": \"id={{notify.id}} media={{media.result}} player={{media.player}}\" } ] } ] }\n",
             jb, jb, jo);
    char *cfg = write_text(b.dir, "config.json", cfg_text);
    rt_host h;
    rt_host_start(&h, &P, cfg, b.dir);
    int seen = rt_wait_for_text(out, "id=41 media=sent player=beta", 30000);
    assert_int_equal(rt_host_stop(&h), 0);
    if (!seen) { char *t = test_read_file(out); fail_msg("action output: %s", t ? t : "(none)"); }

    cJSON *calls = calls_read(f);
    assert_int_equal(cJSON_GetArraySize(calls), 2);
    const cJSON *n = cJSON_GetArrayItem(calls, 0);
    assert_string_equal(str_of(n, "call"), "Notify");
    assert_string_equal(str_of(n, "app_name"), "WinEventEngine");
    assert_int_equal((int)num_of(n, "replaces_id"), 0);
    assert_string_equal(str_of(n, "app_icon"), "dialog-warning");
    assert_string_equal(str_of(n, "summary"), "Z\xC3\xBCrich: Caf\xC3\xA9 \xE2\x98\x95 <b>\"x\"</b> & 'y'\nz");
    assert_string_equal(str_of(n, "body"),
                        "&lt;i&gt;Caf\xC3\xA9 \xE2\x98\x95 &lt;b&gt;\"x\"&lt;/b&gt; &amp; 'y'\nz&lt;/i&gt; #1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(n, "actions")), 0);
    const cJSON *hints = cJSON_GetObjectItem(n, "hints");
    assert_int_equal(cJSON_GetArraySize(hints), 1);
    assert_int_equal((int)num_of(hints, "urgency"), 2);
    assert_string_equal(str_of(cJSON_GetObjectItem(n, "hint_types"), "urgency"), "Byte");
    assert_int_equal((int)num_of(n, "expire_timeout"), 4321);
    const cJSON *m = cJSON_GetArrayItem(calls, 1);
    assert_string_equal(str_of(m, "call"), "PlayPause");
    assert_string_equal(str_of(m, "player"), "beta"); /* Playing beats the first name (alpha, Paused) */
    cJSON_Delete(calls);

    fakes_stop(f);
    free(jb); free(jo); free(out); free(cfg);
    bus_stop(&b);
}

static void test_volume_mute_and_commands(void **state)
{
    (void)state;
    bus b;
    bus_start(&b, "rt_desk_volume");
    const char *players[] = { "alpha:Paused:0.5", "beta:Playing:0.8", "beta.instance42:Stopped:0.3", NULL };
    fakes *f = fakes_start(&b, 0, players);
    char *cfg = write_text(b.dir, "config.json",
        "{ \"version\": 1, \"rules\": [ { \"name\": \"keys\", \"when\": { \"event\": \"custom.keys\" }, \"do\": [\n"
        "  { \"action\": \"media\", \"command\": \"volume_up\", \"player\": \"alpha\" },\n"
        "  { \"action\": \"media\", \"command\": \"volume_down\", \"player\": \"alpha\", \"volume_step\": 20 },\n"
        "  { \"action\": \"media\", \"command\": \"mute\", \"player\": \"alpha\" },\n"
        "  { \"action\": \"media\", \"command\": \"mute\", \"player\": \"alpha\" },\n"
        "  { \"action\": \"media\", \"command\": \"next\" },\n"
        "  { \"action\": \"media\", \"command\": \"previous\" },\n"
        "  { \"action\": \"media\", \"command\": \"stop\", \"player\": \"beta.instance42\" } ] } ] }\n");
    char *ev = write_text(b.dir, "ev.json", "{ \"type\": \"custom.keys\" }");
    char env[700];
    snprintf(env, sizeof env, "DBUS_SESSION_BUS_ADDRESS=%s", b.address);
    plat_process_result r;
    host_test_expect(cfg, ev, env, 0, &r);
    expect_out(&r, "result media.player = beta.instance42");
    plat_process_result_free(&r);

    cJSON *calls = calls_read(f);
    static const struct { const char *call, *player; double volume; } want[] = {
        { "Set", "alpha", 0.6 }, { "Set", "alpha", 0.4 }, { "Set", "alpha", 0.0 }, { "Set", "alpha", 0.4 },
        { "Next", "beta", -1 }, { "Previous", "beta", -1 }, { "Stop", "beta.instance42", -1 },
    };
    assert_int_equal(cJSON_GetArraySize(calls), (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < (int)(sizeof want / sizeof want[0]); i++) {
        const cJSON *c = cJSON_GetArrayItem(calls, i);
        assert_string_equal(str_of(c, "call"), want[i].call);
        assert_string_equal(str_of(c, "player"), want[i].player);
        if (want[i].volume >= 0) {
            assert_string_equal(str_of(c, "property"), "Volume");
            assert_string_equal(str_of(c, "interface"), "org.mpris.MediaPlayer2.Player");
            assert_string_equal(str_of(c, "type"), "Double");
            double d = num_of(c, "value") - want[i].volume;
            assert_true(d > -1e-9 && d < 1e-9);
        }
    }
    cJSON_Delete(calls);
    fakes_stop(f);
    free(cfg); free(ev);
    bus_stop(&b);
}

static void test_hostile_bytes_are_cleaned(void **state)
{
    (void)state;
    bus b;
    bus_start(&b, "rt_desk_bytes");
    fakes *f = fakes_start(&b, 1, NULL);
    char *cfg = write_text(b.dir, "config.json",
        "{ \"version\": 1, \"rules\": [ { \"name\": \"n\", \"when\": { \"event\": \"custom.n\" }, \"do\": [\n"
        "  { \"action\": \"notify\", \"title\": \"{{t}}\", \"message\": \"{{m}}\", \"urgency\": \"low\" } ] } ] }\n");
    /* Raw bytes in the event file: a lone 0xFF, a truncated 3-byte sequence, an encoded surrogate,
     * ESC and BEL; libdbus would abort the whole process on any invalid UTF-8 string. */
    char *ev = write_text(b.dir, "ev.json",
        "{ \"type\": \"custom.n\", \"t\": \"a\xFF" "b\xE2\x98\", \"m\": \"x\xED\xA0\x80y\\u001b[31m\\u0007\\tz\" }");
    char env[700];
    snprintf(env, sizeof env, "DBUS_SESSION_BUS_ADDRESS=%s", b.address);
    plat_process_result r;
    host_test_expect(cfg, ev, env, 0, &r);
    expect_out(&r, "result notify.id = 41");
    plat_process_result_free(&r);
    cJSON *calls = calls_read(f);
    assert_int_equal(cJSON_GetArraySize(calls), 1);
    const cJSON *n = cJSON_GetArrayItem(calls, 0);
    assert_string_equal(str_of(n, "summary"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(str_of(n, "body"), "x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy [31m \tz");
    assert_int_equal((int)num_of(cJSON_GetObjectItem(n, "hints"), "urgency"), 0);
    assert_int_equal((int)num_of(n, "expire_timeout"), -1);
    cJSON_Delete(calls);
    fakes_stop(f);
    free(cfg); free(ev);
    bus_stop(&b);
}

static void test_no_player_is_a_result_logged_once(void **state)
{
    (void)state;
    bus b;
    bus_start(&b, "rt_desk_noplayer");
    fakes *f = fakes_start(&b, 1, NULL);
    char *out = test_path_join(b.dir, "out.log"), *elog = test_path_join(b.dir, "engine.log");
    char *jb = rt_json(b.address), *jo = rt_json(out), *je = rt_json(elog);
    char cfg_text[4096];
    snprintf(cfg_text, sizeof cfg_text,
             "{ \"version\": 1, \"engine\": { \"workers\": 1, \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 50, \"immediate\": true } ],\n"
             "  \"rules\": [ { \"name\": \"pause\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
             "    { \"action\": \"media\", \"command\": \"play_pause\", \"bus\": %s },\n"
             "    { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"{{count}} {{media.result}}\" } ] } ] }\n",
             je, jb, jo);
    char *cfg = write_text(b.dir, "config.json", cfg_text);
    rt_host h;
    rt_host_start(&h, &P, cfg, b.dir);
    int seen = rt_wait_for_text(out, "5 no media player", 30000);
    assert_int_equal(rt_host_stop(&h), 0);
    assert_true(seen);
    char *text = test_read_file(elog);
    assert_non_null(text);
    size_t said = 0;
    for (const char *p = text; (p = strstr(p, "no media player")) != NULL; p++) said++;
    if (said != 1) fail_msg("\"no media player\" logged %zu times:\n%s", said, text);
    assert_null(strstr(text, "(media) failed"));
    free(text);
    fakes_stop(f);
    free(jb); free(jo); free(je); free(out); free(elog); free(cfg);
    bus_stop(&b);
}

static void test_no_session_bus_fails_at_its_path(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_desk_nobus");
    char *out = test_path_join(dir, "out.log"), *elog = test_path_join(dir, "engine.log");
    char *jo = rt_json(out), *je = rt_json(elog);
    char cfg_text[4096];
    snprintf(cfg_text, sizeof cfg_text,
             "{ \"version\": 1, \"engine\": { \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 3600000, \"immediate\": true } ],\n"
             "  \"rules\": [ { \"name\": \"tell\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
             "      { \"action\": \"notify\", \"title\": \"hello\" } ] },\n"
             "    { \"name\": \"still\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
             "      { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"engine runs on\" } ] } ] }\n",
             je, jo);
    char *cfg = write_text(dir, "config.json", cfg_text);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir); /* main() cleared DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR */
    assert_true(rt_wait_for_text(out, "engine runs on", 30000));
    assert_true(rt_wait_for_text(elog, "no D-Bus session bus", 30000));
    assert_int_equal(rt_host_stop(&h), 0);
    char *text = test_read_file(elog);
    if (!strstr(text, "rule 'tell' rules[0].do[0] (notify) failed on timer.tick: no D-Bus session bus") ||
        !strstr(text, "set the action's 'bus' option"))
        fail_msg("engine log:\n%s", text);
    free(text);

    char *ev = write_text(dir, "ev.json", "{ \"type\": \"timer.tick\" }");
    plat_process_result r;
    host_test_expect(cfg, ev, NULL, 2, &r);
    expect_out(&r, "rules[0].do[0]: notify");
    expect_out(&r, "-> FAILED: no D-Bus session bus");
    plat_process_result_free(&r);
    free(jo); free(je); free(out); free(elog); free(cfg); free(ev);
    test_remove_tree(dir);
    free(dir);
}

static void test_no_server_and_hung_peers(void **state)
{
    (void)state;
    bus b;
    bus_start(&b, "rt_desk_hung");
    const char *players[] = { "alpha:Playing:0.5", NULL };
    fakes *f = fakes_start(&b, 0, players);
    char *cfg = write_text(b.dir, "config.json",
        "{ \"version\": 1, \"rules\": [\n"
        "  { \"name\": \"n\", \"when\": { \"event\": \"custom.n\" }, \"do\": [\n"
        "    { \"action\": \"notify\", \"title\": \"t\", \"call_timeout_ms\": 5000 } ] },\n"
        "  { \"name\": \"m\", \"when\": { \"event\": \"custom.m\" }, \"do\": [\n"
        "    { \"action\": \"media\", \"command\": \"next\", \"call_timeout_ms\": 1500 } ] },\n"
        "  { \"name\": \"h\", \"when\": { \"event\": \"custom.h\" }, \"do\": [\n"
        "    { \"action\": \"notify\", \"title\": \"t\", \"call_timeout_ms\": 1500 } ] } ] }\n");
    char *evn = write_text(b.dir, "n.json", "{ \"type\": \"custom.n\" }");
    char *evm = write_text(b.dir, "m.json", "{ \"type\": \"custom.m\" }");
    char *evh = write_text(b.dir, "h.json", "{ \"type\": \"custom.h\" }");
    char env[700];
    snprintf(env, sizeof env, "DBUS_SESSION_BUS_ADDRESS=%s", b.address);
    plat_process_result r;

    /* A bus with players but no notification server. */
    host_test_expect(cfg, evn, env, 2, &r);
    expect_out(&r, "-> FAILED: no notification server on the session bus");
    plat_process_result_free(&r);

    /* The player stops answering: the command gives up after call_timeout_ms. */
    kill((pid_t)f->pid, SIGSTOP);
    uint64_t t0 = plat_monotonic_ns();
    host_test_expect(cfg, evm, env, 2, &r);
    uint64_t waited_ms = (plat_monotonic_ns() - t0) / 1000000u;
    expect_out(&r, "-> FAILED: next: ");
    expect_out(&r, "got no answer on");
    plat_process_result_free(&r);
    kill((pid_t)f->pid, SIGCONT);
    assert_true(waited_ms < 20000); /* libdbus' own default would be 25 s per call */

    /* The bus itself hangs: connecting gives up too. */
    kill((pid_t)b.pid, SIGSTOP);
    host_test_expect(cfg, evh, env, 2, &r);
    expect_out(&r, "did not complete the login handshake within call_timeout_ms");
    plat_process_result_free(&r);
    kill((pid_t)b.pid, SIGCONT);

    /* The Next that timed out was queued to the stopped player; it may still run once it continues. */
    cJSON *calls = calls_read(f);
    assert_true(cJSON_GetArraySize(calls) <= 1);
    for (int i = 0; i < cJSON_GetArraySize(calls); i++)
        assert_string_equal(str_of(cJSON_GetArrayItem(calls, i), "call"), "Next");
    cJSON_Delete(calls);
    fakes_stop(f);
    free(cfg); free(evn); free(evm); free(evh);
    bus_stop(&b);
}

static void test_validate_desktop_example(void **state)
{
    (void)state;
    const char *args[] = { "validate", WEE_SOURCE_DIR "/config/examples/desktop.json", NULL };
    plat_process_result r;
    if (rt_run_host(&P, args, NULL, &r) != 0) fail_msg("validate desktop.json: %s%s", r.out, r.err ? r.err : "");
    plat_process_result_free(&r);

    /* Event data must never pick the bus: a template in `bus` is refused at load, at its path. */
    char *dir = test_make_temp_dir("rt_desk_validate");
    char *cfg = write_text(dir, "config.json",
        "{ \"version\": 1, \"rules\": [ { \"name\": \"n\", \"when\": { \"event\": \"custom.n\" }, \"do\": [\n"
        "  { \"action\": \"media\", \"command\": \"next\" },\n"
        "  { \"action\": \"notify\", \"title\": \"t\", \"bus\": \"unix:path={{path}}\" } ] } ] }\n");
    const char *bad[] = { "validate", cfg, NULL };
    int code = rt_run_host(&P, bad, NULL, &r);
    const char *said = r.err ? r.err : "";
    if (code != 1 || !strstr(said, "rules[0].do[1]") || !strstr(said, "templates are not allowed here"))
        fail_msg("validate exit %d:\n%s%s", code, r.out, r.err ? r.err : "");
    plat_process_result_free(&r);
    free(cfg);
    test_remove_tree(dir);
    free(dir);
}

static int teardown(void **state)
{
    (void)state;
    if (g_fakes) {
        fakes *f = g_fakes;
        fakes_end(f);
        fakes_free(f);
    }
    if (g_bus_pid > 0) { kill((pid_t)g_bus_pid, SIGCONT); kill((pid_t)g_bus_pid, SIGTERM); }
    if (g_bus_dir) { test_remove_tree(g_bus_dir); free(g_bus_dir); }
    g_bus_pid = 0;
    g_bus_dir = NULL;
    return 0;
}

int main(void)
{
    test_init();
    /* The host must find no session bus of its own: each test names the bus it wants. */
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    unsetenv("XDG_RUNTIME_DIR");
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_engine_notify_then_media, teardown),
        cmocka_unit_test_teardown(test_volume_mute_and_commands, teardown),
        cmocka_unit_test_teardown(test_hostile_bytes_are_cleaned, teardown),
        cmocka_unit_test_teardown(test_no_player_is_a_result_logged_once, teardown),
        cmocka_unit_test_teardown(test_no_session_bus_fails_at_its_path, teardown),
        cmocka_unit_test_teardown(test_no_server_and_hung_peers, teardown),
        cmocka_unit_test_teardown(test_validate_desktop_example, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
