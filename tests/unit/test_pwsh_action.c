/*
 * test_pwsh_action - the real `pwsh` module file loaded with plat_dl_open and driven through the real
 * host table. Whether a real PowerShell is here is decided by the same probe the module uses
 * (pwsh_probe, compiled in), never assumed:
 *  - none (Linux without pwsh; Wine, whose powershell.exe is a stub): the refusal is asserted, and the
 *    cases that need PowerShell are skipped with the probe's reason printed;
 *  - one: the refusal case is skipped and the scripts really run.
 * Needs the target mod_pwsh built first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
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
#include "pwsh_probe.h"
#include "util/diag.h"
#include "wee/wee.h"

static char g_module_dir[1100];
static void *g_lib;
static const wee_module_desc *g_desc;
static int g_have_pwsh;
static char g_pwsh_exe[32];
static char g_probe_reason[1024];

typedef struct action_fixture {
    cJSON *json;
    options_tree *tree;
    void *instance;
    int create_rc;
    char err[1024];
} action_fixture;

static void fixture_open(action_fixture *f, const char *json_text)
{
    static const char *const own_keys[] = { "action", "on_error", NULL };
    diag_list d = DIAG_INIT;
    memset(f, 0, sizeof *f);
    f->json = cJSON_Parse(json_text);
    assert_non_null(f->json);
    f->tree = options_build(g_desc->options, f->json, "rules[0].do[0]", own_keys, 1, &d);
    if (!f->tree) {
        diag_print(&d, "test", stderr);
        diag_free(&d);
        fail_msg("options rejected: %s", json_text);
    }
    diag_free(&d);
    f->create_rc = g_desc->action_create(host_api_get(), options_static_view(f->tree), &f->instance, f->err,
                                         sizeof f->err);
}

static void fixture_close(action_fixture *f)
{
    if (f->create_rc == 0) g_desc->action_destroy(f->instance);
    options_tree_free(f->tree);
    cJSON_Delete(f->json);
}

static int fixture_run(action_fixture *f, const wee_event *ev, wee_event *results, char *error, size_t size)
{
    struct wee_action_call call;
    assert_int_equal(f->create_rc, 0);
    action_call_init(&call, f->tree, ev, results, g_desc->name, "test-rule", 0);
    int rc = g_desc->action_run(f->instance, &call);
    snprintf(error, size, "%s", strbuf_cstr(&call.error));
    action_call_finish(&call);
    return rc;
}

static wee_event *file_event(const char *path, const char *name)
{
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", path);
    event_set_string(ev, "name", name);
    host_api_stamp(ev, "downloads");
    return ev;
}

static void need_powershell(void)
{
    if (!g_have_pwsh) {
        printf("SKIP (needs a real PowerShell): %s\n", g_probe_reason);
        skip();
    }
}

static void test_option_errors_before_any_probe(void **state)
{
    (void)state;
    action_fixture f;
    fixture_open(&f, "{\"script\":\"1\",\"file\":\"x.ps1\"}");
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    assert_string_equal(f.err, "give exactly one of 'script' (inline PowerShell) or 'file' (a .ps1 path)");
    fixture_close(&f);
    fixture_open(&f, "{\"timeout_ms\":5}");
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    fixture_close(&f);
    fixture_open(&f, "{\"script\":\"\"}");
    assert_int_equal(f.create_rc, WEE_ECONFIG);
    assert_string_equal(f.err, "'script' is empty");
    fixture_close(&f);
}

static void test_create_agrees_with_probe(void **state)
{
    (void)state;
    action_fixture f;
    fixture_open(&f, "{\"script\":\"Write-Output 1\"}");
    if (g_have_pwsh) assert_int_equal(f.create_rc, 0);
    else assert_int_equal(f.create_rc, WEE_EUNSUPPORTED);
    fixture_close(&f);
}

static void test_refusal_names_what_was_tried(void **state)
{
    (void)state;
    if (g_have_pwsh) {
        printf("SKIP: a working PowerShell (%s) is present, so the refusal cannot happen here\n", g_pwsh_exe);
        skip();
    }
    action_fixture f;
    fixture_open(&f, "{\"file\":\"C:/Scripts/x.ps1\"}");
    assert_int_equal(f.create_rc, WEE_EUNSUPPORTED);
    printf("refusal: %s\n", f.err);
    assert_true(strncmp(f.err, "no working PowerShell found: tried pwsh (", 41) == 0);
    assert_non_null(strstr(f.err, "), powershell.exe ("));
    assert_non_null(strstr(f.err, "install PowerShell 7 (pwsh)"));
#ifdef _WIN32
    /* Wine's powershell.exe starts but answers nothing: the message must say so, not "not found". */
    if (strstr(f.err, "powershell.exe (ran but")) assert_non_null(strstr(f.err, "instead of 42"));
#endif
    fixture_close(&f);
}

static void test_inline_script_env_args_exit_stderr(void **state)
{
    (void)state;
    need_powershell();
    action_fixture f;
    fixture_open(&f, "{\"script\":\"[Console]::Out.Write(\\\"$env:EVENT_PATH|$env:WEE_EVENT_NAME|"
                     "$env:FILENAME|$($WeeArgs[0])|$($WeeArgs[1])|$($WeeArgs.Count)\\\"); "
                     "[Console]::Error.Write('warned'); exit 3\","
                     "\"args\":[\"{{name}}!\",\"$(Write-Output pwned)\"]}");
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = file_event("/in/a b \"q\".txt", "a b \"q\".txt"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_EFAILED);
    assert_non_null(strstr(error, "inline script exited with code 3: warned"));
    assert_int_equal(event_get_int(results, "pwsh.exit_code", -1), 3);
    assert_string_equal(event_get_string(results, "pwsh.stdout"),
                        "/in/a b \"q\".txt|a b \"q\".txt|a b \"q\".txt|a b \"q\".txt!|$(Write-Output pwned)|2");
    assert_string_equal(event_get_string(results, "pwsh.stderr"), "warned");
    assert_false(event_get_bool(results, "pwsh.ok", 1));
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

static void test_file_script_with_args(void **state)
{
    (void)state;
    need_powershell();
    char *dir = test_make_temp_dir("pwsh_file"), *ps1 = test_path_join(dir, "hook.ps1");
    assert_int_equal(test_write_file(ps1, "param($First, $Second)\n[Console]::Out.Write(\"file:$First|$Second\")\n"), 0);
    char *ps1_json = NULL;
    {
        cJSON *s = cJSON_CreateString(ps1);
        ps1_json = cJSON_PrintUnformatted(s);
        cJSON_Delete(s);
    }
    char json[2048];
    snprintf(json, sizeof json, "{\"file\":%s,\"args\":[\"{{name}}\",\"x y\"]}", ps1_json);
    free(ps1_json);
    action_fixture f;
    fixture_open(&f, json);
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = file_event("/in/r.txt", "r.txt"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "file:r.txt|x y");
    assert_true(event_get_bool(results, "pwsh.ok", 0));
    fixture_close(&f);
    event_free(ev);
    event_free(results);
    test_remove_tree(dir);
    free(ps1);
    free(dir);
}

static void test_timeout_kills(void **state)
{
    (void)state;
    need_powershell();
    action_fixture f;
    fixture_open(&f, "{\"script\":\"Start-Sleep -Seconds 60\",\"timeout_ms\":1500}");
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = file_event("/a", "a"), *results = event_new("results");
    char error[512];
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), WEE_ETIMEOUT);
    assert_non_null(strstr(error, "timed out after 1500 ms"));
    assert_true(event_get_bool(results, "pwsh.timed_out", 0));
    fixture_close(&f);
    event_free(ev);
    event_free(results);
}

int main(void)
{
    test_init();
    char exe_dir[1024], path[1300], err[256];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) return 1;
    snprintf(g_module_dir, sizeof g_module_dir, "%s%s..%smodules", exe_dir, plat_path_sep(), plat_path_sep());
    snprintf(path, sizeof path, "%s%spwsh%s", g_module_dir, plat_path_sep(), plat_dl_suffix());
    g_lib = plat_dl_open(path, err, sizeof err);
    if (!g_lib) { fprintf(stderr, "cannot load %s: %s (build mod_pwsh first)\n", path, err); return 1; }
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(g_lib, WEE_ENTRY_SYMBOL);
    g_desc = entry ? entry() : NULL;
    if (!g_desc || (g_desc->module_init && g_desc->module_init(host_api_get(), err, sizeof err) != 0)) {
        fprintf(stderr, "pwsh module unusable\n");
        return 1;
    }
    g_have_pwsh = pwsh_probe(g_pwsh_exe, sizeof g_pwsh_exe, g_probe_reason, sizeof g_probe_reason) == 0;
    printf("PowerShell probe: %s\n", g_have_pwsh ? g_pwsh_exe : g_probe_reason);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_errors_before_any_probe),
        cmocka_unit_test(test_create_agrees_with_probe),
        cmocka_unit_test(test_refusal_names_what_was_tried),
        cmocka_unit_test(test_inline_script_env_args_exit_stderr),
        cmocka_unit_test(test_file_script_with_args),
        cmocka_unit_test(test_timeout_kills),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_desc->module_shutdown) g_desc->module_shutdown();
    plat_dl_close(g_lib);
    return rc;
}
