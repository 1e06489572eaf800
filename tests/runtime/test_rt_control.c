/*
 * Runtime: the control channel and the metrics endpoint of the real host (timer + log modules).
 * - `host status` prints the running figures; `host emit` reaches a rule; `host reload` relays the
 *   engine's report and exit code (success and a broken config);
 * - GET /metrics through libcurl: Prometheus content type and wee_ lines, 404 elsewhere, many scrapes;
 * - hostile clients (silent, 10 MB, garbage) neither block `host status` nor the host's stop;
 * - a second host on the same control path is refused; no host gives the "no running host" hint;
 * - a non-loopback metrics address is a config error at engine.metrics.listen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "rt_support.h"
#include "control_protocol.h"
#include "control_server.h"
#include "metrics_http.h"
#include "platform/ipc.h"
#include "platform/net.h"
#include "wee/errors.h"

static rt_paths P;

static void control_path(char *buf, size_t size, const char *dir, const char *tag)
{
#ifdef _WIN32
    (void)dir;
    snprintf(buf, size, "\\\\.\\pipe\\wee-rt-%llu-%s", (unsigned long long)plat_getpid(), tag);
#else
    snprintf(buf, size, "%s/%s.sock", dir, tag);
#endif
}

static int free_port(void)
{
    plat_tcp_listener *l = NULL;
    char err[256];
    assert_int_equal(plat_tcp_listen("127.0.0.1", 0, &l, err, sizeof err), 0);
    int port = plat_tcp_port(l);
    plat_tcp_close_listener(l);
    return port;
}

/* Runs `host <args...>` to completion with stdout and stderr captured. */
static void run_host(plat_process_result *res, const char *const *args)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = P.host;
    for (; *args && n < 23; args++) argv[n++] = *args;
    argv[n] = NULL;
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 90000;
    spec.stdout_max = 1 << 20;
    spec.stderr_max = 1 << 20;
    spec.capture_stderr = 1;
    memset(res, 0, sizeof *res);
    assert_int_equal(plat_process_run(&spec, res), 0);
    assert_true(res->started);
    if (!res->out) res->out = calloc(1, 1);
    if (!res->err) res->err = calloc(1, 1);
}

static const char *const RULES_FMT =
    "  \"sources\": [ { \"id\": \"tick\", \"module\": \"timer\", \"interval_ms\": 100, \"immediate\": true } ],\n"
    "  \"rules\": [\n"
    "    { \"name\": \"ready\", \"when\": { \"event\": \"engine.started\" },\n"
    "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"ready\" } ] },\n"
    "    { \"name\": \"ticks\", \"when\": { \"event\": \"timer.tick\" },\n"
    "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"{{type}} {{name}}\" } ] },\n"
    "    { \"name\": \"ping\", \"when\": { \"event\": \"custom.ping\" },\n"
    "      \"do\": [ { \"action\": \"log\", \"target\": \"file\", \"file\": %s, \"message\": \"{{type}} who={{who}} n={{n}} src={{source}}\" } ] } ] }\n";

static char *write_config(const char *dir, const char *ctl, int port, int broken)
{
    char *cfg = test_path_join(dir, "config.json");
    char *ready = test_path_join(dir, "ready.log"), *ticks = test_path_join(dir, "ticks.log"),
         *events = test_path_join(dir, "events.log");
    char *jr = rt_json(ready), *jt = rt_json(ticks), *je = rt_json(events), *jc = rt_json(ctl);
    char rules[4096], text[8192];
    snprintf(rules, sizeof rules, RULES_FMT, jr, jt, je);
    snprintf(text, sizeof text,
             "{ \"version\": 1,\n"
             "  \"engine\": { \"workers\": 2, \"control\": { \"path\": %s }, \"metrics\": { \"listen\": \"127.0.0.1:%d\" }%s },\n%s",
             jc, port, broken ? ", \"workers_typo\": 3" : "", rules);
    assert_int_equal(test_write_file(cfg, text), 0);
    free(jr); free(jt); free(je); free(jc); free(ready); free(ticks); free(events);
    return cfg;
}

typedef struct http_reply { long status; char type[128]; char *body; size_t len; } http_reply;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    http_reply *r = arg;
    char *grown = realloc(r->body, r->len + size * n + 1);
    if (!grown) return 0;
    r->body = grown;
    memcpy(r->body + r->len, data, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static int http_get_host(int port, const char *path, const char *host_header, http_reply *r)
{
    memset(r, 0, sizeof *r);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    struct curl_slist *headers = host_header ? curl_slist_append(NULL, host_header) : NULL;
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    char *type = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
        snprintf(r->type, sizeof r->type, "%s", type);
    curl_easy_cleanup(c);
    if (!r->body) r->body = calloc(1, 1);
    return rc == CURLE_OK ? 0 : (int)rc;
}

static int http_get(int port, const char *path, http_reply *r) { return http_get_host(port, path, NULL, r); }

#define SCRAPES_PER_THREAD 10
typedef struct scraper { plat_thread thread; int port; int ok; } scraper;

static void scrape_many(void *arg)
{
    scraper *sc = arg;
    for (int i = 0; i < SCRAPES_PER_THREAD; i++) {
        /* An explicit 503 (every slot busy past the backlog wait, which a loaded CI machine can hit) is
         * an answer: scrape again, as Prometheus would at its next interval. A reset or a dropped
         * connection is not, and fails the count. */
        for (int attempt = 0; attempt < 50; attempt++) {
            http_reply r;
            memset(&r, 0, sizeof r);
            int rc = http_get(sc->port, "/metrics", &r);
            int status = r.status;
            if (rc == 0 && status == 200 && r.body && strstr(r.body, "wee_")) sc->ok++;
            free(r.body);
            if (rc != 0 || status != 503) break;
            plat_sleep_ms(50);
        }
    }
}

/* A raw control request; returns the whole response (malloc'd) or NULL if the host closed first. */
static char *raw_request(const char *ctl, const char *data, size_t len)
{
    plat_conn *c = NULL;
    char err[256];
    assert_int_equal(plat_ipc_connect(ctl, 5000, &c, err, sizeof err), 0);
    plat_conn_write(c, data, len, 20000);   /* may fail part-way: the host stops reading a 10 MB flood */
    strbuf out = STRBUF_INIT;
    char chunk[4096];
    int n;
    while ((n = plat_conn_read(c, chunk, sizeof chunk, 20000)) > 0) strbuf_append(&out, chunk, (size_t)n);
    plat_conn_close(c);
    return out.len ? strbuf_detach(&out) : (strbuf_free(&out), NULL);
}

static void check_status_counts(const char *ctl)
{
    plat_process_result r;
    const char *args[] = { "--control", ctl, "status", NULL };
    run_host(&r, args);
    if (r.exit_code != 0) fprintf(stderr, "status stderr: %s\n", r.err);
    assert_int_equal(r.exit_code, 0);
    const char *rec = strstr(r.out, "received ");
    assert_non_null(rec);
    assert_true(strtoll(rec + 9, NULL, 10) > 0);
    plat_process_result_free(&r);
}

static void test_control_and_metrics_through_the_real_host(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_control");
    char ctl[512];
    control_path(ctl, sizeof ctl, dir, "c");
    int port = free_port();
    char *cfg = write_config(dir, ctl, port, 0);
    char *ready = test_path_join(dir, "ready.log"), *ticks = test_path_join(dir, "ticks.log"),
         *events = test_path_join(dir, "events.log");
    rt_host h;
    rt_host_start(&h, &P, cfg, dir);
    assert_true(rt_wait_for_text(ready, "ready", 20000));
    assert_true(rt_wait_for_lines(ticks, 2, 20000) >= 2);
    assert_true(rt_wait_for_text(ticks, "timer.tick tick", 1000));

    /* status: the running figures. */
    check_status_counts(ctl);
    /* The endpoint can also be taken from the config the host runs. */
    plat_process_result st;
    const char *by_config[] = { "--config", cfg, "status", NULL };
    run_host(&st, by_config);
    assert_int_equal(st.exit_code, 0);
    assert_non_null(strstr(st.out, "received "));
    plat_process_result_free(&st);

    /* emit: typed fields reach the rule, stamped as coming from the control channel. */
    plat_process_result r;
    const char *emit[] = { "--control", ctl, "emit", "custom.ping", "who=tester", "n=3", NULL };
    run_host(&r, emit);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "emitted custom.ping"));
    plat_process_result_free(&r);
    assert_true(rt_wait_for_text(events, "custom.ping who=tester n=3 src=control", 20000));
    const char *bad_emit[] = { "--control", ctl, "emit", "custom.ping", "who", NULL };
    run_host(&r, bad_emit);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "argument \"who\": expected field=value"));
    plat_process_result_free(&r);

    /* reload: the engine's report and verdict are relayed as they are. */
    const char *reload[] = { "--control", ctl, "reload", NULL };
    run_host(&r, reload);
    if (r.exit_code != 0) fprintf(stderr, "reload stderr: %s\n", r.err);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "reloaded"));
    plat_process_result_free(&r);
    free(write_config(dir, ctl, port, 1));
    run_host(&r, reload);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "engine.workers_typo"));
    assert_string_equal(r.out, "");
    plat_process_result_free(&r);
    free(write_config(dir, ctl, port, 0));

    /* metrics: a real HTTP client. */
    http_reply m;
    assert_int_equal(http_get(port, "/metrics", &m), 0);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.type, "text/plain; version=0.0.4");
    assert_non_null(strstr(m.body, "\nwee_events_received_total "));
    size_t wee_lines = 0;
    for (const char *line = m.body; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        wee_lines += strncmp(line, "wee_", 4) == 0;
    assert_true(wee_lines >= 3);
    free(m.body);
    assert_int_equal(http_get(port, "/other", &m), 0);
    assert_int_equal(m.status, 404);
    free(m.body);
    /* DNS rebinding: a page whose own name resolves to 127.0.0.1 is refused by its Host header. */
    assert_int_equal(http_get_host(port, "/metrics", "Host: evil.example:9464", &m), 0);
    assert_int_equal(m.status, 403);
    assert_null(strstr(m.body, "wee_"));
    free(m.body);
    assert_int_equal(http_get_host(port, "/metrics", "Host: localhost", &m), 0);
    assert_int_equal(m.status, 200);
    free(m.body);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(http_get(port, "/metrics", &m), 0);
        assert_int_equal(m.status, 200);
        free(m.body);
    }
    /* Twice as many concurrent scrapers as the endpoint has slots: every scrape is answered 200 (the
     * rest wait in the backlog instead of being refused or reset). */
    scraper sc[2 * METRICS_MAX_CLIENTS];
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
        sc[i].port = port;
        sc[i].ok = 0;
        assert_int_equal(plat_thread_start(&sc[i].thread, scrape_many, &sc[i]), 0);
    }
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
        plat_thread_join(&sc[i].thread);
        assert_int_equal(sc[i].ok, SCRAPES_PER_THREAD);
    }

    /* Hostile clients: garbage and a 10 MB line get a clear error; a silent one blocks nobody. */
    char *resp = raw_request(ctl, "\x01\x02 garbage\n", 11);
    assert_non_null(resp);
    assert_true(strncmp(resp, "error\nunknown command", 21) == 0);
    free(resp);
    size_t big = 10u * 1024 * 1024;
    char *flood = malloc(big);
    memset(flood, 'A', big);
    resp = raw_request(ctl, flood, big);
    free(flood);
    assert_non_null(resp);
    assert_true(strncmp(resp, "error\nrequest too large", 23) == 0);
    free(resp);
    /* More silent clients than the channel has slots: status still gets through (the server drops
     * clients that send nothing, and the command retries while it hears "busy"). */
    plat_conn *silent[CONTROL_MAX_CLIENTS + 4];
    char err[256];
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++)
        assert_int_equal(plat_ipc_connect(ctl, 5000, &silent[i], err, sizeof err), 0);
    check_status_counts(ctl);
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) plat_conn_close(silent[i]);
    plat_conn *quiet = NULL;
    assert_int_equal(plat_ipc_connect(ctl, 5000, &quiet, err, sizeof err), 0);

    /* A second host on the same control path is refused, and the first keeps serving. */
    const char *second[] = { "--config", cfg, "--modules", P.modules, "--control", ctl, "--duration", "20000", NULL };
    run_host(&r, second);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "another host is already running"));
    plat_process_result_free(&r);
    check_status_counts(ctl);

    /* Stopping with the silent client still connected. */
    assert_int_equal(rt_host_stop(&h), 0);
    plat_conn_close(quiet);
    const char *after[] = { "--control", ctl, "status", NULL };
    run_host(&r, after);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "no running host at"));
    plat_process_result_free(&r);

    free(ready); free(ticks); free(events); free(cfg);
    test_remove_tree(dir);
    free(dir);
}

static void test_no_running_host(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_control_none");
    char ctl[512], expect[700];
    control_path(ctl, sizeof ctl, dir, "nobody");
    const char *args[] = { "--control", ctl, "status", NULL };
    plat_process_result r;
    run_host(&r, args);
    assert_int_equal(r.exit_code, 1);
    snprintf(expect, sizeof expect,
             "no running host at %s: start one with host --config FILE, or pass --control PATH", ctl);
    assert_non_null(strstr(r.err, expect));
    plat_process_result_free(&r);
    test_remove_tree(dir);
    free(dir);
}

static void test_metrics_must_be_loopback(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("rt_control_cfg");
    char *cfg = test_path_join(dir, "config.json");
    assert_int_equal(test_write_file(cfg, "{ \"version\": 1, \"engine\": { \"metrics\": { \"listen\": \"0.0.0.0:9464\" } },"
                                          " \"sources\": [], \"rules\": [] }"), 0);
    const char *args[] = { "--modules", P.modules, "validate", cfg, NULL };
    plat_process_result r;
    run_host(&r, args);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "engine.metrics.listen"));
    assert_non_null(strstr(r.err, "only loopback addresses are allowed"));
    plat_process_result_free(&r);
    /* The shipped example that turns both on is valid. */
    char example[1400];
    snprintf(example, sizeof example, "%s%sconfig%sexamples%smetrics.json", WEE_SOURCE_DIR, plat_path_sep(),
             plat_path_sep(), plat_path_sep());
    const char *ok_args[] = { "--modules", P.modules, "validate", example, NULL };
    run_host(&r, ok_args);
    if (r.exit_code != 0) fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.exit_code, 0);
    plat_process_result_free(&r);
    free(cfg);
    test_remove_tree(dir);
    free(dir);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_and_metrics_through_the_real_host),
        cmocka_unit_test(test_no_running_host),
        cmocka_unit_test(test_metrics_must_be_loopback),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
