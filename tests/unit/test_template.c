/*
 * template: the Rust original's aliases, the "event." prefix, results shadowing the event, missing
 * fields, "{{{{" escapes, whitespace inside braces, and compile errors with their offsets.
 */
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "module_fields.h"
#include "event.h"
#include "template.h"

typedef struct fixture {
    wee_event *event;
    wee_event *results;
    render_ctx ctx;
    strbuf out;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->event = event_new("file.renamed");
    event_set_string(f->event, "type", "file.renamed");
    event_set_string(f->event, "path", "/in/new.txt");
    event_set_string(f->event, "name", "new.txt");
    event_set_string(f->event, "dir", "/in");
    event_set_string(f->event, "old_path", "/in/old.txt");
    event_set_string(f->event, "source", "downloads");
    event_set_string(f->event, "time", "2026-01-02T03:04:05Z");
    event_set_int(f->event, "pid", 4242);
    event_set_string(f->event, "process", "explorer.exe");
    event_set_string(f->event, "title", "Downloads");
    f->results = event_new("results");
    f->ctx.event = f->event;
    f->ctx.results = f->results;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    event_unref(f->event);
    event_unref(f->results);
    strbuf_free(&f->out);
    free(f);
    return 0;
}

/* Compiles text (which must be valid), renders it against the fixture and returns the output. */
static const char *render(fixture *f, const char *text)
{
    char err[128] = "";
    template *t = template_compile(text, err, sizeof err);
    if (!t) fail_msg("compile \"%s\": %s", text, err);
    strbuf_reset(&f->out);
    template_render(t, &f->ctx, &f->out);
    template_free(t);
    return strbuf_cstr(&f->out);
}

static void test_plain_fields(void **state)
{
    fixture *f = *state;
    assert_string_equal(render(f, "{{path}}"), "/in/new.txt");
    assert_string_equal(render(f, "moved {{old_path}} -> {{path}}!"), "moved /in/old.txt -> /in/new.txt!");
    assert_string_equal(render(f, "pid={{pid}}"), "pid=4242");
    assert_string_equal(render(f, "{{ path }}|{{\tname\t}}"), "/in/new.txt|new.txt");
}

static void test_aliases(void **state)
{
    fixture *f = *state;
    static const char *const cases[][2] = {
        { "{{EVENT_PATH}}", "/in/new.txt" },   { "{{FILENAME}}", "new.txt" },
        { "{{DIRECTORY}}", "/in" },            { "{{OLD_PATH}}", "/in/old.txt" },
        { "{{EVENT_TYPE}}", "file.renamed" },  { "{{EVENT_SOURCE}}", "downloads" },
        { "{{TIMESTAMP}}", "2026-01-02T03:04:05Z" }, { "{{PID}}", "4242" },
        { "{{PROCESS_NAME}}", "explorer.exe" }, { "{{WINDOW_TITLE}}", "Downloads" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(render(f, cases[i][0]), cases[i][1]);
    /* Aliases are exact names, not case-folded field names. */
    assert_string_equal(render(f, "[{{filename}}]"), "[]");
    assert_string_equal(template_lookup(&f->ctx, "FILENAME"), "new.txt");
    assert_string_equal(template_lookup(&f->ctx, "event.FILENAME"), "new.txt");
}

static void test_event_prefix(void **state)
{
    fixture *f = *state;
    assert_string_equal(render(f, "{{event.path}} {{event.name}}"), "/in/new.txt new.txt");
    assert_string_equal(template_lookup(&f->ctx, "event.dir"), "/in");
    assert_null(template_lookup(&f->ctx, "event.nothing"));
}

static void test_results_before_event(void **state)
{
    fixture *f = *state;
    event_set_string(f->results, "path", "/from/results");
    event_set_int(f->results, "exec.exit_code", 3);
    assert_string_equal(render(f, "{{path}} {{exec.exit_code}}"), "/from/results 3");
    assert_string_equal(render(f, "{{EVENT_PATH}}"), "/from/results");
    assert_string_equal(template_lookup(&f->ctx, "path"), "/from/results");
    /* Without results the event answers. */
    render_ctx only_event = { f->event, NULL };
    assert_string_equal(template_lookup(&only_event, "path"), "/in/new.txt");
    assert_null(template_lookup(&only_event, "exec.exit_code"));
}

static void test_missing_field_renders_empty(void **state)
{
    fixture *f = *state;
    assert_string_equal(render(f, "a{{nope}}b{{http.status}}c"), "abc");
    assert_null(template_lookup(&f->ctx, "nope"));
    assert_null(template_lookup(NULL, "path"));
    render_ctx empty = { NULL, NULL };
    assert_string_equal(render(f, "x{{path}}y"), "x/in/new.txty");
    f->ctx = empty;
    assert_string_equal(render(f, "x{{path}}y"), "xy");
}

static void test_type_of_unstamped_event(void **state)
{
    fixture *f = *state;
    wee_event *raw = event_new("window.focused"); /* no "type" field: never went through emit */
    render_ctx ctx = { raw, NULL };
    char err[64];
    template *t = template_compile("{{type}}/{{EVENT_TYPE}}", err, sizeof err);
    assert_non_null(t);
    strbuf_reset(&f->out);
    template_render(t, &ctx, &f->out);
    assert_string_equal(strbuf_cstr(&f->out), "window.focused/window.focused");
    template_free(t);
    event_unref(raw);
}

static void test_escapes_and_literals(void **state)
{
    fixture *f = *state;
    assert_string_equal(render(f, "{{{{path}}"), "{{path}}");
    assert_string_equal(render(f, "a {{{{ b }} c"), "a {{ b }} c");
    assert_string_equal(render(f, "{{{{{{name}}"), "{{new.txt");
    assert_string_equal(render(f, "{ } }} {x}"), "{ } }} {x}");
    assert_string_equal(render(f, ""), "");

    char err[64];
    template *t = template_compile("lit {{{{x}}", err, sizeof err);
    assert_non_null(t);
    assert_true(template_is_literal(t));
    assert_string_equal(template_source(t), "lit {{{{x}}");
    template_free(t);
    t = template_compile("{{path}}", err, sizeof err);
    assert_false(template_is_literal(t));
    template_free(t);
}

static void test_render_appends(void **state)
{
    fixture *f = *state;
    char err[64];
    template *t = template_compile("-{{name}}", err, sizeof err);
    strbuf_reset(&f->out);
    strbuf_puts(&f->out, "start");
    template_render(t, &f->ctx, &f->out);
    template_render(t, &f->ctx, &f->out);
    assert_string_equal(strbuf_cstr(&f->out), "start-new.txt-new.txt");
    template_free(t);
}

static void expect_error(const char *text, const char *message_start)
{
    char err[160] = "";
    template *t = template_compile(text, err, sizeof err);
    if (t) fail_msg("\"%s\" compiled", text);
    if (strncmp(err, message_start, strlen(message_start)) != 0)
        fail_msg("\"%s\": got \"%s\", expected it to start with \"%s\"", text, err, message_start);
}

static void test_compile_errors(void **state)
{
    (void)state;
    expect_error("abc {{path", "unclosed '{{' at offset 4");
    expect_error("{{path}} and {{", "unclosed '{{' at offset 13");
    expect_error("x{{}}", "empty placeholder '{{}}' at offset 1");
    expect_error("x{{   }}y", "empty placeholder '{{}}' at offset 1");
    expect_error("{{pa th}}", "invalid field name 'pa th' at offset 0");
    expect_error("{{{path}}}", "invalid field name '{path' at offset 0");
    /* A NULL error buffer is allowed. */
    assert_null(template_compile("{{", NULL, 0));
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_before_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_field_renders_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_of_unstamped_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes_and_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_appends, setup, teardown),
        cmocka_unit_test(test_compile_errors),
    };
    module_fields_load(); /* the traits the host gets from the modules it loads */
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
