/*
 * test_text_helpers - the helpers modules share from core/util (wee_util): cutting text without
 * splitting a UTF-8 character (exec/http/pwsh captures, registry data) and the path separator rule
 * (file, lua, window, rotating_file), and writing a whole file over another (the console's rule file,
 * `host schema --out`, the MQTT spool).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "platform/platform.h"
#include "util/file_replace.h"
#include "util/path_name.h"
#include "util/utf8_cut.h"

static void test_utf8_whole_prefix(void **state)
{
    (void)state;
    assert_int_equal(utf8_whole_prefix("", 0), 0);
    assert_int_equal(utf8_whole_prefix("abc", 3), 3);
    /* "é" = C3 A9, "€" = E2 82 AC, "😀" = F0 9F 98 80: whole ones stay. */
    assert_int_equal(utf8_whole_prefix("a\xC3\xA9", 3), 3);
    assert_int_equal(utf8_whole_prefix("a\xE2\x82\xAC", 4), 4);
    assert_int_equal(utf8_whole_prefix("a\xF0\x9F\x98\x80", 5), 5);
    /* Cut inside them: back to before the lead byte. */
    assert_int_equal(utf8_whole_prefix("a\xC3\xA9", 2), 1);
    assert_int_equal(utf8_whole_prefix("a\xE2\x82\xAC", 3), 1);
    assert_int_equal(utf8_whole_prefix("a\xE2\x82\xAC", 2), 1);
    assert_int_equal(utf8_whole_prefix("a\xF0\x9F\x98\x80", 4), 1);
    assert_int_equal(utf8_whole_prefix("a\xF0\x9F\x98\x80", 2), 1);
    /* Not UTF-8 at all (stray continuation bytes, no lead to judge by): left as it is. */
    assert_int_equal(utf8_whole_prefix("\x80\x80", 2), 2);
    assert_int_equal(utf8_whole_prefix("a\x80\x80\x80\x80", 5), 5);

    char s[] = "ok \xE2\x82\xAC\xE2\x82";
    utf8_cut_in_place(s);
    assert_string_equal(s, "ok \xE2\x82\xAC");
    utf8_cut_in_place(NULL);
}

static void test_path_names(void **state)
{
    (void)state;
    assert_true(path_is_sep('/'));
    assert_false(path_is_sep('a'));
    assert_string_equal(path_base_name("/var/log/app.log"), "app.log");
    assert_string_equal(path_base_name("app.log"), "app.log");
    assert_string_equal(path_base_name("dir/"), "");
    /* Config names: both separators and "C:" on every OS (a config may move between them). */
    const char *joins[][3] = { { "/etc/wee/wee.json", "rules.json", "/etc/wee/rules.json" },
                               { "C:\\wee\\wee.json", "sub/r.json", "C:\\wee\\sub/r.json" },
                               { "wee.json", "rules.json", "rules.json" },
                               { "/etc/wee/wee.json", "/abs/r.json", "/abs/r.json" },
                               { "/etc/wee/wee.json", "D:r.json", "D:r.json" },
                               { "/etc/wee/wee.json", "\\share\\r.json", "\\share\\r.json" } };
    for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++) {
        char *joined = path_config_join(joins[i][0], joins[i][1]);
        assert_non_null(joined);
        assert_string_equal(joined, joins[i][2]);
        free(joined);
    }
#ifdef _WIN32
    assert_true(path_is_sep('\\'));
    assert_string_equal(path_base_name("C:\\Program Files\\app.exe"), "app.exe");
    assert_string_equal(path_base_name("C:/mixed\\seps/x.txt"), "x.txt");
#else
    /* A backslash is an ordinary file name character here. */
    assert_false(path_is_sep('\\'));
    assert_string_equal(path_base_name("/tmp/a\\b"), "a\\b");
#endif
}

static int write_then_fail(FILE *f, void *ctx)
{
    (void)ctx;
    fputs("half of a new text", f);
    return -1;
}

static void test_file_replace(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("file_replace");
    char *path = test_path_join(dir, "rules.json");
    char *tmp = test_path_join(dir, "rules.json.tmp");
    assert_int_equal(file_replace(path, "first\n", 6), 0);
    char *text = test_read_file(path);
    assert_string_equal(text, "first\n");
    free(text);
    /* A crash's leftover temporary file is not appended to. */
    assert_int_equal(test_write_file(tmp, "stale "), 0);
    assert_int_equal(file_replace(path, "second", 6), 0);
    text = test_read_file(path);
    assert_string_equal(text, "second");
    free(text);
    assert_false(plat_path_exists(tmp));
    /* A writer that gives up: the file is as it was, no temporary file is left. */
    assert_int_not_equal(file_replace_with(path, write_then_fail, NULL), 0);
    text = test_read_file(path);
    assert_string_equal(text, "second");
    free(text);
    assert_false(plat_path_exists(tmp));
    /* A folder that does not exist: an error, nothing created. */
    char *missing = test_path_join(dir, "no-such-folder");
    char *inside = test_path_join(missing, "x.json");
    assert_true(file_replace(inside, "x", 1) < 0);
    assert_false(plat_path_exists(missing));
    free(inside);
    free(missing);
    free(tmp);
    free(path);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_whole_prefix),
        cmocka_unit_test(test_path_names),
        cmocka_unit_test(test_file_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
