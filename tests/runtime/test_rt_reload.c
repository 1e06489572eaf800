/*
 * Runtime: hot reload of the real host.
 * - editing the config file swaps the rules: the next event runs the new rule, the unchanged file
 *   source keeps running, and files created while the reload happens are all seen (none lost);
 * - a broken edit is refused with its JSON path and the old rules keep serving;
 * - a changed source restarts with its new options;
 * - engine.config_reloaded reaches rules;
 * - a script file named by a config that arrived by reload is watched too: editing it reloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"
#ifndef _WIN32
#include <signal.h>
#include <sys/types.h>
#endif

static rt_paths P;

typedef struct paths { char *dir, *watched, *watched2, *cfg, *out, *hostlog; } paths;

static void write_cfg_src(const paths *p, const char *tag, const char *watch_dir, const char *extra_rule,
                          const char *extra_source)
{
    char *jw = rt_json(watch_dir), *jo = rt_json(p->out), *jh = rt_json(p->hostlog);
    char text[8192];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2, \"log\": { \"file\": %s, \"level\": \"info\" } },\n"
             "  \"sources\": [ { \"id\": \"w\", \"module\": \"file\", \"paths\": [%s], \"settle_ms\": 0 }%s%s ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"reloaded\", \"when\": { \"event\": \"engine.config_reloaded\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"reloaded-%s\" } ] },\n"
             "    { \"name\": \"seen\", \"when\": { \"event\": \"file.created\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"%s {{name}}\" } ] }%s%s\n"
             "  ] }\n",
             jh, jw, extra_source ? ", " : "", extra_source ? extra_source : "", jo, jo, tag, jo, tag,
             extra_rule ? ",\n" : "", extra_rule ? extra_rule : "");
    /* Written in place: the watcher must wait for the write to settle before it reads. */
    assert_int_equal(test_write_file(p->cfg, text), 0);
    free(jw); free(jo); free(jh);
}

static void write_cfg(const paths *p, const char *tag, const char *watch_dir, const char *extra_rule)
{
    write_cfg_src(p, tag, watch_dir, extra_rule, NULL);
}

static void touch_in(const char *dir, const char *name)
{
    char *f = test_path_join(dir, name);
    assert_int_equal(test_write_file(f, "x"), 0);
    free(f);
}

typedef struct writer { const char *dir; int count; } writer;

static void writer_main(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < w->count; i++) {
        char name[32];
        snprintf(name, sizeof name, "during%04d.dat", i);
        touch_in(w->dir, name);
        plat_sleep_ms(2);
    }
}

static size_t count_occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void test_reload_swaps_rules_and_loses_nothing(void **state)
{
    (void)state;
    paths p;
    p.dir = test_make_temp_dir("rt_reload");
    p.watched = test_make_temp_dir("rt_reload_w");
    p.watched2 = test_make_temp_dir("rt_reload_w2");
    p.cfg = test_path_join(p.dir, "config.json");
    p.out = test_path_join(p.dir, "out.log");
    p.hostlog = test_path_join(p.dir, "host.log");
    write_cfg(&p, "A", p.watched, NULL);

    rt_host h;
    rt_host_start(&h, &P, p.cfg, p.dir);
    assert_true(rt_wait_for_text(p.out, "ready", 20000));
    touch_in(p.watched, "first.dat");
    assert_true(rt_wait_for_text(p.out, "A first.dat", 20000));

    /* Reload while files keep appearing: the file source is unchanged, so it keeps running. */
    writer w = { p.watched, 300 };
    plat_thread t;
    assert_int_equal(plat_thread_start(&t, writer_main, &w), 0);
    plat_sleep_ms(100);
    write_cfg(&p, "B", p.watched, NULL);
    plat_thread_join(&t);
    assert_true(rt_wait_for_text(p.out, "reloaded-B", 20000));
    assert_true(rt_wait_for_text(p.hostlog, "sources: 1 kept, 0 stopped, 0 started", 5000));
    touch_in(p.watched, "second.dat");
    assert_true(rt_wait_for_text(p.out, "B second.dat", 20000));
    assert_true(rt_wait_for_text(p.out, "during0299.dat", 20000));
    char *text = test_read_file(p.out);
    assert_non_null(text);
    for (int i = 0; i < 300; i++) {
        char name[40];
        snprintf(name, sizeof name, " during%04d.dat\n", i);
        if (count_occurrences(text, name) != 1) {
            fprintf(stderr, "file during%04d.dat logged %zu times (want exactly once)\n%s\n", i,
                    count_occurrences(text, name), text);
            fail();
        }
    }
    assert_null(strstr(text, "A second.dat"));
    free(text);

    /* A broken edit: refused with its path, the B rules keep serving. */
    write_cfg(&p, "C", p.watched,
              "{ \"name\": \"bad\", \"when\": { \"event\": \"file.created\" }, \"do\": [ { \"action\": \"log\", "
              "\"mesage\": \"typo\" } ] }");
    assert_true(rt_wait_for_text(p.hostlog, "rules[3].do[0].mesage", 20000));
    assert_true(rt_wait_for_text(p.hostlog, "the previous config keeps running", 5000));
    touch_in(p.watched, "third.dat");
    assert_true(rt_wait_for_text(p.out, "B third.dat", 20000));

    /* A changed source restarts on its new folder. */
    write_cfg(&p, "D", p.watched2, NULL);
    assert_true(rt_wait_for_text(p.out, "reloaded-D", 20000));
    assert_true(rt_wait_for_text(p.hostlog, "sources: 0 kept, 1 stopped, 1 started", 5000));
    touch_in(p.watched2, "fourth.dat");
    assert_true(rt_wait_for_text(p.out, "D fourth.dat", 20000));

    /* A module the first config did not use (timer) was closed at start; the reload opens it again. */
    char *jo = rt_json(p.out), rule[1024];
    snprintf(rule, sizeof rule, "{ \"name\": \"tick\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [ { \"action\": "
             "\"log\", \"target\": \"file\", \"file\": %s, \"message\": \"tick {{count}}\" } ] }", jo);
    free(jo);
    write_cfg_src(&p, "E", p.watched2, rule, "{ \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 100 }");
    assert_true(rt_wait_for_text(p.out, "reloaded-E", 20000));
    assert_true(rt_wait_for_text(p.out, "tick 2", 20000));

    /* The reload gave the watch the new config's files: the Lua script F names (in another folder
     * than the config) reloads when it changes, and only then. */
    char *script = test_path_join(p.watched2, "on_file.lua");
    assert_int_equal(test_write_file(script, "function on_event(t) end\n"), 0);
    char *js = rt_json(script), lua_rule[1024];
    snprintf(lua_rule, sizeof lua_rule, "{ \"name\": \"script\", \"when\": { \"event\": \"file.deleted\" }, \"do\": "
             "[ { \"action\": \"lua\", \"file\": %s } ] }", js);
    free(js);
    write_cfg_src(&p, "F", p.watched2, lua_rule, "{ \"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 100 }");
    assert_true(rt_wait_for_text(p.out, "reloaded-F", 20000));
    plat_sleep_ms(1500);
    text = test_read_file(p.out);
    assert_int_equal(count_occurrences(text, "reloaded-F"), 1);
    free(text);
    assert_int_equal(test_write_file(script, "-- edited\nfunction on_event(t) end\n"), 0);
    int twice = 0;
    for (int waited = 0; waited < 20000 && !twice; waited += 100) {
        plat_sleep_ms(100);
        text = test_read_file(p.out);
        twice = count_occurrences(text, "reloaded-F") == 2;
        free(text);
    }
    assert_true(twice);
    free(script);
#ifndef _WIN32
    /* SIGHUP (systemd's ExecReload) reloads too, even when the file did not change. */
    long pid = rt_host_pid(p.cfg);
    assert_true(pid > 0);
    assert_int_equal(kill((pid_t)pid, SIGHUP), 0);
    assert_true(rt_wait_for_text(p.hostlog, "reload requested (SIGHUP)", 20000));
    assert_true(rt_wait_for_text(p.hostlog, "sources: 2 kept, 0 stopped, 0 started", 20000));
#endif

    assert_int_equal(rt_host_stop(&h), 0);
    text = test_read_file(p.out);
    assert_null(strstr(text, "C third.dat"));
    free(text);
    test_remove_tree(p.watched);
    test_remove_tree(p.watched2);
    test_remove_tree(p.dir);
    free(p.dir); free(p.watched); free(p.watched2); free(p.cfg); free(p.out); free(p.hostlog);
}

int main(void)
{
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reload_swaps_rules_and_loses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
