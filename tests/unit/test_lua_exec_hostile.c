/*
 * Lua exec.run with file names an attacker chose, against a script (issue 11 item 1: exec.run goes
 * through the same runner as the exec action). Windows: a .cmd batch file, which cmd.exe runs; the
 * names carry cmd syntax (& | ^ % quotes) and must reach the script as one argument while pwn.cmd,
 * reachable from the cwd, never runs. POSIX: a shell script gets the same names byte for byte.
 */
#include "test_lua_fixture.h"
#ifndef _WIN32
#include <sys/stat.h>
#endif

static char *g_dir;

static void run_case(const char *script, const char *arg, const char *want)
{
    char *opts = code_opts("function on_event(t)\n"
                           "  local r = exec.run({t.script, t.arg}, {timeout_ms = 20000, cwd = t.dir})\n"
                           "  assert(r.ok, 'exit ' .. r.exit_code .. ': ' .. r.stderr)\n"
                           "  local seen = (r.stdout:gsub('[\\r\\n ]+$', ''))\n"
                           "  assert(seen == t.want, 'the script saw [' .. seen .. '], expected [' .. t.want .. ']')\n"
                           "end", ", \"allow_exec\": true, \"timeout_ms\": 30000");
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    if (f.create_rc != 0) fail_msg("%s", f.err);
    wee_event *ev = sample_event();
    event_set_string(ev, "script", script);
    event_set_string(ev, "arg", arg);
    event_set_string(ev, "want", want);
    event_set_string(ev, "dir", g_dir);
    char error[1024];
    if (fixture_run(&f, ev, error, sizeof error) != 0) fail_msg("[%s]: %s", arg, error);
    event_free(ev);
    fixture_close(&f);
}

static void exec_run_hostile_names_reach_a_script_whole(void **state)
{
    (void)state;
    g_dir = test_make_temp_dir("lua-exec-hostile");
    assert_non_null(g_dir);
    char *pwned = test_path_join(g_dir, "pwned.txt");
#ifdef _WIN32
    char *script = test_path_join(g_dir, "echo1.cmd"), *pwn = test_path_join(g_dir, "pwn.cmd");
    assert_int_equal(test_write_file(script, "@echo off\r\necho %1\r\n"), 0);
    assert_int_equal(test_write_file(pwn, "@echo pwned>\"%~dp0pwned.txt\"\r\n"), 0);
    static const char *const cases[][2] = {
        { "a&pwn.cmd", "\"a&pwn.cmd\"" },
        { "a|pwn.cmd", "\"a|pwn.cmd\"" },
        { "\"&pwn.cmd&\"", "\"\"\"&pwn.cmd&\"\"\"" },
        { "a^&pwn.cmd", "\"a^&pwn.cmd\"" },
        { "plain.txt", "plain.txt" },
    };
#else
    char *script = test_path_join(g_dir, "echo1.sh");
    assert_int_equal(test_write_file(script, "#!/bin/sh\nprintf '%s\\n' \"$1\"\n"), 0);
    assert_int_equal(chmod(script, 0700), 0);
    static const char *const cases[][2] = {
        { "a;touch pwned.txt", "a;touch pwned.txt" },
        { "$(touch pwned.txt)", "$(touch pwned.txt)" },
        { "`touch pwned.txt`'\"", "`touch pwned.txt`'\"" },
    };
#endif
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(script, cases[i][0], cases[i][1]);
        if (plat_path_exists(pwned)) fail_msg("[%s] ran a command", cases[i][0]);
    }
#ifdef _WIN32
    free(pwn);
#endif
    free(script);
    free(pwned);
    test_remove_tree(g_dir);
    free(g_dir);
}

int main(void)
{
    test_init();
    fixture_dirs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exec_run_hostile_names_reach_a_script_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
