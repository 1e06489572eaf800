/* The host's own log (core/log.c): text lines escape control characters as the log action does, so
 * event data (a file name, a Lua log.info text, an action error quoting a rendered command) cannot
 * split a record or forge one; JSON lines stay valid JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "log.h"

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static void test_text_lines_escape_control_characters(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("hostlog");
    char *file = test_path_join(dir, "host.log");
    assert_int_equal(log_configure(WEE_LOG_INFO, file, 0), 0);
    log_write(WEE_LOG_WARN, "file", "saw %s", "/in/evil\n2026-01-01T00:00:00.000Z ERROR [host] forged\r\x1b[2J\x7f");
    log_write(WEE_LOG_INFO, "mod\nERROR", "plain\tline");
    log_shutdown();
    char *text = test_read_file(file);
    assert_non_null(text);
    assert_int_equal(count_lines(text), 2);
    assert_non_null(strstr(text, " warn  [file] saw /in/evil\\n2026-01-01T00:00:00.000Z ERROR [host] forged\\r\\x1b[2J\\x7f\n"));
    assert_non_null(strstr(text, " info  [mod\\nERROR] plain\tline\n"));
    free(text);

    assert_int_equal(log_configure(WEE_LOG_INFO, file, 1), 0);
    log_write(WEE_LOG_WARN, "file", "saw %s", "a\nb\"c");
    log_shutdown();
    text = test_read_file(file);
    assert_int_equal(count_lines(text), 3);
    cJSON *j = cJSON_Parse(strrchr(text, '{'));
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring, "saw a\nb\"c");
    cJSON_Delete(j);
    free(text);
    free(file);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_lines_escape_control_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
