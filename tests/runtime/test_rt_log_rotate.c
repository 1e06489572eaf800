/* engine.log.max_size_mb / keep reach the host's own log: a log file already at 1 MiB is rotated by
 * the host's first line (host.log -> host.log.1, byte for byte), the new run's lines start a fresh
 * host.log, and keep 1 leaves no host.log.2. Native and under Wine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

static void test_host_log_rotates_by_config(void **state)
{
    (void)state;
    rt_paths p;
    rt_paths_init(&p);
    char *dir = test_make_temp_dir("rt_logrot");
    char *cfg = test_path_join(dir, "config.json"), *log = test_path_join(dir, "host.log");
    size_t n = strlen(log) + 3;
    char *log1 = malloc(n), *log2 = malloc(n);
    snprintf(log1, n, "%s.1", log);
    snprintf(log2, n, "%s.2", log);
    /* 1 MiB of earlier lines: the next line would pass max_size_mb 1 */
    enum { LINE = 64, LINES = 1024 * 1024 / LINE };
    char *old = malloc((size_t)LINE * LINES + 1);
    for (int i = 0; i < LINES; i++) {
        char *l = old + (size_t)i * LINE;
        int k = snprintf(l, LINE, "earlier line %06d ", i);
        memset(l + k, '.', (size_t)(LINE - 1 - k));
        l[LINE - 1] = '\n';
    }
    old[(size_t)LINE * LINES] = '\0';
    assert_int_equal(test_write_file(log, old), 0);
    /* The test waits on ready.log, not host.log: on Windows a reader of host.log (test_read_file's fopen
     * has no delete sharing) at the moment of rotation would make it wait for the retry a second later. */
    char *ready = test_path_join(dir, "ready.log");
    char *jlog = rt_json(log), *jready = rt_json(ready), text[4096];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"log\": { \"file\": %s, \"max_size_mb\": 1, \"keep\": 1 } },\n"
             "  \"rules\": [ { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "    \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] } ] }\n",
             jlog, jready);
    assert_int_equal(test_write_file(cfg, text), 0);
    rt_host h;
    rt_host_start(&h, &p, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    assert_int_equal(rt_host_stop(&h), 0);

    char *rotated = test_read_file(log1), *fresh = test_read_file(log);
    assert_non_null(rotated);
    assert_non_null(fresh);
    assert_int_equal(strlen(rotated), (size_t)LINE * LINES);
    assert_string_equal(rotated, old);
    assert_null(strstr(fresh, "earlier line"));
    assert_non_null(strstr(fresh, "[engine] running"));
    assert_non_null(strstr(fresh, "[host] stopping"));
    assert_null(strstr(fresh, "cannot rotate"));
    assert_false(plat_path_exists(log2));
    free(rotated); free(fresh); free(old); free(jlog); free(jready); free(ready);
    test_remove_tree(dir);
    free(log1); free(log2); free(log); free(cfg); free(dir);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_log_rotates_by_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
