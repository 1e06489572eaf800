/* conditions: every operator true and false, composites, typed fields, compile errors with exact
 * JSON paths, and explain naming the first failing test. */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "module_fields.h"
#include "cond.h"
#include "event.h"

static wee_event *sample(void)
{
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", "/home/me/Downloads/setup.exe");
    event_set_string(ev, "name", "setup.exe");
    event_set_string(ev, "ext", "exe");
    event_set_int(ev, "size", 2048);
    event_set_bool(ev, "is_dir", 0);
    event_set_string(ev, "title", "Inbox - Mail");
    event_set_string(ev, "key", "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
    return ev;
}

/* Compiles `json` (a "match" object when is_match, else a composite) and evaluates it on sample(). */
static int eval(const char *json, int is_match)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    diag_list d = DIAG_INIT;
    cond *c = is_match ? cond_compile_match(j, "m", &d) : cond_compile(j, "w", &d);
    if (!c) { diag_print(&d, "t", stderr); fail(); }
    wee_event *ev = sample();
    int r = cond_eval(c, ev);
    event_unref(ev);
    cond_free(c);
    diag_free(&d);
    cJSON_Delete(j);
    return r;
}
#define T(json) assert_true(eval((json), 1))
#define F(json) assert_false(eval((json), 1))

static void test_operators(void **s)
{
    (void)s;
    T("{\"ext\": \"exe\"}"); F("{\"ext\": \"msi\"}");
    T("{\"name\": {\"equals\": \"setup.exe\"}}");
#ifdef _WIN32
    T("{\"name\": {\"equals\": \"Setup.exe\"}}");   /* names and paths are case-insensitive on Windows */
    F("{\"name\": {\"equals\": \"Setup.exe\", \"case_insensitive\": false}}");
#else
    F("{\"name\": {\"equals\": \"Setup.exe\"}}");
#endif
    F("{\"title\": {\"equals\": \"inbox - mail\"}}");  /* other fields are case-sensitive everywhere */
    T("{\"name\": {\"equals\": \"Setup.EXE\", \"case_insensitive\": true}}");
    T("{\"name\": {\"glob\": \"*.exe\"}}"); F("{\"name\": {\"glob\": \"*.msi\"}}");
    T("{\"path\": {\"glob\": \"/home/*/Downloads/*.exe\"}}"); F("{\"path\": {\"glob\": \"/home/*.exe\"}}");
    T("{\"name\": {\"regex\": \"^set.p\\\\.(exe|msi)$\"}}"); F("{\"name\": {\"regex\": \"^x\"}}");
    T("{\"title\": {\"contains\": \"Mail\"}}"); F("{\"title\": {\"contains\": \"mail\"}}");
    T("{\"title\": {\"contains\": \"mail\", \"case_insensitive\": true}}");
    T("{\"name\": {\"starts_with\": \"set\"}}"); F("{\"name\": {\"starts_with\": \"exe\"}}");
    T("{\"name\": {\"ends_with\": \".exe\"}}"); F("{\"name\": {\"ends_with\": \".ex\"}}");
    T("{\"ext\": {\"in\": [\"msi\", \"exe\"]}}"); F("{\"ext\": {\"in\": [\"msi\", \"zip\"]}}");
    T("{\"size\": {\"gt\": 1024}}"); F("{\"size\": {\"gt\": 2048}}");
    T("{\"size\": {\"gte\": 2048}}"); T("{\"size\": {\"lt\": 4096}}"); F("{\"size\": {\"lte\": 2047}}");
    T("{\"size\": 2048}"); T("{\"size\": {\"in\": [1, 2048]}}");
    T("{\"is_dir\": false}"); F("{\"is_dir\": true}");
    F("{\"missing\": {\"gt\": 0}}"); F("{\"missing\": \"x\"}");
    F("{\"name\": {\"gt\": 1}}");        /* not numeric: false, never an error at run time */
    /* Registry keys: patterns may spell the root long; events always carry the short form. */
#ifdef _WIN32
    /* A backslash separates path segments in globs only on Windows (elsewhere it escapes), and the
     * registry source exists only there. */
    T("{\"key\": {\"glob\": \"HKEY_CURRENT_USER\\\\Software\\\\**\\\\Run\"}}");
    T("{\"key\": {\"glob\": \"HKCU\\\\Software\\\\**\\\\Run\"}}");
    F("{\"key\": {\"glob\": \"HKEY_LOCAL_MACHINE\\\\Software\\\\**\"}}");
#endif
    T("{\"key\": \"HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\"}");
    T("{\"key\": {\"starts_with\": \"hkey_current_user\\\\Software\"}}");
    F("{\"key\": {\"starts_with\": \"HKEY_LOCAL_MACHINE\\\\Software\"}}");
    T("{\"ext\": \"exe\", \"size\": {\"gt\": 1}}"); F("{\"ext\": \"exe\", \"size\": {\"gt\": 99999}}");
}

static void test_composites(void **s)
{
    (void)s;
    assert_true(eval("{\"all\": [{\"match\": {\"ext\": \"exe\"}}, {\"match\": {\"size\": {\"gt\": 1}}}]}", 0));
    assert_false(eval("{\"all\": [{\"match\": {\"ext\": \"exe\"}}, {\"match\": {\"size\": {\"gt\": 9999}}}]}", 0));
    assert_true(eval("{\"any\": [{\"match\": {\"ext\": \"msi\"}}, {\"match\": {\"ext\": \"exe\"}}]}", 0));
    assert_false(eval("{\"any\": [{\"match\": {\"ext\": \"msi\"}}, {\"match\": {\"ext\": \"zip\"}}]}", 0));
    assert_true(eval("{\"not\": {\"match\": {\"ext\": \"msi\"}}}", 0));
    assert_false(eval("{\"not\": {\"any\": [{\"match\": {\"ext\": \"exe\"}}]}}", 0));
}

static const char *first_error(const char *json, int is_match)
{
    static char buf[512];
    cJSON *j = cJSON_Parse(json);
    diag_list d = DIAG_INIT;
    cond *c = is_match ? cond_compile_match(j, "rules[0].when.match", &d) : cond_compile(j, "rules[0].when", &d);
    assert_null(c);
    assert_true(d.count >= 1);
    snprintf(buf, sizeof buf, "%s: %s", d.items[0].path, d.items[0].message);
    diag_free(&d);
    cJSON_Delete(j);
    return buf;
}

static void test_compile_errors(void **s)
{
    (void)s;
    assert_string_equal(first_error("{\"name\": {\"glob\": 5}}", 1), "rules[0].when.match.name.glob: expected a string, got 5");
    assert_non_null(strstr(first_error("{\"name\": {\"globb\": \"*\"}}", 1), "rules[0].when.match.name.globb: unknown operator \"globb\""));
    assert_non_null(strstr(first_error("{\"name\": {\"regex\": \"(\"}}", 1), "rules[0].when.match.name.regex: invalid regular expression at offset"));
    assert_non_null(strstr(first_error("{\"size\": {\"gt\": \"big\"}}", 1), "rules[0].when.match.size.gt: expected an integer, got \"big\""));
    assert_non_null(strstr(first_error("{\"ext\": {\"in\": [\"a\", {}]}}", 1), "rules[0].when.match.ext.in[1]:"));
    assert_non_null(strstr(first_error("{\"name\": {\"glob\": \"*\", \"regex\": \"x\"}}", 1), "more than one operator"));
    assert_non_null(strstr(first_error("{\"any\": [{\"match\": {\"ext\": \"exe\"}}, {\"match\": {\"x\": {\"lt\": []}}}]}", 0),
                           "rules[0].when.any[1].match.x.lt: expected an integer"));
    assert_non_null(strstr(first_error("{\"some\": []}", 0), "rules[0].when.some: unknown condition"));
}

static void test_explain(void **s)
{
    (void)s;
    cJSON *j = cJSON_Parse("{\"ext\": \"exe\", \"name\": {\"glob\": \"*.msi\"}}");
    diag_list d = DIAG_INIT;
    cond *c = cond_compile_match(j, "m", &d);
    wee_event *ev = sample();
    char why[256];
    assert_false(cond_explain(c, ev, why, sizeof why));
#ifdef _WIN32
    assert_string_equal(why, "name: \"setup.exe\" does not match glob \"*.msi\" (case-insensitive)");
#else
    assert_string_equal(why, "name: \"setup.exe\" does not match glob \"*.msi\"");
#endif
    cond_free(c);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"owner\": \"me\"}");
    c = cond_compile_match(j, "m", &d);
    assert_false(cond_explain(c, ev, why, sizeof why));
    assert_string_equal(why, "owner: field is missing");
    cond_free(c);
    cJSON_Delete(j);
    event_unref(ev);
    diag_free(&d);
}

/* File names are bytes on POSIX: a name with an invalid UTF-8 byte must still match every operator
 * on the valid text around it, and `not` must not turn true because a regex gave up. */
static int eval_on_name(const char *json, int is_match, const char *name)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    diag_list d = DIAG_INIT;
    cond *c = is_match ? cond_compile_match(j, "m", &d) : cond_compile(j, "w", &d);
    if (!c) { diag_print(&d, "t", stderr); fail(); }
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "name", name);
    int r = cond_eval(c, ev);
    event_unref(ev);
    cond_free(c);
    diag_free(&d);
    cJSON_Delete(j);
    return r;
}

static void test_invalid_utf8_names(void **s)
{
    (void)s;
    static const char *const names[] = { "\xff.sh", "run\xfe\xff.sh", "\xc3\xa9t\xc3.sh", "\xed\xa0\x80x.sh" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *n = names[i];
        assert_true(eval_on_name("{\"name\": {\"regex\": \"\\\\.sh$\"}}", 1, n));
        assert_true(eval_on_name("{\"name\": {\"regex\": \"\\\\.SH$\", \"case_insensitive\": true}}", 1, n));
        assert_false(eval_on_name("{\"name\": {\"regex\": \"\\\\.exe$\"}}", 1, n));
        assert_false(eval_on_name("{\"not\": {\"match\": {\"name\": {\"regex\": \"\\\\.sh$\"}}}}", 0, n));
        assert_true(eval_on_name("{\"name\": {\"glob\": \"*.sh\"}}", 1, n));
        assert_true(eval_on_name("{\"name\": {\"contains\": \".sh\"}}", 1, n));
        assert_true(eval_on_name("{\"name\": {\"ends_with\": \".sh\"}}", 1, n));
    }
    /* PCRE2's rule for invalid UTF-8: no pattern item matches an invalid byte, `.` included (documented). */
    assert_false(eval_on_name("{\"name\": {\"regex\": \"^run.*\\\\.sh$\"}}", 1, "run\xfe\xff.sh"));
    assert_true(eval_on_name("{\"name\": {\"regex\": \"^run\"}}", 1, "run\xfe\xff.sh"));
    assert_true(eval_on_name("{\"name\": {\"glob\": \"?.sh\"}}", 1, "\xff.sh"));
    assert_true(eval_on_name("{\"name\": {\"glob\": \"?.sh\"}}", 1, "\xc3\xa9.sh"));
    assert_true(eval_on_name("{\"name\": {\"contains\": \"\xc3\xa9\"}}", 1, "\xc3\xa9t\xc3.sh"));
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_composites),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_invalid_utf8_names),
    };
    module_fields_load(); /* the traits the host gets from the modules it loads */
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
