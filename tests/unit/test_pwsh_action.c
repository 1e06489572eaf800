/*
 * test_pwsh_action - the real `pwsh` module file loaded with plat_dl_open and driven through the real
 * host table. Whether a real PowerShell is here is decided by the same probe the module uses
 * (pwsh_probe, compiled in), never assumed:
 *  - none (Linux without pwsh; Wine, whose powershell.exe is a stub): the refusal is asserted, and the
 *    cases that need PowerShell are skipped with the probe's reason printed;
 *  - one: the refusal case is skipped and the scripts really run: inline and file scripts, event
 *    fields as variables, non-ASCII text in and out, exit codes, stderr without CLIXML or colour
 *    codes, a syntax error named with its line, a script reading stdin, output bounds, and a
 *    timeout that kills a grandchild too.
 * Needs the targets mod_pwsh and testchild built first.
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
#ifdef _WIN32
#include <windows.h>
#endif

static char g_module_dir[1100];
static char g_testchild[1300];
static void *g_lib;
static const wee_module_desc *g_desc;
static int g_have_pwsh;
static char g_pwsh_exe[PWSH_EXE_MAX];
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


/* Runs one inline script on a file event named name; returns the action's result code. */
static int run_inline(const char *json, const char *name, wee_event *results, char *error, size_t size)
{
    action_fixture f;
    fixture_open(&f, json);
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = file_event("/in/x", name);
    int rc = fixture_run(&f, ev, results, error, size);
    if (rc != 0) printf("action failed (%d): %s\n", rc, error);
    fixture_close(&f);
    event_free(ev);
    return rc;
}

static void test_non_ascii_both_ways(void **state)
{
    (void)state;
    need_powershell();
    /* In through the environment and $WeeArgs, out through stdout; Length counts UTF-16 units, so it
     * proves PowerShell decoded UTF-8 (17), not bytes (27). The literal in the script travels too. */
    static const char name[] = "Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80.txt";
    char json[1024], expect[512], error[512];
    snprintf(json, sizeof json, "{\"script\":\"[Console]::Out.Write(\\\"$env:FILENAME|$($env:FILENAME.Length)|"
             "$($WeeArgs[0])|\xc3\xa9\xe2\x86\x92\\\")\",\"args\":[\"<{{name}}>\"]}");
    snprintf(expect, sizeof expect, "%s|17|<%s>|\xc3\xa9\xe2\x86\x92", name, name);
    wee_event *results = event_new("results");
    assert_int_equal(run_inline(json, name, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), expect);
    event_free(results);

    /* A .ps1 in a non-ASCII folder, non-ASCII in the file (UTF-8 with a BOM, which every PowerShell
     * reads as UTF-8) and in its argument. */
    char *dir = test_make_temp_dir("pwsh_\xc3\xbc"), *ps1 = test_path_join(dir, "d\xc3\xa9j\xc3\xa0.ps1");
    assert_int_equal(test_write_file(ps1, "\xef\xbb\xbfparam($N)\n[Console]::OutputEncoding = "
                                          "New-Object System.Text.UTF8Encoding $false\n"
                                          "[Console]::Out.Write(\"\xc3\xa9t\xc3\xa9:${N}:$($N.Length)\")\n"), 0);
    cJSON *js = cJSON_CreateString(ps1);
    char *ps1_json = cJSON_PrintUnformatted(js);
    cJSON_Delete(js);
    snprintf(json, sizeof json, "{\"file\":%s,\"args\":[\"{{name}}\"]}", ps1_json);
    free(ps1_json);
    action_fixture f;
    fixture_open(&f, json);
    assert_int_equal(f.create_rc, 0);
    wee_event *ev = file_event("/in/x", name);
    results = event_new("results");
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    snprintf(expect, sizeof expect, "\xc3\xa9t\xc3\xa9:%s:17", name);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), expect);
    fixture_close(&f);
    event_free(ev);
    event_free(results);
    test_remove_tree(dir);
    free(ps1);
    free(dir);
}

static void test_exit_codes(void **state)
{
    (void)state;
    need_powershell();
    static const struct { const char *script; int code; } cases[] = {
        { "exit 0", 0 }, { "Write-Output x", 0 }, { "exit 7", 7 }, { "exit 255", 255 },
        { "function Stop-Here { exit 42 }; Stop-Here; exit 1", 42 }, { "throw 'boom'", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256], error[512];
        snprintf(json, sizeof json, "{\"script\":\"%s\"}", cases[i].script);
        wee_event *results = event_new("results");
        int rc = run_inline(json, "a", results, error, sizeof error);
        printf("%s -> %d %s\n", cases[i].script, (int)event_get_int(results, "pwsh.exit_code", -1), error);
        assert_int_equal(event_get_int(results, "pwsh.exit_code", -1), cases[i].code);
        assert_int_equal(rc, cases[i].code ? WEE_EFAILED : 0);
        assert_int_equal(event_get_bool(results, "pwsh.ok", 0), cases[i].code == 0);
        event_free(results);
    }
}

static void test_stderr_is_plain_text(void **state)
{
    (void)state;
    need_powershell();
    char error[512];
    wee_event *results = event_new("results");
    assert_int_equal(run_inline("{\"script\":\"Write-Error 'disk full'; [Console]::Out.Write('after'); throw 'boom'\"}",
                                "a", results, error, sizeof error), WEE_EFAILED);
    const char *err = event_get_string(results, "pwsh.stderr");
    printf("stderr: %s\nerror: %s\n", err, error);
    assert_non_null(strstr(err, "disk full"));
    assert_non_null(strstr(err, "boom"));
    assert_null(strstr(err, "CLIXML"));  /* -EncodedCommand alone makes PowerShell 7 write XML */
    assert_null(strchr(err, '\x1b'));    /* no ANSI colour codes */
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "after");
    assert_non_null(strstr(error, "inline script exited with code 1: "));
    assert_non_null(strstr(error, "disk full"));
    event_free(results);
}

static void test_syntax_error_is_named(void **state)
{
    (void)state;
    need_powershell();
    char error[512];
    wee_event *results = event_new("results");
    assert_int_equal(run_inline("{\"script\":\"[Console]::Out.Write('ran')\\n$total = (1 +\"}", "a", results,
                                error, sizeof error), WEE_EFAILED);
    printf("error: %s\nstderr: %s\n", error, event_get_string(results, "pwsh.stderr"));
    /* The user's own line number (2), not one shifted by the preamble; nothing ran. */
    assert_non_null(strstr(error, "inline script exited with code 1: syntax error at line 2, column "));
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "");
    assert_int_equal(event_get_int(results, "pwsh.exit_code", -1), 1);
    event_free(results);
}

static void test_script_reading_stdin_does_not_hang(void **state)
{
    (void)state;
    need_powershell();
    char error[512];
    wee_event *results = event_new("results");
    /* stdin is empty (the null device): reading it ends at once instead of waiting for the timeout */
    assert_int_equal(run_inline("{\"timeout_ms\":60000,\"script\":\"$in = [Console]::In.ReadToEnd(); "
                                "[Console]::Out.Write('read:' + $in.Length)\"}", "a", results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "read:0");
    assert_false(event_get_bool(results, "pwsh.timed_out", 1));
    event_free(results);
    /* A prompt is refused at once with PowerShell's reason (-NonInteractive) rather than waiting. Like
     * any non-terminating error it does not stop the script (as with -File) ... */
    results = event_new("results");
    assert_int_equal(run_inline("{\"timeout_ms\":60000,\"script\":\"$name = Read-Host 'name'; "
                                "[Console]::Out.Write('after')\"}", "a", results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "after");
    assert_false(event_get_bool(results, "pwsh.timed_out", 1));
    assert_non_null(strstr(event_get_string(results, "pwsh.stderr"), "NonInteractive"));
    event_free(results);
    /* ... unless the script asks for errors to stop it, and then the action fails with the reason */
    results = event_new("results");
    assert_int_equal(run_inline("{\"timeout_ms\":60000,\"script\":\"$ErrorActionPreference = 'Stop'; "
                                "$name = Read-Host 'name'; [Console]::Out.Write('after')\"}", "a", results, error,
                                sizeof error), WEE_EFAILED);
    assert_string_equal(event_get_string(results, "pwsh.stdout"), "");
    assert_non_null(strstr(error, "NonInteractive"));
    assert_non_null(strstr(event_get_string(results, "pwsh.stderr"), "NonInteractive"));
    event_free(results);
}

static void test_output_is_bounded(void **state)
{
    (void)state;
    need_powershell();
    char error[512];
    wee_event *results = event_new("results");
    /* 400 kB of two-byte characters on each stream; 1001 bytes kept: cut back to a whole character */
    assert_int_equal(run_inline("{\"capture_bytes\":1001,\"script\":\"[Console]::Out.Write([string]::new([char]0xE9, 200000)); "
                                "[Console]::Error.Write([string]::new([char]0xE9, 200000)); exit 0\"}",
                                "a", results, error, sizeof error), 0);
    const char *out = event_get_string(results, "pwsh.stdout"), *err = event_get_string(results, "pwsh.stderr");
    printf("kept %u bytes of stdout, %u of stderr\n", (unsigned)strlen(out), (unsigned)strlen(err));
    assert_int_equal(strlen(out), 1000);
    assert_true(strlen(err) <= 1001 && strlen(err) >= 998);
    for (size_t i = 0; i < strlen(out); i += 2) {
        assert_int_equal((unsigned char)out[i], 0xC3);
        assert_int_equal((unsigned char)out[i + 1], 0xA9);
    }
    assert_true(event_get_bool(results, "pwsh.ok", 0));
    event_free(results);
}

/* 1 while process pid exists (a zombie counts as gone: it has been killed). */
static int process_alive(unsigned long pid)
{
#ifdef _WIN32
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
    if (!h) return 0;
    int alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
#else
    char path[64];
    snprintf(path, sizeof path, "/proc/%lu/stat", pid);
    char *stat = test_read_file(path);
    if (!stat) return 0;
    const char *paren = strrchr(stat, ')');
    int alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
    free(stat);
    return alive;
#endif
}

static void test_timeout_kills(void **state)
{
    (void)state;
    need_powershell();
    /* PowerShell starts a grandchild that would sleep a minute, says its pid, then sleeps itself. */
    char json[2048], error[512];
    cJSON *jc = cJSON_CreateString(g_testchild);
    char *child_json = cJSON_PrintUnformatted(jc);
    cJSON_Delete(jc);
    snprintf(json, sizeof json, "{\"timeout_ms\":8000,\"args\":[%s],\"script\":\"$c = Start-Process -FilePath "
             "$WeeArgs[0] -ArgumentList 'sleep','60000' -NoNewWindow -PassThru; [Console]::Out.Write($c.Id); "
             "[Console]::Out.Flush(); Start-Sleep -Seconds 60\"}", child_json);
    free(child_json);
    wee_event *results = event_new("results");
    uint64_t t0 = plat_monotonic_ns();
    assert_int_equal(run_inline(json, "a", results, error, sizeof error), WEE_ETIMEOUT);
    uint64_t elapsed_ms = (plat_monotonic_ns() - t0) / 1000000u;
    printf("timed out after %llu ms: %s\n", (unsigned long long)elapsed_ms, error);
    assert_non_null(strstr(error, "timed out after 8000 ms"));
    assert_true(event_get_bool(results, "pwsh.timed_out", 0));
    const char *pid_text = event_get_string(results, "pwsh.stdout");
    unsigned long pid = strtoul(pid_text, NULL, 10);
    printf("grandchild pid: '%s'\n", pid_text);
    assert_true(pid > 0);
    int alive = 1;
    for (int i = 0; i < 50 && alive; i++) {
        alive = process_alive(pid);
        if (alive) plat_sleep_ms(100);
    }
    assert_false(alive);
    assert_true(elapsed_ms < 30000); /* the grandchild held the output pipe; it did not keep us waiting */
    event_free(results);
}

int main(void)
{
    test_init();
    char exe_dir[1024], path[1300], err[256];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) return 1;
    snprintf(g_module_dir, sizeof g_module_dir, "%s%s..%smodules", exe_dir, plat_path_sep(), plat_path_sep());
    snprintf(path, sizeof path, "%s%spwsh%s", g_module_dir, plat_path_sep(), plat_dl_suffix());
#ifdef _WIN32
    snprintf(g_testchild, sizeof g_testchild, "%s\\testchild.exe", exe_dir);
#else
    snprintf(g_testchild, sizeof g_testchild, "%s/testchild", exe_dir);
#endif
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
        cmocka_unit_test(test_non_ascii_both_ways),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_stderr_is_plain_text),
        cmocka_unit_test(test_syntax_error_is_named),
        cmocka_unit_test(test_script_reading_stdin_does_not_hang),
        cmocka_unit_test(test_output_is_bounded),
        cmocka_unit_test(test_timeout_kills),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_desc->module_shutdown) g_desc->module_shutdown();
    plat_dl_close(g_lib);
    return rc;
}
