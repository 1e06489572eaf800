/*
 * Runtime: the real host with the real file, exec and log modules on a temporary folder.
 * - a file with a hostile name reaches the exec'd child's argv byte for byte, and exec's exit code is
 *   readable by the next action;
 * - a burst of 10,000 files under overflow "block" loses none;
 * - the host stops cleanly (exit 0) when told to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

static rt_paths P;

static char *write_config(const char *dir, const char *watched, const char *rules_json, const char *engine_json,
                          int settle_ms)
{
    char *ready = test_path_join(dir, "ready.log");
    char *cfg_path = test_path_join(dir, "config.json");
    char *jw = rt_json(watched), *jr = rt_json(ready);
    char *text = NULL;
    size_t need = strlen(rules_json) + strlen(engine_json) + strlen(jw) + strlen(jr) + 1024;
    text = malloc(need);
    snprintf(text, need,
             "{ \"version\": 1, \"engine\": %s,\n"
             "  \"sources\": [ { \"id\": \"watched\", \"module\": \"file\", \"paths\": [%s], \"recursive\": true, \"settle_ms\": %d } ],\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "                 \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "  %s ] }\n", engine_json, jw, settle_ms, jr, rules_json);
    assert_int_equal(test_write_file(cfg_path, text), 0);
    free(text); free(jw); free(jr); free(ready);
    return cfg_path;
}

static void wait_ready(const char *dir)
{
    char *ready = test_path_join(dir, "ready.log");
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    free(ready);
}

static void test_hostile_name_reaches_argv(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_exec");
    char *watched = test_make_temp_dir("rt_exec_watched"), *out = test_path_join(dir, "argv.txt");
    char *log = test_path_join(dir, "actions.log");
    test_write_file(out, "");
#ifdef _WIN32
    /* '"' cannot appear in a Windows file name; everything else of the hostile name can. */
    const char *hostile = "a b;$(touch x)'&.txt";
#else
    const char *hostile = "a b;$(touch x)'\"&.txt";
#endif
    char *jc = rt_json(P.testchild), *jo = rt_json(out), *jl = rt_json(log);
    char rules[4096];
    snprintf(rules, sizeof rules,
             "{ \"name\": \"txt-created\", \"when\": { \"event\": \"file.created\", \"source\": \"watched\",\n"
             "    \"match\": { \"name\": { \"glob\": \"*.txt\" } } },\n"
             "  \"do\": [ { \"action\": \"exec\", \"command\": %s, \"args\": [\"append\", %s, \"{{path}}\"], \"timeout_ms\": 20000 },\n"
             "          { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"exit={{exec.exit_code}} name={{name}}\" } ] }",
             jc, jo, jl);
    free(jc); free(jo); free(jl);
    char *cfg = write_config(dir, watched, rules, "{ \"workers\": 2 }", 50);

    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    wait_ready(dir);
    char *victim = test_path_join(watched, hostile);
    assert_int_equal(test_write_file(victim, "payload"), 0);
    char expect[2048];
    snprintf(expect, sizeof expect, "%s\n", victim);
    assert_true(rt_wait_for_text(out, expect, 20000));
    char needle[512];
    snprintf(needle, sizeof needle, "exit=0 name=%s", hostile);
    assert_true(rt_wait_for_text(log, needle, 20000));
    assert_int_equal(rt_host_stop(&h), 0);

    char *argv_text = test_read_file(out);
    assert_string_equal(argv_text, expect);   /* exactly once, byte for byte */
    free(argv_text);
    free(victim); free(cfg); free(log); free(out);
    test_remove_tree(watched);
    free(watched);
    test_remove_tree(dir);
    free(dir);
}

#define BURST 10000

static void test_burst_none_lost_under_block(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_burst");
    char *watched = test_make_temp_dir("rt_burst_watched"), *log = test_path_join(dir, "burst.log");
    char *jl = rt_json(log);
    char rules[2048];
    snprintf(rules, sizeof rules,
             "{ \"name\": \"count\", \"when\": { \"event\": \"file.created\", \"match\": { \"ext\": \"dat\" } },\n"
             "  \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"{{name}}\" } ] }", jl);
    free(jl);
    /* A small queue forces the block policy to actually push back on the source. */
    char *cfg = write_config(dir, watched, rules, "{ \"workers\": 2, \"queue_capacity\": 64, \"overflow\": \"block\" }", 0);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    wait_ready(dir);
    for (int i = 0; i < BURST; i++) {
        char name[64];
        snprintf(name, sizeof name, "b%05d.dat", i);
        char *f = test_path_join(watched, name);
        assert_int_equal(test_write_file(f, "x"), 0);
        free(f);
    }
    size_t lines = rt_wait_for_lines(log, BURST, 120000);
    assert_int_equal(rt_host_stop(&h), 0);
    assert_int_equal(lines, BURST);

    char *text = test_read_file(log);
    assert_non_null(text);
    unsigned char *seen = calloc(BURST, 1);
    size_t distinct = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *b = strrchr(line, 'b');
        int idx;
        if (b && sscanf(b, "b%05d.dat", &idx) == 1 && idx >= 0 && idx < BURST && !seen[idx]) { seen[idx] = 1; distinct++; }
        line = nl ? nl + 1 : NULL;
    }
    assert_int_equal(distinct, BURST);
    free(seen); free(text); free(cfg); free(log);
    test_remove_tree(watched);
    free(watched);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_name_reaches_argv),
        cmocka_unit_test(test_burst_none_lost_under_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
