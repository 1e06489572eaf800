/*
 * Runtime: rules that remember and batched actions, through the real host with real file events,
 * `host emit` over the control channel and the timer thread:
 * - threshold: the fifth new file in a folder fires, the first four do not;
 * - sequence: a custom.begin for a name, then a new file of that name, fires once; a hot reload of
 *   unchanged rules keeps the partial sequence (the reload report says so) and `host status` shows it;
 * - absence: a job started without a done event fires after within_ms, one that finished does not; a
 *   heartbeat rule fires once per silence and again after the next heartbeat;
 * - batch: 50 new files run one exec (or two, if the burst straddles batch_ms) whose arguments are
 *   every file name ({{batch.each.name}}), and a log line with {{batch.count}}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"
#include "platform/append_file.h"

static rt_paths P;

typedef struct paths { char *dir, *in, *bin, *cfg, *out, *batch, *hostlog, ctl[512]; } paths;

static void control_path(char *buf, size_t size, const char *dir)
{
#ifdef _WIN32
    (void)dir;
    snprintf(buf, size, "\\\\.\\pipe\\wee-rt-memory-%llu", (unsigned long long)plat_getpid());
#else
    snprintf(buf, size, "%s/c.sock", dir);
#endif
}

static void write_cfg(const paths *p, const char *extra_rule)
{
    char *ji = rt_json(p->in), *jb = rt_json(p->bin), *jo = rt_json(p->out), *jh = rt_json(p->hostlog),
         *jc = rt_json(p->ctl), *jt = rt_json(P.testchild), *jbt = rt_json(p->batch);
    char text[8192];
    snprintf(text, sizeof text,
             "{ \"version\": 1, \"engine\": { \"workers\": 2, \"control\": { \"path\": %s }, \"log\": { \"file\": %s } },\n"
             "  \"sources\": [ { \"id\": \"in\", \"module\": \"file\", \"paths\": [%s], \"settle_ms\": 0 },\n"
             "               { \"id\": \"bin\", \"module\": \"file\", \"paths\": [%s], \"settle_ms\": 0 } ],\n"
             "  \"rules\": [\n"
             "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
             "    { \"name\": \"burst\", \"when\": { \"event\": \"file.created\", \"source\": \"in\", \"match\": { \"name\": { \"glob\": \"t-*\" } } },\n"
             "      \"threshold\": { \"count\": 5, \"within_ms\": 60000, \"group_by\": \"dir\" },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"burst {{threshold.count}}\" } ] },\n"
             "    { \"name\": \"seq\", \"sequence\": { \"within_ms\": 60000, \"join\": \"name\", \"steps\": [\n"
             "        { \"event\": \"custom.begin\" },\n"
             "        { \"event\": \"file.created\", \"source\": \"in\", \"match\": { \"name\": { \"glob\": \"s-*\" } } } ] },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"seq {{group}} {{seq.count}}\" } ] },\n"
             "    { \"name\": \"job\", \"absence\": { \"within_ms\": 1500, \"group_by\": \"job\",\n"
             "        \"after\": { \"event\": \"custom.job_started\" }, \"expect\": { \"event\": \"custom.job_done\" } },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"absent {{group}}\" } ] },\n"
             "    { \"name\": \"quiet\", \"absence\": { \"within_ms\": 1500, \"expect\": { \"event\": \"custom.heartbeat\" } },\n"
             "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"silence {{rule}}\" } ] },\n"
             "    { \"name\": \"batch\", \"when\": { \"event\": \"file.created\", \"source\": \"bin\" },\n"
             "      \"batch_ms\": 1500, \"batch_max\": 1000,\n"
             "      \"do\": [ { \"action\": \"exec\", \"command\": %s, \"args\": [\"append\", %s, \"BATCH\", \"{{batch.each.name}}\"] },\n"
             "              { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"batch {{batch.count}}\" } ] }%s%s\n"
             "  ] }\n",
             jc, jh, ji, jb, jo, jo, jo, jo, jo, jt, jbt, jo, extra_rule ? ",\n" : "", extra_rule ? extra_rule : "");
    assert_int_equal(test_write_file(p->cfg, text), 0);
    free(ji); free(jb); free(jo); free(jh); free(jc); free(jt); free(jbt);
}

/* `host --control <ctl> args...`, output captured. */
static void run_host(const paths *p, plat_process_result *res, const char *const *args)
{
    const char *argv[16] = { "--control", p->ctl };
    size_t n = 2;
    for (; *args && n + 1 < sizeof argv / sizeof argv[0]; args++) argv[n++] = *args;
    argv[n] = NULL;
    rt_run_host(&P, argv, NULL, res);
    if (!res->err) res->err = calloc(1, 1);
}

static void emit(const paths *p, const char *type, const char *field)
{
    plat_process_result r;
    const char *args[] = { "emit", type, field, NULL };
    run_host(p, &r, args);
    if (r.exit_code != 0) fail_msg("host emit %s %s: exit %d: %s%s", type, field ? field : "", r.exit_code, r.out, r.err);
    plat_process_result_free(&r);
}

static void touch_in(const char *dir, const char *name)
{
    char *f = test_path_join(dir, name);
    assert_int_equal(test_write_file(f, ""), 0);
    free(f);
}

static size_t count_text(const char *path, const char *needle)
{
    char *text = test_read_file(path);
    size_t n = 0;
    for (const char *s = text; s && (s = strstr(s, needle)) != NULL; s += strlen(needle)) n++;
    free(text);
    return n;
}

/* Sum of the numbers after each "batch " in the output log. */
static long batch_sum(const char *path, size_t *lines)
{
    char *text = test_read_file(path);
    long sum = 0;
    *lines = 0;
    for (const char *s = text; s && (s = strstr(s, "batch ")) != NULL; s += 6) {
        sum += strtol(s + 6, NULL, 10);
        (*lines)++;
    }
    free(text);
    return sum;
}

static void remembered_and_batched_through_the_host(void **state)
{
    (void)state;
    paths p;
    p.dir = test_make_temp_dir("rt_memory");
    p.in = test_path_join(p.dir, "in");
    p.bin = test_path_join(p.dir, "bin");
    p.cfg = test_path_join(p.dir, "config.json");
    p.out = test_path_join(p.dir, "out.log");
    p.batch = test_path_join(p.dir, "batch.txt");
    p.hostlog = test_path_join(p.dir, "host.log");
    control_path(p.ctl, sizeof p.ctl, p.dir);
    assert_int_equal(plat_mkdir(p.in), 0);
    assert_int_equal(plat_mkdir(p.bin), 0);
    write_cfg(&p, NULL);
    rt_host h;
    rt_host_start(&h, &P, p.cfg, p.dir);
    assert_true(rt_wait_for_text(p.out, "ready", 20000));

    /* absence without after: silence since start fires once, a heartbeat re-arms it. */
    assert_true(rt_wait_for_text(p.out, "silence quiet", 15000));
    emit(&p, "custom.heartbeat", NULL);
    plat_sleep_ms(300);
    assert_int_equal(count_text(p.out, "silence quiet"), 1);
    for (int i = 0; i < 150 && count_text(p.out, "silence quiet") < 2; i++) plat_sleep_ms(100);
    assert_int_equal(count_text(p.out, "silence quiet"), 2);

    /* threshold: four new files do nothing, the fifth fires. */
    for (int i = 1; i <= 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "t-%d", i);
        touch_in(p.in, name);
    }
    plat_sleep_ms(800);
    assert_int_equal(count_text(p.out, "burst"), 0);
    touch_in(p.in, "t-5");
    assert_true(rt_wait_for_text(p.out, "burst 5", 15000));

    /* sequence: a new file before its begin event does nothing; begin, then a reload of unchanged
     * rules, then the file: fires with the joined name. */
    touch_in(p.in, "s-early.txt");
    emit(&p, "custom.begin", "name=s-b.txt");
    plat_process_result st;
    const char *status[] = { "status", NULL };
    for (int i = 0; i < 100; i++) {
        run_host(&p, &st, status);
        int ok = strstr(st.out, "memory seq") && strstr(st.out, "sequence  groups 1");
        if (ok) break;
        plat_process_result_free(&st);
        plat_sleep_ms(100);
    }
    if (!strstr(st.out, "sequence  groups 1")) fail_msg("status does not show the partial sequence:\n%s", st.out);
    plat_process_result_free(&st);
    write_cfg(&p, "{ \"name\": \"extra\", \"when\": { \"event\": \"custom.never\" }, \"do\": [ { \"action\": \"log\", \"message\": \"x\" } ] }");
    plat_process_result rl;
    const char *reload[] = { "reload", NULL };
    run_host(&p, &rl, reload);
    if (!strstr(rl.out, "(4 stateful kept their memory)")) fail_msg("reload report: %s%s", rl.out, rl.err);
    plat_process_result_free(&rl);
    touch_in(p.in, "s-b.txt");
    assert_true(rt_wait_for_text(p.out, "seq s-b.txt 2", 15000));
    assert_int_equal(count_text(p.out, "seq s-early.txt"), 0);

    /* absence after: job a finished in time, job b did not. */
    emit(&p, "custom.job_started", "job=a");
    emit(&p, "custom.job_started", "job=b");
    emit(&p, "custom.job_done", "job=a");
    assert_true(rt_wait_for_text(p.out, "absent b", 15000));
    plat_sleep_ms(1000);
    assert_int_equal(count_text(p.out, "absent a"), 0);

    /* batch: 50 files, one exec per batch with every name as an argument. */
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "b-%02d", i);
        touch_in(p.bin, name);
    }
    size_t lines = 0;
    for (int i = 0; i < 200 && batch_sum(p.out, &lines) < 50; i++) plat_sleep_ms(100);
    assert_int_equal(batch_sum(p.out, &lines), 50);
    assert_true(lines >= 1 && lines <= 2);
    assert_int_equal(count_text(p.batch, "BATCH"), lines);
    assert_int_equal(count_text(p.batch, "b-"), 50);
    assert_int_equal(count_text(p.batch, "b-49\n"), 1);

    assert_int_equal(rt_host_stop(&h), 0);
    test_remove_tree(p.dir);
    free(p.dir); free(p.in); free(p.bin); free(p.cfg); free(p.out); free(p.batch); free(p.hostlog);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(remembered_and_batched_through_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
