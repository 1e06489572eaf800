/*
 * options: validation against a module's option table (every type accepted and rejected with its exact
 * path and message), host keys, defaults, the static view, rendering views and their cache,
 * options_json escaping, --describe output and the struct_size stride.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "event.h"
#include "options.h"
#include "host_api.h"
#include "platform/platform.h"

static const wee_option_spec file_spec[] = {
    WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, .required = 1, .description = "directories to watch"),
    WEE_OPTION(.name = "recursive", .type = WEE_OPT_BOOL, .default_value = "false", .description = "watch subdirectories"),
    WEE_OPTION(.name = "include", .type = WEE_OPT_STRING_LIST, .description = "globs to keep"),
    WEE_OPTION(.name = "exclude", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .description = "globs to drop"),
    WEE_OPTION(.name = "settle_ms", .type = WEE_OPT_INT, .default_value = "200", .min = 0, .max = INT64_MAX,
               .description = "quiet time before a modified event"),
    WEE_OPTION_END
};

static const wee_option_spec action_spec[] = {
    WEE_OPTION(.name = "command", .type = WEE_OPT_STRING, .required = 1, .description = "program to run"),
    WEE_OPTION(.name = "args", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .description = "arguments"),
    WEE_OPTION(.name = "env", .type = WEE_OPT_STRING_MAP, .default_value = "{}", .description = "environment"),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "1000", .min = 1, .max = 86400000,
               .description = "time limit"),
    WEE_OPTION(.name = "level", .type = WEE_OPT_STRING, .default_value = "\"info\"",
               .choices = "trace|debug|info|warn|error", .description = "log level"),
    WEE_OPTION(.name = "body", .type = WEE_OPT_JSON, .description = "request body"),
    WEE_OPTION(.name = "verbose", .type = WEE_OPT_BOOL, .description = "say more"),
    WEE_OPTION_END
};

static const char *const own_keys[] = { "id", "module", "action", "on_error", NULL };

static options_tree *build(const wee_option_spec *spec, const char *json, const char *path, int templated,
                           diag_list *d)
{
    cJSON *obj = cJSON_Parse(json);
    if (!obj) fail_msg("test JSON does not parse: %s", json);
    options_tree *t = options_build(spec, obj, path, own_keys, templated, d);
    cJSON_Delete(obj); /* the tree must not point into it */
    return t;
}

static options_tree *build_ok(const wee_option_spec *spec, const char *json, int templated)
{
    diag_list d = DIAG_INIT;
    options_tree *t = build(spec, json, "rules[0].do[0]", templated, &d);
    if (!t) {
        diag_print(&d, "test", stderr);
        fail_msg("options refused: %s", json);
    }
    assert_int_equal(d.count, 0);
    diag_free(&d);
    return t;
}

static void expect_error(const wee_option_spec *spec, const char *json, const char *base, int templated,
                         const char *path, const char *message)
{
    diag_list d = DIAG_INIT;
    options_tree *t = build(spec, json, base, templated, &d);
    if (t || d.count != 1) {
        diag_print(&d, "test", stderr);
        fail_msg("%s: expected exactly one error, got %zu (tree %s)", json, d.count, t ? "built" : "NULL");
    }
    if (strcmp(d.items[0].path, path) != 0 || strcmp(d.items[0].message, message) != 0)
        fail_msg("%s:\n  got      %s: %s\n  expected %s: %s", json, d.items[0].path, d.items[0].message, path,
                 message);
    diag_free(&d);
}

static void test_each_type_accepted(void **state)
{
    (void)state;
    options_tree *t = build_ok(action_spec,
        "{\"command\": \"run.exe\", \"args\": [\"a\", \"b\"], \"env\": {\"K\": \"v\", \"L\": \"w\"},"
        " \"timeout_ms\": 5000, \"level\": \"warn\", \"body\": {\"n\": [1, true, null]}, \"verbose\": true}", 0);
    const wee_options *v = options_static_view(t);
    assert_string_equal(options_string(v, "command"), "run.exe");
    assert_int_equal(options_list_count(v, "args"), 2);
    assert_string_equal(options_list_at(v, "args", 1), "b");
    assert_null(options_list_at(v, "args", 2));
    assert_int_equal(options_map_count(v, "env"), 2);
    assert_string_equal(options_map_key(v, "env", 1), "L");
    assert_string_equal(options_map_value(v, "env", 1), "w");
    assert_int_equal(options_int(v, "timeout_ms"), 5000);
    assert_string_equal(options_string(v, "level"), "warn");
    assert_true(options_bool(v, "verbose"));
    char *body = options_json(v, "body");
    assert_string_equal(body, "{\"n\":[1,true,null]}");
    free(body);
    char *json = options_json(v, "timeout_ms");
    assert_string_equal(json, "5000");
    free(json);
    json = options_json(v, "env");
    assert_string_equal(json, "{\"K\":\"v\",\"L\":\"w\"}");
    free(json);
    assert_false(options_has_templates(t));
    options_tree_free(t);

    /* Integral numbers written with an exponent are integers; int64 extremes survive. */
    t = build_ok(action_spec, "{\"command\": \"x\", \"timeout_ms\": 1e3}", 0);
    assert_int_equal(options_int(options_static_view(t), "timeout_ms"), 1000);
    options_tree_free(t);
    t = build_ok(file_spec, "{\"paths\": [], \"settle_ms\": 0}", 0);
    assert_int_equal(options_int(options_static_view(t), "settle_ms"), 0);
    assert_int_equal(options_list_count(options_static_view(t), "paths"), 0);
    options_tree_free(t);
}

static void test_each_type_rejected(void **state)
{
    (void)state;
    expect_error(file_spec, "{\"paths\": \"/a\", \"settle_ms\": \"30s\"}", "sources[0]", 0,
                 "sources[0].settle_ms", "expected integer >= 0, got \"30s\"");
    expect_error(file_spec, "{\"paths\": \"/a\", \"settle_ms\": 1.5}", "sources[0]", 0,
                 "sources[0].settle_ms", "expected integer >= 0, got 1.5");
    expect_error(file_spec, "{\"paths\": \"/a\", \"settle_ms\": -1}", "sources[0]", 0,
                 "sources[0].settle_ms", "expected integer >= 0, got -1");
    expect_error(action_spec, "{\"command\": \"x\", \"timeout_ms\": \"30s\"}", "rules[1].do[0]", 1,
                 "rules[1].do[0].timeout_ms", "expected integer >= 1, got \"30s\"");
    expect_error(action_spec, "{\"command\": \"x\", \"timeout_ms\": 86400001}", "rules[1].do[0]", 1,
                 "rules[1].do[0].timeout_ms", "expected integer <= 86400000, got 86400001");
    expect_error(file_spec, "{\"paths\": \"/a\", \"recursive\": \"yes\"}", "sources[0]", 0,
                 "sources[0].recursive", "expected true or false, got \"yes\"");
    expect_error(file_spec, "{\"paths\": 5}", "sources[0]", 0,
                 "sources[0].paths", "expected array of strings (or one string), got 5");
    expect_error(file_spec, "{\"paths\": [\"/a\", 3]}", "sources[0]", 0,
                 "sources[0].paths[1]", "expected string, got 3");
    expect_error(action_spec, "{\"command\": \"x\", \"env\": {\"A\": 1}}", "rules[0].do[0]", 1,
                 "rules[0].do[0].env.A", "expected string, got 1");
    expect_error(action_spec, "{\"command\": \"x\", \"env\": \"A=1\"}", "rules[0].do[0]", 1,
                 "rules[0].do[0].env", "expected object with string values, got \"A=1\"");
    expect_error(action_spec, "{\"command\": 5}", "rules[0].do[0]", 1,
                 "rules[0].do[0].command", "expected string, got 5");
    expect_error(action_spec, "{\"command\": \"x\", \"level\": \"loud\"}", "rules[0].do[0]", 1,
                 "rules[0].do[0].level", "expected one of trace|debug|info|warn|error, got \"loud\"");
    expect_error(action_spec, "{\"action\": \"exec\"}", "rules[0].do[0]", 1,
                 "rules[0].do[0].command", "required option missing");
}

static void test_int_beyond_int64(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    assert_null(build(action_spec, "{\"command\": \"x\", \"timeout_ms\": 1e300}", "r", 1, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "r.timeout_ms");
    assert_memory_equal(d.items[0].message, "expected integer >= 1, got ", 27);
    diag_free(&d);
}

/* Every "*_ms" option is a duration the module turns into nanoseconds: the host bounds it to
 * WEE_DURATION_MS_MAX whatever the module declared (2^58 ms made the timer loop forever). */
static void test_durations_are_bounded(void **state)
{
    (void)state;
    static const wee_option_spec spec[] = {
        WEE_OPTION(.name = "wait_ms", .type = WEE_OPT_INT, .min = 1, .max = 0, .description = "no range given"),
        WEE_OPTION(.name = "poll_ms", .type = WEE_OPT_INT, .min = 5, .max = INT64_MAX, .description = "open range"),
        WEE_OPTION(.name = "count", .type = WEE_OPT_INT, .min = 0, .max = INT64_MAX, .description = "not a duration"),
        WEE_OPTION_END
    };
    expect_error(spec, "{\"wait_ms\": 288230376151711744}", "sources[0]", 0, "sources[0].wait_ms",
                 "expected integer <= 31536000000 (365 days), got 288230376151711744");
    expect_error(spec, "{\"wait_ms\": -1}", "sources[0]", 0, "sources[0].wait_ms", "expected integer >= 0, got -1");
    expect_error(spec, "{\"poll_ms\": 9007199254740992}", "sources[0]", 0, "sources[0].poll_ms",
                 "expected integer <= 31536000000 (365 days), got 9007199254740992");
    expect_error(spec, "{\"poll_ms\": 4}", "sources[0]", 0, "sources[0].poll_ms", "expected integer >= 5, got 4");
    options_tree *t = build_ok(spec, "{\"wait_ms\": 31536000000, \"poll_ms\": 5, \"count\": 288230376151711744}", 0);
    const wee_options *o = options_static_view(t);
    assert_true(options_int(o, "wait_ms") == WEE_DURATION_MS_MAX);
    assert_true(options_int(o, "count") == INT64_C(288230376151711744));
    options_tree_free(t);
    int64_t lo, hi;
    assert_int_equal(options_int_range(&spec[0], &lo, &hi), 1);
    assert_true(lo == 0 && hi == WEE_DURATION_MS_MAX);
    assert_int_equal(options_int_range(&spec[2], &lo, &hi), 1);
    assert_true(lo == 0 && hi == INT64_MAX);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error(file_spec, "{\"id\": \"dl\", \"module\": \"file\", \"paths\": \"/a\", \"recursiv\": true}",
                 "sources[0]", 0, "sources[0].recursiv",
                 "unknown option (module \"file\" has: paths, recursive, include, exclude, settle_ms)");
    expect_error(action_spec, "{\"action\": \"exec\", \"command\": \"x\", \"timeout\": 5}", "rules[0].do[1]", 1,
                 "rules[0].do[1].timeout",
                 "unknown option (module \"exec\" has: command, args, env, timeout_ms, level, body, verbose)");
    /* Without a host key naming the module, the known options are still listed. */
    diag_list d = DIAG_INIT;
    cJSON *obj = cJSON_Parse("{\"paths\": \"/a\", \"module\": \"file\"}");
    assert_null(options_build(file_spec, obj, "sources[2]", NULL, 0, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "sources[2].module");
    assert_string_equal(d.items[0].message,
                        "unknown option (known options: paths, recursive, include, exclude, settle_ms)");
    cJSON_Delete(obj);
    diag_free(&d);
}

static void test_errors_are_all_reported(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    assert_null(build(action_spec, "{\"timeout_ms\": 0, \"verbose\": 1, \"x\": 2}", "rules[0].do[0]", 1, &d));
    assert_int_equal(d.count, 4);
    assert_string_equal(d.items[0].path, "rules[0].do[0].x");
    assert_string_equal(d.items[1].path, "rules[0].do[0].command");
    assert_string_equal(d.items[2].message, "expected integer >= 1, got 0");
    assert_string_equal(d.items[3].message, "expected true or false, got 1");
    diag_free(&d);

    assert_null(build(file_spec, "[1]", "sources[0]", 0, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "sources[0]");
    assert_string_equal(d.items[0].message, "expected an object of options, got an array");
    diag_free(&d);
}

static void test_own_keys_skipped(void **state)
{
    (void)state;
    options_tree *t = build_ok(action_spec,
        "{\"id\": \"a1\", \"action\": \"exec\", \"on_error\": \"continue\", \"command\": \"x\"}", 1);
    const wee_options *v = options_static_view(t);
    assert_false(options_has(v, "id"));
    assert_false(options_has(v, "action"));
    assert_null(options_string(v, "on_error"));
    assert_string_equal(options_string(v, "command"), "x");
    options_tree_free(t);
}

static void test_defaults_and_absent(void **state)
{
    (void)state;
    options_tree *t = build_ok(file_spec, "{\"paths\": [\"/a\"], \"recursive\": null}", 0);
    const wee_options *v = options_static_view(t);
    assert_true(options_has(v, "recursive"));
    assert_false(options_bool(v, "recursive"));
    assert_true(options_has(v, "settle_ms"));
    assert_int_equal(options_int(v, "settle_ms"), 200);
    assert_true(options_has(v, "exclude"));
    assert_int_equal(options_list_count(v, "exclude"), 0);
    /* No default and not given: absent, and every accessor says so. */
    assert_false(options_has(v, "include"));
    assert_int_equal(options_list_count(v, "include"), 0);
    assert_null(options_list_at(v, "include", 0));
    assert_null(options_string(v, "include"));
    assert_int_equal(options_int(v, "include"), 0);
    assert_null(options_json(v, "include"));
    assert_false(options_has(v, "no_such_option"));
    options_tree_free(t);

    t = build_ok(action_spec, "{\"command\": \"x\"}", 1);
    v = options_static_view(t);
    assert_string_equal(options_string(v, "level"), "info");
    assert_int_equal(options_int(v, "timeout_ms"), 1000);
    assert_int_equal(options_map_count(v, "env"), 0);
    assert_false(options_has(v, "body"));
    assert_false(options_has(v, "verbose"));
    assert_false(options_bool(v, "verbose"));
    options_tree_free(t);
}

static void test_bad_module_default(void **state)
{
    (void)state;
    static const wee_option_spec broken[] = {
        WEE_OPTION(.name = "n", .type = WEE_OPT_INT, .default_value = "\"ten\"", .min = 0, .max = 10),
        WEE_OPTION_END
    };
    expect_error(broken, "{}", "sources[0]", 0, "sources[0].n",
                 "the module's default value is invalid (a module bug): expected integer >= 0, got \"ten\"");
}

static void test_single_string_is_list_of_one(void **state)
{
    (void)state;
    options_tree *t = build_ok(file_spec, "{\"paths\": \"C:/Users/me/Downloads\"}", 0);
    const wee_options *v = options_static_view(t);
    assert_int_equal(options_list_count(v, "paths"), 1);
    assert_string_equal(options_list_at(v, "paths", 0), "C:/Users/me/Downloads");
    char *json = options_json(v, "paths");
    assert_string_equal(json, "[\"C:/Users/me/Downloads\"]");
    free(json);
    options_tree_free(t);
}

static void test_template_errors_at_their_path(void **state)
{
    (void)state;
    expect_error(action_spec, "{\"command\": \"x\", \"args\": [\"ok\", \"a {{path\"]}", "rules[0].do[0]", 1,
                 "rules[0].do[0].args[1]",
                 "bad template: unclosed '{{' at offset 2 (write '{{{{' for a literal '{{')");
    expect_error(action_spec, "{\"command\": \"x\", \"body\": {\"h\": {\"x\": [1, \"{{}}\"]}}}", "rules[0].do[0]", 1,
                 "rules[0].do[0].body.h.x[1]",
                 "bad template: empty placeholder '{{}}' at offset 0 (expected a field name such as {{path}})");
    expect_error(action_spec, "{\"command\": \"x\", \"env\": {\"P\": \"{{\"}}", "rules[0].do[0]", 1,
                 "rules[0].do[0].env.P",
                 "bad template: unclosed '{{' at offset 0 (write '{{{{' for a literal '{{')");
    /* Untemplated options (sources) take the same text literally. */
    options_tree *t = build_ok(file_spec, "{\"paths\": \"/a/{{\"}", 0);
    assert_string_equal(options_list_at(options_static_view(t), "paths", 0), "/a/{{");
    options_tree_free(t);
}

typedef struct call_fixture {
    wee_event *event;
    wee_event *results;
    options_tree *tree;
} call_fixture;

static int call_setup(void **state)
{
    call_fixture *f = calloc(1, sizeof *f);
    f->event = event_new("file.created");
    event_set_string(f->event, "type", "file.created");
    event_set_string(f->event, "path", "C:\\in\\say \"hi\".txt");
    event_set_string(f->event, "name", "say \"hi\".txt");
    f->results = event_new("results");
    event_set_int(f->results, "exec.exit_code", 7);
    f->tree = build_ok(action_spec,
        "{\"command\": \"{{path}}\", \"args\": [\"--file={{name}}\", \"lit {{{{x}}\", \"{{exec.exit_code}}\"],"
        " \"env\": {\"WHO\": \"{{EVENT_TYPE}}\", \"FIX\": \"fixed\"},"
        " \"body\": {\"file\": \"{{path}}\", \"n\": 2, \"tags\": [\"{{name}}\", false]}}", 1);
    *state = f;
    return 0;
}

static int call_teardown(void **state)
{
    call_fixture *f = *state;
    options_tree_free(f->tree);
    event_unref(f->event);
    event_unref(f->results);
    free(f);
    return 0;
}

static void test_static_view_returns_raw_text(void **state)
{
    call_fixture *f = *state;
    const wee_options *v = options_static_view(f->tree);
    assert_true(options_has_templates(f->tree));
    assert_string_equal(options_string(v, "command"), "{{path}}");
    assert_string_equal(options_list_at(v, "args", 0), "--file={{name}}");
    assert_string_equal(options_list_at(v, "args", 1), "lit {{{{x}}");
    assert_string_equal(options_map_value(v, "env", 0), "{{EVENT_TYPE}}");
    char *body = options_json(v, "body");
    assert_string_equal(body, "{\"file\":\"{{path}}\",\"n\":2,\"tags\":[\"{{name}}\",false]}");
    free(body);
}

static void test_rendering_view(void **state)
{
    call_fixture *f = *state;
    render_ctx ctx = { f->event, f->results };
    wee_options *v = options_view_render(f->tree, &ctx);
    ctx.event = NULL; /* the view keeps its own copy of the context */
    assert_string_equal(options_string(v, "command"), "C:\\in\\say \"hi\".txt");
    assert_string_equal(options_list_at(v, "args", 0), "--file=say \"hi\".txt");
    assert_string_equal(options_list_at(v, "args", 1), "lit {{x}}");
    assert_string_equal(options_list_at(v, "args", 2), "7");
    assert_string_equal(options_map_key(v, "env", 0), "WHO");
    assert_string_equal(options_map_value(v, "env", 0), "file.created");
    assert_string_equal(options_map_value(v, "env", 1), "fixed");
    assert_int_equal(options_int(v, "timeout_ms"), 1000);
    char *body = options_json(v, "body");
    assert_string_equal(body,
        "{\"file\":\"C:\\\\in\\\\say \\\"hi\\\".txt\",\"n\":2,\"tags\":[\"say \\\"hi\\\".txt\",false]}");
    cJSON *parsed = cJSON_Parse(body);
    assert_non_null(parsed);
    assert_string_equal(cJSON_GetObjectItem(parsed, "file")->valuestring, "C:\\in\\say \"hi\".txt");
    cJSON_Delete(parsed);
    free(body);
    char *command = options_json(v, "command");
    assert_string_equal(command, "\"C:\\\\in\\\\say \\\"hi\\\".txt\"");
    free(command);
    options_view_free(v);
    options_view_free((wee_options *)options_static_view(f->tree)); /* a no-op: the tree owns it */
}

static void test_render_cache(void **state)
{
    call_fixture *f = *state;
    render_ctx ctx = { f->event, f->results };
    wee_options *v = options_view_render(f->tree, &ctx);
    const char *first = options_list_at(v, "args", 2);
    assert_string_equal(first, "7");
    /* A second read is served from the view's cache: neither re-rendered nor copied. */
    event_set_int(f->results, "exec.exit_code", 8);
    assert_ptr_equal(options_list_at(v, "args", 2), first);
    assert_string_equal(options_list_at(v, "args", 2), "7");
    char *json = options_json(v, "args");
    assert_string_equal(json, "[\"--file=say \\\"hi\\\".txt\",\"lit {{x}}\",\"7\"]");
    free(json);

    /* A new view renders afresh. */
    wee_options *v2 = options_view_render(f->tree, &ctx);
    assert_string_equal(options_list_at(v2, "args", 2), "8");
    /* Literal strings are stored once in the tree and shared by every view. */
    assert_ptr_equal(options_map_value(v, "env", 1), options_map_value(v2, "env", 1));
    assert_ptr_equal(options_map_value(v, "env", 1), options_map_value(options_static_view(f->tree), "env", 1));
    assert_ptr_equal(options_list_at(v, "args", 1), options_list_at(v2, "args", 1));
    options_view_free(v2);
    options_view_free(v);
}

/* The --describe line of option `name` (lines start with two spaces and the name). */
static void option_line(const char *text, const char *name, char *line, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        if (!end) break;
        if (strncmp(p, "  ", 2) == 0 && strncmp(p + 2, name, n) == 0 && p[2 + n] == ' ') {
            snprintf(line, size, "%.*s", (int)(end - p), p);
            return;
        }
        p = end + 1;
    }
    fail_msg("no --describe line for %s in:\n%s", name, text);
}

static void test_describe(void **state)
{
    (void)state;
    /* A real file rather than tmpfile(): the Windows CRT puts tmpfile() in the drive root. */
    char *dir = test_make_temp_dir("describe");
    char *path = test_path_join(dir, "describe.txt");
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    options_describe(action_spec, out);
    fclose(out);
    char *text = test_read_file(path);
    assert_non_null(text);
    test_remove_tree(dir);
    free(path);
    free(dir);
    size_t lines = 0;
    for (const char *p = text; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 1 + 7); /* header + one line per option */
    char line[256];
    option_line(text, "command", line, sizeof line);
    assert_non_null(strstr(line, " string "));
    assert_non_null(strstr(line, " - "));
    assert_non_null(strstr(line, " required "));
    assert_non_null(strstr(line, "program to run"));
    option_line(text, "timeout_ms", line, sizeof line);
    assert_non_null(strstr(line, " integer "));
    assert_non_null(strstr(line, " 1000 "));
    assert_non_null(strstr(line, " optional "));
    assert_non_null(strstr(line, "time limit (range 1..86400000)"));
    option_line(text, "level", line, sizeof line);
    assert_non_null(strstr(line, " \"info\" "));
    assert_non_null(strstr(line, "log level (one of: trace|debug|info|warn|error)"));
    option_line(text, "args", line, sizeof line);
    assert_non_null(strstr(line, " list of strings "));
    option_line(text, "env", line, sizeof line);
    assert_non_null(strstr(line, " map of strings "));
    option_line(text, "verbose", line, sizeof line);
    assert_non_null(strstr(line, " boolean "));
    option_line(text, "body", line, sizeof line);
    assert_non_null(strstr(line, " json "));
    free(text);
}

/* One tree, one rendering view per thread, each thread with its own event: no view may see another's. */
typedef struct render_worker {
    const options_tree *tree;
    char path[32];
    int mismatches;
} render_worker;

static void render_many(void *arg)
{
    render_worker *w = arg;
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", w->path);
    event_set_string(ev, "name", w->path + 1);
    char expected_body[128];
    snprintf(expected_body, sizeof expected_body, "{\"file\":\"%s\",\"n\":2,\"tags\":[\"%s\",false]}", w->path,
             w->path + 1);
    for (int i = 0; i < 300; i++) {
        render_ctx ctx = { ev, NULL };
        wee_options *v = options_view_render(w->tree, &ctx);
        char *body = options_json(v, "body");
        if (strcmp(options_string(v, "command"), w->path) != 0) w->mismatches++;
        if (!body || strcmp(body, expected_body) != 0) w->mismatches++;
        free(body);
        options_view_free(v);
    }
    event_unref(ev);
}

static void test_views_on_many_threads(void **state)
{
    call_fixture *f = *state;
    enum { THREADS = 4 };
    render_worker workers[THREADS];
    plat_thread threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].tree = f->tree;
        snprintf(workers[i].path, sizeof workers[i].path, "/worker%d", i);
        assert_int_equal(plat_thread_start(&threads[i], render_many, &workers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) plat_thread_join(&threads[i]);
    for (int i = 0; i < THREADS; i++) assert_int_equal(workers[i].mismatches, 0);
}

/* A module built against a newer SDK has a bigger wee_option_spec; the host steps by struct_size. */
typedef struct bigger_spec {
    wee_option_spec spec;
    int64_t field_from_the_future;
} bigger_spec;

static void test_struct_size_stride(void **state)
{
    (void)state;
    static bigger_spec table[3];
    table[0].spec = (wee_option_spec){ .struct_size = sizeof(bigger_spec), .name = "a", .type = WEE_OPT_INT,
                                       .default_value = "5", .min = 1, .max = 0 };
    table[0].field_from_the_future = -1;
    table[1].spec = (wee_option_spec){ .struct_size = sizeof(bigger_spec), .name = "b", .type = WEE_OPT_STRING };
    table[2].spec = (wee_option_spec){ .struct_size = sizeof(bigger_spec), .name = NULL };
    const wee_option_spec *first = &table[0].spec;
    const wee_option_spec *s = options_spec_next(first, NULL);
    assert_string_equal(s->name, "a");
    s = options_spec_next(first, s);
    assert_string_equal(s->name, "b");
    assert_null(options_spec_next(first, s));

    /* min > max: no range check. */
    options_tree *t = build_ok(first, "{\"a\": -40, \"b\": \"x\"}", 0);
    assert_int_equal(options_int(options_static_view(t), "a"), -40);
    assert_string_equal(options_string(options_static_view(t), "b"), "x");
    options_tree_free(t);
}

/* ---- ABI 1.3: bindings, list choices, nested objects, expect / non-empty ---- */

typedef struct bound {
    const char *name;
    int64_t count;
    int enabled;
    wee_opt_list paths;
    wee_opt_map env;
    int mode;          /* index in "auto|poll|off" */
    uint32_t events;   /* bits of "created|modified|deleted" */
    const char *unset; /* no default: stays as the caller set it */
    int64_t depth;     /* from the nested "limits" object */
    const char *label; /* nested, default */
} bound;

static const wee_option_spec limits_spec[] = {
    WEE_OPTION(.name = "depth", .type = WEE_OPT_INT, .min = 1, .max = 9, .default_value = "3", WEE_BIND(bound, depth)),
    WEE_OPTION(.name = "label", .type = WEE_OPT_STRING, .default_value = "\"deep\"", WEE_BIND(bound, label)),
    WEE_OPTION_END
};

static const wee_option_spec bound_spec[] = {
    WEE_OPTION(.name = "name", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NONEMPTY, WEE_BIND(bound, name)),
    WEE_OPTION(.name = "count", .type = WEE_OPT_INT, .min = 1, .max = 0 /* unranged */, .default_value = "7",
               WEE_BIND(bound, count)),
    WEE_OPTION(.name = "enabled", .type = WEE_OPT_BOOL, .default_value = "true", WEE_BIND(bound, enabled)),
    WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, .expect = "a folder", .flags = WEE_OPTF_NONEMPTY,
               WEE_BIND(bound, paths)),
    WEE_OPTION(.name = "env", .type = WEE_OPT_STRING_MAP, WEE_BIND(bound, env)),
    WEE_OPTION(.name = "mode", .type = WEE_OPT_STRING, .choices = "auto|poll|off", .default_value = "\"auto\"",
               WEE_BIND_INDEX(bound, mode)),
    WEE_OPTION(.name = "events", .type = WEE_OPT_STRING_LIST, .choices = "created|modified|deleted",
               WEE_BIND_INDEX(bound, events)),
    WEE_OPTION(.name = "unset", .type = WEE_OPT_STRING, WEE_BIND(bound, unset)),
    WEE_OPTION(.name = "limits", .type = WEE_OPT_OBJECT, .fields = limits_spec, WEE_BIND_FIELDS),
    WEE_OPTION(.name = "raw", .type = WEE_OPT_JSON), /* unbound: read with opt_json as before */
    WEE_OPTION_END
};

static void test_bind_every_kind(void **state)
{
    (void)state;
    options_tree *t = build_ok(bound_spec, "{\"name\": \"n\", \"enabled\": false, \"paths\": [\"/a\", \"/b\"], "
                                           "\"env\": {\"K\": \"V\"}, \"mode\": \"poll\", \"events\": [\"deleted\", "
                                           "\"created\"], \"limits\": {\"depth\": 5}}", 0);
    bound b;
    memset(&b, 0, sizeof b);
    b.unset = "preset";
    assert_int_equal(wee_opt_bind(host_api_get(), options_static_view(t), bound_spec, &b), 0);
    assert_string_equal(b.name, "n");
    assert_int_equal(b.count, 7);
    assert_int_equal(b.enabled, 0);
    assert_int_equal(b.paths.count, 2);
    assert_string_equal(wee_list_at(&b.paths, 0), "/a");
    assert_string_equal(wee_list_at(&b.paths, 1), "/b");
    assert_null(wee_list_at(&b.paths, 2));
    assert_int_equal(b.env.count, 1);
    assert_string_equal(wee_map_key(&b.env, 0), "K");
    assert_string_equal(wee_map_value(&b.env, 0), "V");
    assert_int_equal(b.mode, 1);
    assert_int_equal(b.events, (1u << 2) | (1u << 0));
    assert_string_equal(b.unset, "preset");
    assert_int_equal(b.depth, 5);
    assert_string_equal(b.label, "deep"); /* a nested default */
    /* One entry alone: only its field is written. */
    memset(&b, 0, sizeof b);
    assert_string_equal(bound_spec[5].name, "mode");
    assert_int_equal(wee_opt_bind_one(host_api_get(), options_static_view(t), &bound_spec[5], &b), 0);
    assert_int_equal(b.mode, 1);
    assert_null(b.name);
    assert_int_equal(b.count, 0);
    options_tree_free(t);

    /* Absent: defaults bound, a choice index -1 / empty bit set, the nested object's defaults. */
    t = build_ok(bound_spec, "{\"mode\": null}", 0);
    memset(&b, 0xff, sizeof b);
    b.name = "preset";
    assert_int_equal(wee_opt_bind(host_api_get(), options_static_view(t), bound_spec, &b), 0);
    assert_string_equal(b.name, "preset");
    assert_int_equal(b.mode, 0); /* null = the default, "auto" */
    assert_int_equal(b.events, 0);
    assert_int_equal(b.paths.count, 0);
    assert_int_equal(b.depth, 3);
    assert_int_equal(options_object_count(options_static_view(t), "limits"), 1);
    options_tree_free(t);
}

/* JSON options and object lists bind as handles; a choice binding on an option without choices is a
 * table bug, reported while the rest is still bound. */
static void test_bind_handles_and_table_bugs(void **state)
{
    (void)state;
    typedef struct { wee_opt_list json, items, none; int64_t n; int bad; } s_t;
    static const wee_option_spec item_spec[] = {
        WEE_OPTION(.name = "k", .type = WEE_OPT_STRING),
        WEE_OPTION_END
    };
    static const wee_option_spec spec[] = {
        WEE_OPTION(.name = "j", .type = WEE_OPT_JSON, WEE_BIND(s_t, json)),
        WEE_OPTION(.name = "items", .type = WEE_OPT_OBJECT_LIST, .fields = item_spec, WEE_BIND(s_t, items)),
        WEE_OPTION(.name = "none", .type = WEE_OPT_JSON, WEE_BIND(s_t, none)),
        WEE_OPTION(.name = "n", .type = WEE_OPT_INT, .min = 0, .max = 9, WEE_BIND(s_t, n)),
        WEE_OPTION(.name = "bad", .type = WEE_OPT_INT, .min = 0, .max = 9, WEE_BIND_INDEX(s_t, bad)),
        WEE_OPTION_END
    };
    options_tree *t = build_ok(spec, "{\"j\": {\"a\": [1, \"x\"]}, \"items\": [{\"k\": \"v0\"}, {\"k\": \"v1\"}], "
                                     "\"n\": 4, \"bad\": 1}", 0);
    s_t v;
    memset(&v, 0, sizeof v);
    assert_int_equal(wee_opt_bind(host_api_get(), options_static_view(t), spec, &v), WEE_EINVAL);
    char *text = wee_json(&v.json);
    assert_string_equal(text, "{\"a\":[1,\"x\"]}");
    free(text); /* options_json's contract: free() */
    assert_int_equal(v.none.count, 0);
    assert_null(wee_json(&v.none));
    assert_int_equal(v.items.count, 2);
    assert_string_equal(options_string(wee_object_at(&v.items, 1), "k"), "v1");
    assert_null(wee_object_at(&v.items, 2));
    assert_int_equal(v.n, 4); /* the others are bound all the same */
    assert_int_equal(v.bad, 0);
    options_tree_free(t);
}

static void test_list_choices_nested_and_nonempty_errors(void **state)
{
    (void)state;
    expect_error(bound_spec, "{\"events\": [\"created\", \"moved\"]}", "sources[0]", 0, "sources[0].events[1]",
                 "expected one of created|modified|deleted, got \"moved\"");
    expect_error(bound_spec, "{\"events\": \"moved\"}", "sources[0]", 0, "sources[0].events",
                 "expected one of created|modified|deleted, got \"moved\"");
    expect_error(bound_spec, "{\"name\": \"\"}", "sources[0]", 0, "sources[0].name", "expected non-empty string, got \"\"");
    expect_error(bound_spec, "{\"paths\": [\"/a\", \"\"]}", "sources[0]", 0, "sources[0].paths[1]",
                 "expected a folder, got \"\"");
    expect_error(bound_spec, "{\"paths\": [3]}", "sources[0]", 0, "sources[0].paths[0]", "expected a folder, got 3");
    expect_error(bound_spec, "{\"limits\": {\"depth\": 10}}", "sources[0]", 0, "sources[0].limits.depth",
                 "expected integer <= 9, got 10");
    expect_error(bound_spec, "{\"limits\": {\"width\": 1}}", "sources[0]", 0, "sources[0].limits.width",
                 "unknown option (known options: depth, label)");
    expect_error(bound_spec, "{\"limits\": [1]}", "sources[0]", 0, "sources[0].limits", "expected object, got an array");
}

/* A table that contains itself (a module bug) is refused, not recursed into for ever. */
extern const wee_option_spec self_spec[]; /* static would be an incomplete tentative definition */
const wee_option_spec self_spec[] = {
    WEE_OPTION(.name = "again", .type = WEE_OPT_OBJECT, .fields = self_spec),
    WEE_OPTION_END
};

static void test_self_nested_table_refused(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    cJSON *obj = cJSON_Parse("{}");
    assert_null(options_build(self_spec, obj, "sources[0]", NULL, 0, &d));
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].message, "nested more than 64 levels deep"));
    diag_free(&d);
    cJSON_Delete(obj);
}

/* The host's own sections: same table kind, the host config's wording. */
static void test_section_wording(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    cJSON *obj = cJSON_Parse("{\"count\": 99, \"limits\": {\"depth\": 0, \"x\": 1}, \"nope\": 1}");
    static const wee_option_spec spec[] = {
        WEE_OPTION(.name = "count", .type = WEE_OPT_INT, .min = 0, .max = 10),
        WEE_OPTION(.name = "limits", .type = WEE_OPT_OBJECT, .fields = limits_spec),
        WEE_OPTION_END
    };
    /* A section comes back despite its errors, the wrong values replaced by their defaults. */
    options_tree *t = options_build_section(spec, obj, "engine", &d);
    assert_non_null(t);
    assert_false(options_has(options_static_view(t), "count")); /* wrong and without a default */
    assert_int_equal(options_int(options_object_at(options_static_view(t), "limits", 0), "depth"), 3);
    options_tree_free(t);
    assert_int_equal(d.count, 4);
    assert_string_equal(d.items[0].path, "engine.nope");
    assert_string_equal(d.items[0].message, "unknown key (allowed here: count, limits)");
    assert_string_equal(d.items[1].path, "engine.count");
    assert_string_equal(d.items[1].message, "expected integer 0..10, got 99");
    assert_string_equal(d.items[2].path, "engine.limits.x");
    assert_string_equal(d.items[2].message, "unknown key (allowed here: depth, label)");
    assert_string_equal(d.items[3].path, "engine.limits.depth");
    assert_string_equal(d.items[3].message, "expected integer 1..9, got 0");
    diag_free(&d);
    cJSON_Delete(obj);
}

/* A table built against ABI 1.2 or 1.0 (smaller struct_size, stepped by it) validates exactly as before:
 * choices on a list are not checked, the 1.3 flag bits mean nothing, type 8 is unknown. */
static wee_option_spec *older_table(const wee_option_spec *spec, size_t size, void **mem)
{
    size_t n = 0;
    while (spec[n].name) n++;
    char *buf = calloc(n + 1, size);
    assert_non_null(buf);
    for (size_t i = 0; i <= n; i++) {
        wee_option_spec one = spec[i];
        one.struct_size = (uint32_t)size;
        memcpy(buf + i * size, &one, size);
    }
    *mem = buf;
    return (wee_option_spec *)(void *)buf;
}

static void test_older_tables_validate_as_before(void **state)
{
    (void)state;
    static const wee_option_spec spec[] = {
        WEE_OPTION(.name = "events", .type = WEE_OPT_STRING_LIST, .choices = "created|deleted"),
        WEE_OPTION(.name = "name", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NONEMPTY | WEE_OPTF_WATCHED_FILE),
        WEE_OPTION(.name = "level", .type = WEE_OPT_STRING, .choices = "a|b"),
        WEE_OPTION_END
    };
    const size_t sizes[] = { offsetof(wee_option_spec, expect) /* 1.2 */, offsetof(wee_option_spec, fields) /* 1.1 */,
                             offsetof(wee_option_spec, flags) /* 1.0 */ };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void *mem;
        const wee_option_spec *old = older_table(spec, sizes[k], &mem);
        assert_false(options_spec_is_1_3(old));
        options_tree *t = build_ok(old, "{\"events\": [\"moved\"], \"name\": \"\"}", 0);
        assert_string_equal(options_list_at(options_static_view(t), "events", 0), "moved");
        options_tree_free(t);
        /* A string's choices were always checked. */
        expect_error(old, "{\"level\": \"c\"}", "sources[0]", 0, "sources[0].level", "expected one of a|b, got \"c\"");
        /* Nothing is bound from a table that has no binding fields. */
        bound b;
        memset(&b, 0, sizeof b);
        t = build_ok(old, "{\"name\": \"x\"}", 0);
        assert_int_equal(wee_opt_bind(host_api_get(), options_static_view(t), old, &b), 0);
        assert_null(b.name);
        options_tree_free(t);
        free(mem);
    }
    /* Type 8 (WEE_OPT_OBJECT) in a 1.2 table is unknown, as it was. */
    static const wee_option_spec obj[] = {
        WEE_OPTION(.name = "limits", .type = WEE_OPT_OBJECT, .fields = limits_spec),
        WEE_OPTION_END
    };
    void *mem;
    const wee_option_spec *old = older_table(obj, offsetof(wee_option_spec, expect), &mem);
    expect_error(old, "{\"limits\": {}}", "sources[0]", 0, "sources[0].limits",
                 "the module declares this option with unknown type 8");
    free(mem);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_type_accepted),
        cmocka_unit_test(test_each_type_rejected),
        cmocka_unit_test(test_int_beyond_int64),
        cmocka_unit_test(test_durations_are_bounded),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_errors_are_all_reported),
        cmocka_unit_test(test_own_keys_skipped),
        cmocka_unit_test(test_defaults_and_absent),
        cmocka_unit_test(test_bad_module_default),
        cmocka_unit_test(test_single_string_is_list_of_one),
        cmocka_unit_test(test_template_errors_at_their_path),
        cmocka_unit_test_setup_teardown(test_static_view_returns_raw_text, call_setup, call_teardown),
        cmocka_unit_test_setup_teardown(test_rendering_view, call_setup, call_teardown),
        cmocka_unit_test_setup_teardown(test_render_cache, call_setup, call_teardown),
        cmocka_unit_test_setup_teardown(test_views_on_many_threads, call_setup, call_teardown),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_struct_size_stride),
        cmocka_unit_test(test_bind_every_kind),
        cmocka_unit_test(test_bind_handles_and_table_bugs),
        cmocka_unit_test(test_list_choices_nested_and_nonempty_errors),
        cmocka_unit_test(test_section_wording),
        cmocka_unit_test(test_self_nested_table_refused),
        cmocka_unit_test(test_older_tables_validate_as_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
