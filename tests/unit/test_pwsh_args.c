/*
 * test_pwsh_args - the pure parts of the pwsh action (modules/pwsh/pwsh_args.c): environment names,
 * the Rust aliases, argument variables, -EncodedCommand encoding and the argv shapes. No PowerShell
 * needed, so these run everywhere (natively and under Wine).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "pwsh_args.h"
#include "test_support.h"

static const char *env_get(const pwsh_env *e, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < e->count; i++)
        if (strncmp(e->items[i], name, n) == 0 && e->items[i][n] == '=') return e->items[i] + n + 1;
    return NULL;
}

static void test_field_names(void **state)
{
    (void)state;
    char out[64];
    pwsh_env_field_name("path", out, sizeof out);
    assert_string_equal(out, "WEE_EVENT_PATH");
    pwsh_env_field_name("http.status", out, sizeof out);
    assert_string_equal(out, "WEE_EVENT_HTTP_STATUS");
    pwsh_env_field_name("old-path 2\xc3\xa9", out, sizeof out);
    assert_string_equal(out, "WEE_EVENT_OLD_PATH_2__"); /* each non-alnum byte is one '_' */
    pwsh_env_field_name("abcdefghijklmnopqrstuvwxyz", out, 16);
    assert_string_equal(out, "WEE_EVENT_ABCDE"); /* cut to fit, still terminated */
}

static void test_aliases_match_template_table(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        { "path", "EVENT_PATH" }, { "name", "FILENAME" }, { "dir", "DIRECTORY" }, { "old_path", "OLD_PATH" },
        { "type", "EVENT_TYPE" }, { "source", "EVENT_SOURCE" }, { "time", "TIMESTAMP" }, { "pid", "PID" },
        { "process", "PROCESS_NAME" }, { "title", "WINDOW_TITLE" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        assert_string_equal(pwsh_env_alias(pairs[i][0]), pairs[i][1]);
    assert_null(pwsh_env_alias("ext"));
    assert_null(pwsh_env_alias("PATH"));
}

static void test_env_fields_args_and_replacement(void **state)
{
    (void)state;
    pwsh_env e = { NULL, 0, 0 };
    assert_int_equal(pwsh_env_add_field(&e, "path", "C:\\in\\a b.txt"), 0);
    assert_int_equal(pwsh_env_add_field(&e, "ext", ".txt"), 0);
    assert_int_equal(pwsh_env_add_field(&e, "title", "x=y; $(evil)"), 0);
    const char *const args[] = { "first arg", "", "$(Remove-Item C:\\)" };
    assert_int_equal(pwsh_env_add_args(&e, args, 3), 0);
    assert_string_equal(env_get(&e, "WEE_EVENT_PATH"), "C:\\in\\a b.txt");
    assert_string_equal(env_get(&e, "EVENT_PATH"), "C:\\in\\a b.txt");
    assert_string_equal(env_get(&e, "WEE_EVENT_EXT"), ".txt");
    assert_string_equal(env_get(&e, "WINDOW_TITLE"), "x=y; $(evil)");
    assert_string_equal(env_get(&e, "WEE_ARG_COUNT"), "3");
    assert_string_equal(env_get(&e, "WEE_ARG_0"), "first arg");
    assert_string_equal(env_get(&e, "WEE_ARG_1"), "");
    assert_string_equal(env_get(&e, "WEE_ARG_2"), "$(Remove-Item C:\\)");
    assert_null(env_get(&e, "WEE_ARG_3"));
    size_t before = e.count;
    assert_int_equal(pwsh_env_set(&e, "WEE_EVENT_PATH", "replaced"), 0);
    assert_int_equal(e.count, before);
    assert_string_equal(env_get(&e, "WEE_EVENT_PATH"), "replaced");
    assert_null(e.items[e.count]);
    pwsh_env_free(&e);

    /* Twelve arguments: two-digit names. */
    const char *many[12];
    for (int i = 0; i < 12; i++) many[i] = "v";
    assert_int_equal(pwsh_env_add_args(&e, many, 12), 0);
    assert_string_equal(env_get(&e, "WEE_ARG_COUNT"), "12");
    assert_string_equal(env_get(&e, "WEE_ARG_11"), "v");
    pwsh_env_free(&e);
}

static void test_encode_command(void **state)
{
    (void)state;
    /* Reference values: [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($s)). */
    char *s = pwsh_encode_command("[Console]::Out.Write(6*7)");
    assert_string_equal(s, "WwBDAG8AbgBzAG8AbABlAF0AOgA6AE8AdQB0AC4AVwByAGkAdABlACgANgAqADcAKQA=");
    free(s);
    s = pwsh_encode_command("a");
    assert_string_equal(s, "YQA=");
    free(s);
    s = pwsh_encode_command("");
    assert_string_equal(s, "");
    free(s);
    /* e-acute (U+00E9) -> E9 00; euro (U+20AC) -> AC 20; U+1F600 -> surrogates 3D D8 00 DE. */
    s = pwsh_encode_command("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_string_equal(s, "6QCsID3YAN4=");
    free(s);
    assert_null(pwsh_encode_command("bad \xc3 utf8"));
    assert_null(pwsh_encode_command("\xed\xa0\x80")); /* an encoded surrogate */
    assert_null(pwsh_encode_command("\xc0\xaf"));     /* overlong '/' */
}

static void test_inline_script_has_preamble(void **state)
{
    (void)state;
    char *s = pwsh_inline_script("Write-Output $WeeArgs[0]");
    assert_non_null(strstr(s, "$WeeArgs = @("));
    assert_non_null(strstr(s, "OutputEncoding"));
    assert_null(strchr(s, '\n'));
    /* The user's text only as base64 of its UTF-8 inside the one string literal, then checked and run. */
    assert_null(strstr(s, "Write-Output"));
    assert_non_null(strstr(s, "FromBase64String('V3JpdGUtT3V0cHV0ICRXZWVBcmdzWzBd')"));
    assert_non_null(strstr(s, "Parser]::ParseInput($WeeText"));
    const char *run = ". $WeeBlock";
    assert_string_equal(s + strlen(s) - strlen(run), run);
    free(s);
    s = pwsh_inline_script("'\xc3\xa9'");
    assert_non_null(strstr(s, "FromBase64String('J8OpJw==')"));
    free(s);
}

static void test_argv_shapes(void **state)
{
    (void)state;
    const char *argv[16];
    size_t n = pwsh_build_argv("pwsh", "QQA=", NULL, NULL, 0, argv, 16);
    assert_int_equal(n, 9);
    const char *expect_cmd[] = { "pwsh", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                                 "-OutputFormat", "Text", "-EncodedCommand", "QQA=" };
    for (size_t i = 0; i < n; i++) assert_string_equal(argv[i], expect_cmd[i]);
    assert_null(argv[n]);

    const char *args[] = { "a b", "-Verbose" };
    n = pwsh_build_argv("powershell.exe", NULL, "C:\\s\\x.ps1", args, 2, argv, 16);
    assert_int_equal(n, 11);
    assert_string_equal(argv[7], "-File");
    assert_string_equal(argv[8], "C:\\s\\x.ps1");
    assert_string_equal(argv[9], "a b");
    assert_string_equal(argv[10], "-Verbose");
    assert_null(argv[11]);

    assert_int_equal(pwsh_build_argv("pwsh", "QQA=", "x.ps1", NULL, 0, argv, 16), 0); /* both */
    assert_int_equal(pwsh_build_argv("pwsh", NULL, NULL, NULL, 0, argv, 16), 0);      /* neither */
    assert_int_equal(pwsh_build_argv("pwsh", NULL, "x.ps1", args, 2, argv, 11), 0);   /* no room */
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_names),
        cmocka_unit_test(test_aliases_match_template_table),
        cmocka_unit_test(test_env_fields_args_and_replacement),
        cmocka_unit_test(test_encode_command),
        cmocka_unit_test(test_inline_script_has_preamble),
        cmocka_unit_test(test_argv_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
