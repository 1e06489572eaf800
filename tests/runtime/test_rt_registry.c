/*
 * Runtime (Windows; under Wine in CI): the real host with the real registry and log modules, driven by
 * the real reg.exe through plat_process_run. The config names the watched key in the long form
 * (HKEY_CURRENT_USER\...) and the key does not exist when the host starts; every event must carry
 * the short form (HKCU\...). Checked, each with key/value/data/data_type:
 *  key appears -> key_created; REG_SZ, REG_DWORD, REG_BINARY and the default value -> value_set;
 *  a value in a new subkey -> key_created + value_set (recursive); a rule matching the key with a
 *  glob; value deleted -> value_deleted with the old data; subkey deleted -> key_deleted; the watched
 *  key itself deleted -> key_deleted, then re-created -> key_created + value_set again.
 * The writer (mode auto): under Wine ETW is refused, and the host's log must say so exactly once
 * (the RegNotify path then does all of the above); where an ETW session starts (Windows, elevated),
 * the events must name reg.exe as the process that wrote them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

static rt_paths P;

static void reg(const char *const *args)
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = "reg.exe";
    for (; *args && n < 15; args++) argv[n++] = *args;
    argv[n] = NULL;
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 30000;
    spec.stdout_max = 4096;
    spec.stderr_max = 4096;
    spec.capture_stderr = 1;
    plat_process_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(plat_process_run(&spec, &res), 0);
    if (!res.started || res.exit_code != 0)
        fprintf(stderr, "reg.exe %s %s: exit %d %s %s\n", argv[1], argv[2], res.exit_code, res.error, res.err ? res.err : "");
    assert_true(res.started);
    assert_int_equal(res.exit_code, 0);
    plat_process_result_free(&res);
}

#define REG(...) do { const char *a_[] = { __VA_ARGS__, NULL }; reg(a_); } while (0)

static char *log_path;

static void expect_line(const char *line)
{
    char needle[1024];
    snprintf(needle, sizeof needle, "%s\n", line);
    if (!rt_wait_for_text(log_path, needle, 20000)) {
        char *text = test_read_file(log_path);
        fprintf(stderr, "missing line: %s\n--- log ---\n%s\n---\n", line, text ? text : "(none)");
        free(text);
        fail();
    }
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

static void test_registry_events(void **state)
{
    (void)state;
    char base[128], watched[192], sub[224], shortw[192], shortsub[224], longw[224], line[512];
    snprintf(base, sizeof base, "HKCU\\Software\\WeeTest%llu_%lld", (unsigned long long)plat_getpid(),
             (long long)(plat_wall_time_ms() % 100000000));
    snprintf(watched, sizeof watched, "%s\\Watched", base);
    snprintf(sub, sizeof sub, "%s\\Sub", watched);
    snprintf(shortw, sizeof shortw, "%s", watched);
    snprintf(shortsub, sizeof shortsub, "%s", sub);
    snprintf(longw, sizeof longw, "HKEY_CURRENT_USER%s", watched + 4);

    char *dir = test_make_temp_dir("rt_registry");
    log_path = test_path_join(dir, "events.log");
    char *glob_log = test_path_join(dir, "glob.log"), *ready = test_path_join(dir, "ready.log");
    char *who_log = test_path_join(dir, "who.log");
    char *cfg = test_path_join(dir, "config.json");
    char *jk = rt_json(longw), *jl = rt_json(log_path), *jg = rt_json(glob_log), *jr = rt_json(ready);
    char *jw = rt_json(who_log);
    char text[8192];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 1 },\n"
             "  \"sources\": [ { \"id\": \"reg\", \"module\": \"registry\", \"keys\": [%s], \"recursive\": true } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"all\", \"when\": { \"event\": \"registry.*\", \"source\": \"reg\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"format\": \"text\",\n"
             "                  \"message\": \"{{type}}|{{key}}|{{value}}|{{data}}|{{data_type}}\" } ] },\n"
             "    { \"name\": \"glob\", \"when\": { \"event\": \"registry.value_set\",\n"
             "        \"match\": { \"key\": { \"glob\": \"HKCU\\\\Software\\\\WeeTest*\\\\watched\\\\S*\" } } },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"glob {{key}} {{value}}\" } ] },\n"
             "    { \"name\": \"who\", \"when\": { \"event\": \"registry.value_set\", \"source\": \"reg\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"format\": \"text\",\n"
             "                  \"message\": \"who {{value}} {{process}}\" } ] }\n"
             "  ] }\n", jk, jr, jl, jg, jw);
    free(jk); free(jl); free(jg); free(jr); free(jw);
    assert_int_equal(test_write_file(cfg, text), 0);

    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 30000));

    REG("add", watched, "/f");
    snprintf(line, sizeof line, "registry.key_created|%s|||", shortw); expect_line(line);
    REG("add", watched, "/v", "Greeting", "/t", "REG_SZ", "/d", "hello world", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|Greeting|hello world|REG_SZ", shortw); expect_line(line);
    REG("add", watched, "/v", "Count", "/t", "REG_DWORD", "/d", "42", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|Count|42|REG_DWORD", shortw); expect_line(line);
    REG("add", watched, "/v", "Blob", "/t", "REG_BINARY", "/d", "DEADbeef01", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|Blob|deadbeef01|REG_BINARY", shortw); expect_line(line);
    REG("add", watched, "/ve", "/d", "dflt", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|(default)|dflt|REG_SZ", shortw); expect_line(line);
    REG("add", sub, "/v", "Inner", "/t", "REG_SZ", "/d", "inside", "/f");
    snprintf(line, sizeof line, "registry.key_created|%s|||", shortsub); expect_line(line);
    snprintf(line, sizeof line, "registry.value_set|%s|Inner|inside|REG_SZ", shortsub); expect_line(line);
    snprintf(line, sizeof line, "glob %s Inner", shortsub);
    assert_true(rt_wait_for_text(glob_log, line, 20000));
    REG("add", watched, "/v", "Greeting", "/t", "REG_SZ", "/d", "changed", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|Greeting|changed|REG_SZ", shortw); expect_line(line);
    REG("delete", watched, "/v", "Greeting", "/f");
    snprintf(line, sizeof line, "registry.value_deleted|%s|Greeting|changed|REG_SZ", shortw); expect_line(line);
    REG("delete", sub, "/f");
    snprintf(line, sizeof line, "registry.key_deleted|%s|||", shortsub); expect_line(line);
    REG("delete", watched, "/f");
    snprintf(line, sizeof line, "registry.key_deleted|%s|||", shortw); expect_line(line);
    /* the source keeps waiting for the key to come back */
    REG("add", watched, "/v", "Back", "/d", "again", "/f");
    snprintf(line, sizeof line, "registry.value_set|%s|Back|again|REG_SZ", shortw); expect_line(line);
    /* stop by hand (rt_host_stop frees the output) to read what the host logged about ETW */
    assert_int_equal(test_write_file(h.stop_file, "stop"), 0);
    plat_thread_join(&h.thread);
    const char *err = h.res.err ? h.res.err : "";
    if (h.res.exit_code != 0) fprintf(stderr, "host exit %d\n--- host stderr ---\n%s\n---\n", h.res.exit_code, err);
    assert_int_equal(h.res.exit_code, 0);
    int etw_started = strstr(err, "ETW Microsoft-Windows-Kernel-Registry session started") != NULL;
    const char *etw_line = strstr(err, "ETW");
    if (etw_line) printf("host: ...%.*s\n", (int)strcspn(etw_line, "\r\n"), etw_line);
    if (plat_is_wine() || !etw_started) {
        if (count_of(err, "ETW refused (") != 1) fprintf(stderr, "--- host stderr ---\n%s\n---\n", err);
        assert_int_equal(count_of(err, "ETW refused ("), 1);
        assert_non_null(strstr(err, "events carry no pid/process/exe"));
        if (plat_is_wine()) assert_non_null(strstr(err, "(ETW is not implemented by Wine)"));
    } else {
        char *who = test_read_file(who_log);
        assert_non_null(who);
        printf("writers seen by ETW:\n%s", who);
        assert_true(count_of(who, "who Count reg.exe") == 1 || count_of(who, "who Count REG.EXE") == 1);
        free(who);
    }
    free(h.stop_file);
    plat_process_result_free(&h.res);
    REG("delete", base, "/f");

    /* Each change reported exactly once; the key created twice; nothing outside the watched key. */
    char *all = test_read_file(log_path);
    assert_non_null(all);
    if (getenv("WEE_TEST_VERBOSE")) fprintf(stderr, "--- events ---\n%s---\n", all);
    snprintf(line, sizeof line, "registry.key_created|%s|||\n", shortw);
    assert_int_equal(count_of(all, line), 2);
    snprintf(line, sizeof line, "registry.value_set|%s|Count|42|REG_DWORD\n", shortw);
    assert_int_equal(count_of(all, line), 1);
    /* reg.exe deletes a key's values before the key, so the key's deletion may also show value_deleted
     * for the values it still had; Greeting itself was deleted once. */
    snprintf(line, sizeof line, "registry.value_deleted|%s|Greeting|", shortw);
    assert_int_equal(count_of(all, line), 1);
    assert_int_equal(count_of(all, "registry.key_deleted"), 2);
    assert_int_equal(count_of(all, "HKEY_CURRENT_USER"), 0);
    char *g = test_read_file(glob_log);
    assert_non_null(g);
    assert_int_equal(count_of(g, "glob "), 1);   /* only the value in Sub matches the glob */
    free(g);
    free(all);
    free(cfg); free(ready); free(glob_log); free(log_path); free(who_log);
    test_remove_tree(dir);
    free(dir);
}

/* A bad root is refused when the source is created (`host validate` checks option types only): the
 * host logs one line naming the entry and listing the valid roots, and runs on without the source. */
static void test_bad_root_refused(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_registry_bad");
    char *cfg = test_path_join(dir, "config.json"), *ready = test_path_join(dir, "ready.log");
    char *jr = rt_json(ready);
    char text[2048];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"sources\": [ { \"id\": \"r\", \"module\": \"registry\",\n"
             "  \"keys\": [\"HKCU\\\\Software\\\\Ok\", \"HKEY_NOWHERE\\\\Software\"] } ],\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] } ] }\n", jr);
    free(jr);
    assert_int_equal(test_write_file(cfg, text), 0);
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 30000));
    test_write_file(h.stop_file, "stop");
    plat_thread_join(&h.thread);
    const char *err = h.res.err ? h.res.err : "";
    if (!strstr(err, "keys[1]: \"HKEY_NOWHERE\\Software\" does not start with a known root"))
        fprintf(stderr, "host stderr:\n%s\n", err);
    assert_non_null(strstr(err, "keys[1]: \"HKEY_NOWHERE\\Software\" does not start with a known root"));
    assert_non_null(strstr(err, "HKLM (HKEY_LOCAL_MACHINE)"));
    assert_int_equal(h.res.exit_code, 0);
    plat_process_result_free(&h.res);
    free(h.stop_file);
    free(cfg);
    free(ready);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_events),
        cmocka_unit_test(test_bad_root_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
