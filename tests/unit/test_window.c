/*
 * window source: the real module file through the real host table.
 * - every option is declared (events, include_untitled) and a wrong `events` entry is refused with its
 *   index and the allowed values;
 * - Linux: with no X display the source refuses to start and says what to do (set DISPLAY or run under
 *   Xvfb), for DISPLAY unset and for a display nobody serves;
 * - Windows: the hook thread starts and stops (twice on one instance) without hanging.
 * The events themselves are exercised by tests/runtime/test_rt_window_{x11,win32}.c against a real X
 * server / real Win32 windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "event.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "wee/wee.h"

typedef struct fixture {
    void *lib;
    const wee_module_desc *m;
    options_tree *tree;
    void *inst;
    struct wee_source src;
} fixture;

static int drop_emit(struct wee_source *src, wee_event *ev)
{
    (void)src;
    event_unref(ev);
    return 0;
}

static void load(fixture *f, const char *json)
{
    memset(f, 0, sizeof *f);
    char path[1200], err[512] = "", exe[1024];
    plat_exe_dir(exe, sizeof exe);
    snprintf(path, sizeof path, "%s%s..%smodules%swindow%s", exe, plat_path_sep(), plat_path_sep(), plat_path_sep(), plat_dl_suffix());
    f->lib = plat_dl_open(path, err, sizeof err);
    if (!f->lib) fail_msg("%s", err);
    f->m = ((wee_module_entry_fn)plat_dl_sym(f->lib, WEE_ENTRY_SYMBOL))();
    assert_string_equal(f->m->name, "window");
    cJSON *o = cJSON_Parse(json);
    diag_list d = DIAG_INIT;
    f->tree = options_build(f->m->options, o, "sources[0]", NULL, 0, &d);
    cJSON_Delete(o);
    if (!f->tree) { diag_print(&d, "t", stderr); fail(); }
    diag_free(&d);
    f->src.id = "w";
    f->src.emit = drop_emit;
}

static void unload(fixture *f)
{
    options_tree_free(f->tree);
    plat_dl_close(f->lib);
}

static void test_options_declared(void **s)
{
    (void)s;
    fixture f;
    load(&f, "{}");
    const char *names[] = { "events", "include_untitled" };
    size_t found = 0;
    for (const wee_option_spec *o = f.m->options; o->name; o = (const wee_option_spec *)((const char *)o + o->struct_size))
        for (size_t i = 0; i < 2; i++) found += !strcmp(o->name, names[i]);
    assert_int_equal(found, 2);
    const char *const *t = f.m->event_types;
    assert_string_equal(t[0], "window.created");
    assert_string_equal(t[1], "window.destroyed");
    assert_string_equal(t[2], "window.focused");
    assert_string_equal(t[3], "window.title_changed");
    assert_null(t[4]);
    unload(&f);
}

/* The event names are the option's choices (ABI 1.3): the host refuses a wrong one at its path. */
static void test_bad_event_name_refused(void **s)
{
    (void)s;
    fixture f;
    load(&f, "{}");
    cJSON *o = cJSON_Parse("{\"events\": [\"created\", \"moved\"]}");
    diag_list d = DIAG_INIT;
    assert_null(options_build(f.m->options, o, "sources[0]", NULL, 0, &d));
    cJSON_Delete(o);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "sources[0].events[1]");
    assert_string_equal(d.items[0].message, "expected one of created|destroyed|focused|title_changed, got \"moved\"");
    diag_free(&d);
    unload(&f);
}

#ifndef _WIN32
static void refused_with(const char *display, const char *detail)
{
    fixture f;
    load(&f, "{\"events\": [\"focused\"], \"include_untitled\": true}");
    char err[512] = "";
    const char *old = getenv("DISPLAY");
    char *saved = old ? strdup(old) : NULL;
    if (display) setenv("DISPLAY", display, 1); else unsetenv("DISPLAY");
    assert_int_equal(f.m->source_create(host_api_get(), &f.src, options_static_view(f.tree), &f.inst, err, sizeof err), 0);
    int rc = f.m->source_start(f.inst, err, sizeof err);
    if (saved) setenv("DISPLAY", saved, 1); else unsetenv("DISPLAY");
    free(saved);
    assert_int_equal(rc, WEE_EFAILED);
    assert_non_null(strstr(err, "no X display: set DISPLAY or run under Xvfb"));
    assert_non_null(strstr(err, detail));
    f.m->source_stop(f.inst);      /* a source that never started stops as a no-op */
    f.m->source_destroy(f.inst);
    unload(&f);
}

static void test_no_display_refused(void **s)
{
    (void)s;
    refused_with(NULL, "DISPLAY is not set");
    refused_with(":4242.0", "cannot connect to DISPLAY=:4242.0");
}
#else
static void test_hook_thread_starts_and_stops(void **s)
{
    (void)s;
    fixture f;
    load(&f, "{}");
    char err[512] = "";
    assert_int_equal(f.m->source_create(host_api_get(), &f.src, options_static_view(f.tree), &f.inst, err, sizeof err), 0);
    for (int i = 0; i < 2; i++) {
        if (f.m->source_start(f.inst, err, sizeof err) != 0) fail_msg("start: %s", err);
        f.m->source_stop(f.inst);
    }
    f.m->source_destroy(f.inst);
    unload(&f);
}
#endif

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_declared),
        cmocka_unit_test(test_bad_event_name_refused),
#ifndef _WIN32
        cmocka_unit_test(test_no_display_refused),
#else
        cmocka_unit_test(test_hook_thread_starts_and_stops),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
