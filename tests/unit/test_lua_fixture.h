/*
 * tests/unit/test_lua_fixture.h - loads the real modules/lua.so|.dll and drives one action instance
 * through the real host table, real option validation and real action calls (as
 * test_module_actions.c does for log/exec). Included by test_lua_sandbox.c and test_lua_action.c.
 *
 * Events a script emits are captured (call.emit) so tests can look at them.
 */
#ifndef WEE_TEST_LUA_FIXTURE_H
#define WEE_TEST_LUA_FIXTURE_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "action_call.h"
#include "event.h"
#include "host_api.h"
#include "net_policy.h"
#include "options.h"
#include "platform/platform.h"
#include "test_support.h"
#include "util/diag.h"
#include "wee/wee.h"

static char g_module_dir[1100];

typedef struct lua_fixture {
    void *lib;
    const wee_module_desc *desc;
    cJSON *json;
    options_tree *tree;
    void *instance;
    int create_rc;
    char err[1024];
    wee_event *emitted[8];
    size_t emitted_count, emitted_more;
} lua_fixture;

static void fixture_dirs_init(void)
{
    char exe_dir[1024];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) {
        fprintf(stderr, "cannot find this executable's folder\n");
        exit(1);
    }
    /* Tests live in <build>/tests, modules in <build>/modules (relative: also right under Wine). */
    snprintf(g_module_dir, sizeof g_module_dir, "%s%s..%smodules", exe_dir, plat_path_sep(), plat_path_sep());
}

static int fixture_capture_emit(void *ctx, wee_event *ev)
{
    lua_fixture *f = ctx;
    /* Past the first few the events are only counted, as a host queue would take them. */
    if (f->emitted_count == sizeof f->emitted / sizeof f->emitted[0]) { event_free(ev); f->emitted_more++; return 0; }
    f->emitted[f->emitted_count++] = ev;
    return 0;
}

/* Opens the module and creates an action from a JSON options object (text, without "action").
 * create_rc / err hold the outcome. */
static void fixture_open(lua_fixture *f, const char *options_json)
{
    static const char *const own_keys[] = { "action", "on_error", NULL };
    char path[1300], err[256];
    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s%slua%s", g_module_dir, plat_path_sep(), plat_dl_suffix());
    f->lib = plat_dl_open(path, err, sizeof err);
    if (!f->lib) fail_msg("cannot load %s: %s (build the target mod_lua first)", path, err);
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(f->lib, WEE_ENTRY_SYMBOL);
    assert_non_null(entry);
    f->desc = entry();
    assert_non_null(f->desc);
    assert_string_equal(f->desc->name, "lua");
    if (f->desc->module_init) assert_int_equal(f->desc->module_init(host_api_get(), err, sizeof err), 0);
    f->json = cJSON_Parse(options_json);
    if (!f->json) fail_msg("bad test JSON: %s", options_json);
    diag_list d = DIAG_INIT;
    f->tree = options_build(f->desc->options, f->json, "rules[0].do[0]", own_keys, 1, &d);
    if (!f->tree) {
        diag_print(&d, "test", stderr);
        diag_free(&d);
        f->create_rc = WEE_ECONFIG;
        snprintf(f->err, sizeof f->err, "options rejected");
        return;
    }
    diag_free(&d);
    f->create_rc = f->desc->action_create(host_api_get(), options_static_view(f->tree), &f->instance, f->err,
                                          sizeof f->err);
}

static void fixture_close(lua_fixture *f)
{
    if (f->create_rc == 0) f->desc->action_destroy(f->instance);
    for (size_t i = 0; i < f->emitted_count; i++) event_free(f->emitted[i]);
    if (f->tree) options_tree_free(f->tree);
    cJSON_Delete(f->json);
    if (f->desc && f->desc->module_shutdown) f->desc->module_shutdown();
    plat_dl_close(f->lib);
}

/* One action_run on worker `worker`; results land in `results` (may be NULL), the failure text in error. */
static int fixture_run_on(lua_fixture *f, unsigned worker, const wee_event *ev, wee_event *results, char *error,
                          size_t size)
{
    struct wee_action_call call;
    wee_event *own_results = results ? NULL : event_new("results");
    assert_int_equal(f->create_rc, 0);
    action_call_init(&call, f->tree, ev, results ? results : own_results, f->desc->name, "test-rule", worker);
    call.emit = fixture_capture_emit;
    call.emit_ctx = f;
    int rc = f->desc->action_run(f->instance, &call);
    snprintf(error, size, "%s", strbuf_cstr(&call.error));
    action_call_finish(&call);
    if (own_results) event_free(own_results);
    return rc;
}

static int fixture_run(lua_fixture *f, const wee_event *ev, char *error, size_t size)
{
    return fixture_run_on(f, 0, ev, NULL, error, size);
}

static wee_event *sample_event(void)
{
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", "/in/a.txt");
    event_set_string(ev, "name", "a.txt");
    event_set_int(ev, "size", 1234);
    event_set_bool(ev, "is_dir", 0);
    host_api_stamp(ev, "downloads");
    return ev;
}

/* Options JSON for inline code plus extra members ("" or ", \"timeout_ms\": 200"). malloc'd. */
static char *code_opts(const char *code, const char *extra)
{
    cJSON *s = cJSON_CreateString(code);
    char *lit = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    size_t n = strlen(lit) + strlen(extra) + 32;
    char *out = malloc(n);
    snprintf(out, n, "{\"code\": %s%s}", lit, extra);
    cJSON_free(lit);
    return out;
}

#endif
