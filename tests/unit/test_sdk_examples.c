/*
 * test_sdk_examples - the SDK example modules (built from sdk/include alone) load and work with the
 * real host table: the counter source emits ticks on schedule and stops promptly, declares its fields
 * (ABI 1.3) and marks its ticks as caused by the engine when told to; the echo action renders,
 * publishes and logs its text, and notes the file it appends to as the engine's own write.
 * Needs the targets example_counter_source and example_echo_action built first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "action_call.h"
#include "event.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "util/diag.h"
#include "wee/wee.h"

static char g_example_dir[1100];

static const wee_module_desc *load_example(const char *file, void **lib)
{
    char path[1300], err[256];
    snprintf(path, sizeof path, "%s%s%s%s", g_example_dir, plat_path_sep(), file, plat_dl_suffix());
    *lib = plat_dl_open(path, err, sizeof err);
    if (!*lib) fail_msg("cannot load %s: %s (build the target example_%s first)", path, err, file);
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(*lib, WEE_ENTRY_SYMBOL);
    assert_non_null(entry);
    const wee_module_desc *d = entry();
    assert_non_null(d);
    assert_true(d->struct_size >= WEE_MODULE_DESC_MIN_SIZE);
    assert_int_equal(d->abi_version, WEE_ABI_VERSION);
    return d;
}

static const char *const own_keys[] = { "id", "module", "action", NULL };

static options_tree *build_options(const wee_module_desc *d, const char *json, int templated)
{
    diag_list diags = DIAG_INIT;
    cJSON *obj = cJSON_Parse(json);
    assert_non_null(obj);
    options_tree *t = options_build(d->options, obj, "test", own_keys, templated, &diags);
    if (!t) diag_print(&diags, "test", stderr);
    diag_free(&diags);
    cJSON_Delete(obj);
    assert_non_null(t);
    return t;
}

static int has_option(const wee_module_desc *d, const char *name)
{
    for (const wee_option_spec *s = options_spec_next(d->options, NULL); s; s = options_spec_next(d->options, s))
        if (strcmp(s->name, name) == 0) return 1;
    return 0;
}

/* --- counter source --- */
typedef struct tick_sink {
    atomic_int events;
    atomic_int out_of_order;   /* count field not 1, 2, 3, ... or wrong type/name */
    atomic_int emitted_after_stop;
    atomic_int stopped;
    int want_engine;           /* the by_engine mark every tick must carry */
} tick_sink;

static int count_tick(struct wee_source *src, wee_event *ev)
{
    tick_sink *sink = src->emit_ctx;
    if (atomic_load(&sink->stopped)) atomic_fetch_add(&sink->emitted_after_stop, 1);
    int n = atomic_fetch_add(&sink->events, 1) + 1;
    if (strcmp(event_type(ev), "example.tick") != 0 || event_get_int(ev, "count", -1) != n ||
        strcmp(event_get_string(ev, "name") ? event_get_string(ev, "name") : "", "t") != 0 ||
        strcmp(event_get_string(ev, "source") ? event_get_string(ev, "source") : "", "ticks") != 0 ||
        ev->by_engine != sink->want_engine || event_get_bool(ev, "by_engine", -1) != sink->want_engine)
        atomic_fetch_add(&sink->out_of_order, 1);
    event_free(ev);
    return 0;
}

static void run_counter(const char *options_json, int want_engine)
{
    void *lib;
    const wee_module_desc *d = load_example("counter_source", &lib);
    assert_string_equal(d->name, "counter");
    assert_int_equal(d->kind, WEE_MODULE_SOURCE);
    assert_true(has_option(d, "interval_ms") && has_option(d, "name"));
    assert_non_null(d->event_types);
    assert_string_equal(d->event_types[0], "example.tick");

    options_tree *opts = build_options(d, options_json, 0);
    tick_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.want_engine = want_engine;
    struct wee_source src;
    memset(&src, 0, sizeof src);
    src.id = "ticks";
    src.emit = count_tick;
    src.emit_ctx = &sink;

    void *inst = NULL;
    char err[256] = "";
    assert_int_equal(d->source_create(host_api_get(), &src, options_static_view(opts), &inst, err, sizeof err), 0);
    uint64_t t0 = plat_monotonic_ns();
    assert_int_equal(d->source_start(inst, err, sizeof err), 0);
    plat_sleep_ms(1200);
    uint64_t before_stop = plat_monotonic_ns();
    d->source_stop(inst);
    uint64_t stop_ms = (plat_monotonic_ns() - before_stop) / 1000000u;
    atomic_store(&sink.stopped, 1);
    uint64_t ran_ms = (before_stop - t0) / 1000000u;
    plat_sleep_ms(250); /* a tick after stop would land in here */
    d->source_destroy(inst);

    int n = atomic_load(&sink.events);
    /* ~12 ticks in 1.2 s; loose bounds for a loaded CI machine, tight enough to catch a wrong unit. */
    assert_true(n >= 6);
    assert_true((uint64_t)n <= ran_ms / 100 + 1);
    assert_int_equal(atomic_load(&sink.out_of_order), 0);
    assert_int_equal(atomic_load(&sink.emitted_after_stop), 0);
    assert_true(stop_ms < 1000); /* stop wakes the thread instead of waiting out a tick */
    assert_int_equal((int)atomic_load(&src.emitted), n);

    options_tree_free(opts);
    plat_dl_close(lib);
}

static void test_counter_source_ticks_until_stopped(void **state)
{
    (void)state;
    run_counter("{\"interval_ms\": 100, \"name\": \"t\"}", 0);
}

/* Engine origin (ABI 1.3): host->origin_mark sets the flag the dispatcher reads and the field rules see. */
static void test_counter_source_marks_engine_origin(void **state)
{
    (void)state;
    run_counter("{\"interval_ms\": 100, \"name\": \"t\", \"engine_owned\": true}", 1);
}

/* Field traits (ABI 1.3): the descriptor lists the fields with the traits the host compares them by. */
static void test_counter_source_declares_fields(void **state)
{
    (void)state;
    void *lib;
    const wee_module_desc *d = load_example("counter_source", &lib);
    assert_non_null(d->fields);
    const wee_field_spec *name = NULL, *count = NULL;
    for (const wee_field_spec *f = d->fields; f->name; f = (const wee_field_spec *)(const void *)((const char *)f + f->struct_size)) {
        if (strcmp(f->name, "name") == 0) name = f;
        if (strcmp(f->name, "count") == 0) count = f;
    }
    assert_non_null(name);
    assert_non_null(count);
    assert_int_equal(name->traits, WEE_FIELD_CASELESS_ON_WINDOWS);
    assert_int_equal(count->traits, 0);
    plat_dl_close(lib);
}

static void test_counter_source_defaults(void **state)
{
    void *lib;
    const wee_module_desc *d = load_example("counter_source", &lib);
    options_tree *opts = build_options(d, "{}", 0);
    const wee_options *v = options_static_view(opts);
    assert_int_equal(options_int(v, "interval_ms"), 1000);
    assert_string_equal(options_string(v, "name"), "counter");
    assert_false(options_bool(v, "engine_owned"));
    options_tree_free(opts);

    diag_list diags = DIAG_INIT;
    cJSON *bad = cJSON_Parse("{\"interval_ms\": 0}");
    assert_null(options_build(d->options, bad, "test", own_keys, 0, &diags)); /* below min 1 */
    assert_true(diags.count > 0);
    diag_free(&diags);
    cJSON_Delete(bad);
    plat_dl_close(lib);
}

/* --- echo action --- */
static void test_echo_action_publishes_rendered_text(void **state)
{
    void *lib;
    const wee_module_desc *d = load_example("echo_action", &lib);
    assert_string_equal(d->name, "echo");
    assert_int_equal(d->kind, WEE_MODULE_ACTION);
    assert_true(has_option(d, "text"));

    options_tree *opts = build_options(d, "{\"text\": \"saw {{path}} ({{type}})\"}", 1);
    void *inst = NULL;
    char err[256] = "";
    assert_int_equal(d->action_create(host_api_get(), options_static_view(opts), &inst, err, sizeof err), 0);

    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", "/in/a b.txt");
    host_api_stamp(ev, "downloads");
    wee_event *results = event_new("results");
    struct wee_action_call call;
    action_call_init(&call, opts, ev, results, d->name, "echo-rule", 0);
    assert_int_equal(d->action_run(inst, &call), 0);
    action_call_finish(&call);
    assert_string_equal(event_get_string(results, "echo.text"), "saw /in/a b.txt (file.created)");

    d->action_destroy(inst);
    event_free(ev);
    event_free(results);
    options_tree_free(opts);
    plat_dl_close(lib);
}

/* With `file`, the line is appended there and the host knows the engine wrote it, so the file source
 * marks the change it reports (host->origin_path_written). */
static void test_echo_action_appends_and_notes_file(void **state)
{
    (void)state;
    void *lib;
    const wee_module_desc *d = load_example("echo_action", &lib);
    char *dir = test_make_temp_dir("echo_file"), real[1024];
    assert_int_equal(plat_realpath(dir, real, sizeof real), 0);
    char *file = test_path_join(real, "echo.txt");
    char json[1400];
    cJSON *s = cJSON_CreateString(file);
    char *quoted = cJSON_PrintUnformatted(s);
    snprintf(json, sizeof json, "{\"text\": \"saw {{path}}\", \"file\": %s}", quoted);
    cJSON_free(quoted);
    cJSON_Delete(s);
    options_tree *opts = build_options(d, json, 1);
    void *inst = NULL;
    char err[256] = "";
    assert_int_equal(d->action_create(host_api_get(), options_static_view(opts), &inst, err, sizeof err), 0);
    assert_false(host_api_get()->origin_path_written(file));
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", "/in/x");
    wee_event *results = event_new("results");
    for (int i = 0; i < 2; i++) {
        struct wee_action_call call;
        action_call_init(&call, opts, ev, results, d->name, "echo-rule", 0);
        assert_int_equal(d->action_run(inst, &call), 0);
        action_call_finish(&call);
    }
    char *text = test_read_file(file);
    assert_non_null(text);
    assert_string_equal(text, "saw /in/x\nsaw /in/x\n");
    assert_true(host_api_get()->origin_path_written(file));
    free(text);
    d->action_destroy(inst);
    event_free(ev);
    event_free(results);
    options_tree_free(opts);
    test_remove_tree(dir);
    free(file);
    free(dir);
    plat_dl_close(lib);
}

int main(void)
{
    test_init();
    char exe_dir[1024];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) {
        fprintf(stderr, "cannot find this executable's folder\n");
        return 1;
    }
    /* Tests live in <build>/tests, examples in <build>/examples: found relative to the executable so
     * the same holds under Wine. */
    snprintf(g_example_dir, sizeof g_example_dir, "%s%s..%sexamples", exe_dir, plat_path_sep(), plat_path_sep());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_source_ticks_until_stopped),
        cmocka_unit_test(test_counter_source_marks_engine_origin),
        cmocka_unit_test(test_counter_source_declares_fields),
        cmocka_unit_test(test_counter_source_defaults),
        cmocka_unit_test(test_echo_action_appends_and_notes_file),
        cmocka_unit_test(test_echo_action_publishes_rendered_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
