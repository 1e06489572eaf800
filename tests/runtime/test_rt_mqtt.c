/*
 * Runtime: the mqtt module through the real host against Debian's mosquitto on loopback (started by
 * the CTest fixture mqtt_broker, tests/runtime/mqtt_broker.sh; ports and certificates in its env file).
 * The other side of every exchange is a libmosquitto client in this test ("peer").
 *  - QoS 0/1/2 in and out through a rule; 10,000 QoS 1 messages, each event exactly once;
 *  - retained and wildcard topics; JSON, binary and oversize payloads;
 *  - TLS with a client certificate; a wrong CA refused with a clear log line;
 *  - wrong password, refused client id: a clear log line each, the engine keeps running;
 *  - the fleet walk-through of docs/modules/mqtt.md: two hosts, forward + commands + status;
 *  - a reload to a changed broker; a refused setting keeps the running config;
 *  - the queue overflowing while the broker is away (counted, one log line a second, workers go on);
 *  - natively (the test must start and kill brokers itself): unreachable port then reconnect with the
 *    spool file, broker killed mid-stream (QoS 1 published while down arrive after), and a persistent
 *    session losing nothing across a host restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mqtt_support.h"

/* ---- tests ---- */

/* in/<n> at QoS q -> event -> action publishes out/in/<n> at QoS q, payload = the message's payload. */
static void roundtrip(int qos, int count, int log_events)
{
    char modules[512], rules[1024], sources[256], tag[32];
    char *b = broker_json("main", PORT_PLAIN, NULL);
    snprintf(modules, sizeof modules, "{ \"host_name\": \"rt%d\", \"brokers\": [ %s ] }", qos, b);
    snprintf(sources, sizeof sources, "{ \"id\": \"in\", \"module\": \"mqtt\", \"topics\": [\"q%d/in/#\"], \"qos\": %d }", qos, qos);
    snprintf(rules, sizeof rules,
             "{ \"name\": \"echo\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
             "  { \"action\": \"mqtt\", \"topic\": \"q%d/out/{{topic}}\", \"payload\": \"{{payload}}\", \"qos\": %d }%s ] }",
             qos, qos, log_events ? ",\n  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{payload}} {{qos}}\" }" : "");
    snprintf(tag, sizeof tag, "rt_mqtt_q%d", qos);
    host_run r;
    host_begin(&r, tag, modules, sources, rules);
    peer *p = peer_open(PORT_PLAIN, "wee-peer-rt", 1);
    char filter[32];
    snprintf(filter, sizeof filter, "q%d/out/#", qos);
    peer_sub(p, filter, qos);
    host_start(&r);
    expect_log(&r, "broker 'main' connected", 20000);
    plat_sleep_ms(200); /* the source's SUBACK */
    char topic[64], payload[32];
    for (int i = 0; i < count; i++) {
        snprintf(topic, sizeof topic, "q%d/in/%d", qos, i);
        snprintf(payload, sizeof payload, "m%d", i);
        peer_pub(p, topic, payload, (int)strlen(payload), qos, 0);
    }
    size_t got = peer_wait(p, (size_t)count, 120000);
    /* Each message once: every index seen, none twice. */
    unsigned char *seen = calloc((size_t)count, 1);
    size_t dups = 0;
    plat_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count; i++) {
        int k = atoi((const char *)p->msgs[i].payload + 1);
        assert_true(k >= 0 && k < count);
        assert_int_equal(p->msgs[i].qos, qos);
        if (seen[k]++) dups++;
    }
    plat_mutex_unlock(&p->lock);
    if (got != (size_t)count || dups) fprintf(stderr, "qos %d: got %zu of %d, %zu duplicate(s)\n", qos, got, count, dups);
    assert_int_equal(got, (size_t)count);
    assert_int_equal(dups, 0);
    free(seen);
    if (log_events) {
        char want[64];
        snprintf(want, sizeof want, "m%d %d", count - 1, qos);
        assert_true(rt_wait_for_text(r.out, want, 5000));
    }
    host_stop(&r);
    peer_close(p);
    host_end(&r);
    free(b);
}

static void test_qos0(void **state) { (void)state; roundtrip(0, 200, 1); }
static void test_qos1(void **state) { (void)state; roundtrip(1, 200, 1); }
static void test_qos2(void **state) { (void)state; roundtrip(2, 200, 1); }
static void test_qos1_ten_thousand(void **state) { (void)state; roundtrip(1, 10000, 0); }

/* Retained + wildcards; JSON, binary and oversize payloads as event fields; a retained publish. */
static void test_retained_wildcard_payloads(void **state)
{
    (void)state;
    peer *p = peer_open(PORT_PLAIN, "wee-peer-pay", 1);
    peer_pub(p, "pay/kept/state", "on", 2, 1, 1); /* retained before the host exists */
    plat_sleep_ms(200);
    char modules[512];
    char *b = broker_json("main", PORT_PLAIN, NULL);
    snprintf(modules, sizeof modules, "{ \"host_name\": \"pay\", \"brokers\": [ %s ] }", b);
    host_run r;
    host_begin(&r, "rt_mqtt_pay", modules,
               "{ \"id\": \"in\", \"module\": \"mqtt\", \"topics\": [\"pay/+/state\", \"pay/data/#\"], \"max_payload_bytes\": 1000 }",
               "{ \"name\": \"show\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": "
               "\"{{topic}}|{{retain}}|{{payload_encoding}}|{{payload_size}}|{{payload}}|{{json.name}}|{{json.n}}|{{json.ok}}|{{json.list}}\" },\n"
               "  { \"action\": \"mqtt\", \"topic\": \"pay/echo/last\", \"payload\": \"{{topic}}\", \"retain\": true, \"qos\": 1 } ] }");
    host_start(&r);
    expect_log(&r, "broker 'main' connected", 20000);
    assert_true(rt_wait_for_text(r.out, "pay/kept/state|true|utf-8|2|on|", 10000));
    plat_sleep_ms(200);
    const char *json = "{\"name\": \"caf\xc3\xa9\", \"n\": 42, \"ok\": true, \"list\": [1,2], \"bad key\": 1}";
    peer_pub(p, "pay/data/json", json, (int)strlen(json), 1, 0);
    const unsigned char bin[] = { 0x00, 0xff, 0x10, 'a', 0x80 };
    peer_pub(p, "pay/data/bin", bin, (int)sizeof bin, 1, 0);
    char *big = malloc(5000);
    memset(big, 'x', 5000);
    peer_pub(p, "pay/data/big", big, 5000, 1, 0);
    free(big);
    peer_pub(p, "pay/data/after", "z", 1, 1, 0);
    assert_true(rt_wait_for_text(r.out, "pay/data/after|false|utf-8|1|z|", 10000));
    char *out = test_read_file(r.out);
    assert_non_null(strstr(out, "pay/data/json|false|utf-8|"));
    assert_non_null(strstr(out, "|caf\xc3\xa9|42|true|[1,2]"));
    assert_non_null(strstr(out, "pay/data/bin|false|base64|5|AP8QYYA=|"));
    assert_null(strstr(out, "pay/data/big"));
    free(out);
    expect_log(&r, "dropped a 5000-byte message on \"pay/data/big\" is over max_payload_bytes 1000", 2000);
    /* The action's retained publish is there for a subscriber that comes later. */
    peer *late = peer_open(PORT_PLAIN, "wee-peer-late", 1);
    peer_sub(late, "pay/echo/last", 1);
    assert_true(peer_wait(late, 1, 5000) >= 1);
    assert_int_equal(late->msgs[0].retain, 1);
    host_stop(&r);
    peer_pub(p, "pay/kept/state", "", 0, 1, 1);  /* clear the retained messages for reruns */
    peer_pub(p, "pay/echo/last", "", 0, 1, 1);
    plat_sleep_ms(100);
    peer_close(late);
    peer_close(p);
    host_end(&r);
    free(b);
}

/* TLS with a CA and client certificate made by the fixture; the wrong CA refused, clearly. */
static void test_tls(void **state)
{
    (void)state;
    char *ca = bfile("ca.crt"), *wrong = bfile("wrong-ca.crt"), *cert = bfile("client.crt"), *key = bfile("client.key");
    char *jca = rt_json(ca), *jwrong = rt_json(wrong), *jcert = rt_json(cert), *jkey = rt_json(key);
    char extra[2048], modules[4096];
    snprintf(extra, sizeof extra, "\"tls_ca\": %s, \"tls_cert\": %s, \"tls_key\": %s, \"reconnect_min_ms\": 200", jca, jcert, jkey);
    char *good = broker_json("secure", PORT_TLS, extra);
    snprintf(extra, sizeof extra, "\"tls_ca\": %s, \"tls_cert\": %s, \"tls_key\": %s, \"reconnect_min_ms\": 200", jwrong, jcert, jkey);
    char *bad = broker_json("wrongca", PORT_TLS, extra);
    snprintf(modules, sizeof modules, "{ \"host_name\": \"tls\", \"brokers\": [ %s, %s ] }", good, bad);
    host_run r;
    host_begin(&r, "rt_mqtt_tls", modules,
               "{ \"id\": \"in\", \"module\": \"mqtt\", \"broker\": \"secure\", \"topics\": [\"tls/in\"] }",
               "{ \"name\": \"echo\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
               "  { \"action\": \"mqtt\", \"broker\": \"secure\", \"topic\": \"tls/out\", \"payload\": \"got {{payload}}\", \"qos\": 1 },\n"
               "  { \"action\": \"mqtt\", \"broker\": \"wrongca\", \"topic\": \"tls/never\", \"qos\": 1 } ] }");
    peer *p = peer_open(PORT_PLAIN, "wee-peer-tls", 1);  /* plain and TLS listeners share one broker */
    peer_sub(p, "tls/#", 1);
    host_start(&r);
    expect_log(&r, "broker 'secure' connected", 20000);
    expect_log(&r, "broker 'wrongca' (127.0.0.1:", 20000);
    expect_log(&r, "TLS error", 20000);
    expect_log(&r, "certificate verify failed", 2000);
    plat_sleep_ms(200);
    peer_pub(p, "tls/in", "hello", 5, 1, 0);
    assert_true(peer_wait(p, 2, 10000) >= 2);
    const rx *m = peer_find(p, "tls/out");
    assert_non_null(m);
    assert_string_equal((const char *)m->payload, "got hello");
    assert_null(peer_find(p, "tls/never"));
    host_stop(&r);
    peer_close(p);
    host_end(&r);
    free(good); free(bad); free(ca); free(wrong); free(cert); free(key);
    free(jca); free(jwrong); free(jcert); free(jkey);
}

/* Wrong password and a refused client id: one clear line each; a good broker beside them keeps working. */
static void test_refusals(void **state)
{
    (void)state;
    char modules[2048];
    char *pw = broker_json("badpw", PORT_AUTH, "\"username\": \"weeuser\", \"password\": \"nope\", \"reconnect_min_ms\": 200");
    char *id = broker_json("badid", PORT_PLAIN, "\"client_id\": \"not-allowed\", \"reconnect_min_ms\": 200");
    char *ok = broker_json("okpw", PORT_AUTH, "\"username\": \"weeuser\", \"password\": \"s3cret\"");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"refuse\", \"brokers\": [ %s, %s, %s ] }", pw, id, ok);
    host_run r;
    host_begin(&r, "rt_mqtt_refuse", modules,
               "{ \"id\": \"a\", \"module\": \"mqtt\", \"broker\": \"badpw\", \"topics\": [\"x\"] },"
               "{ \"id\": \"b\", \"module\": \"mqtt\", \"broker\": \"badid\", \"topics\": [\"x\"] },"
               "{ \"id\": \"c\", \"module\": \"mqtt\", \"broker\": \"okpw\", \"topics\": [\"auth/in\"] }",
               "{ \"name\": \"show\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{source}} {{payload}}\" } ] }");
    host_start(&r);
    expect_log(&r, "broker 'badpw' (127.0.0.1:", 20000);
    expect_log(&r, "(client id \"wee-refuse-badpw\"): Connection Refused: not authorised.; check username/password", 20000);
    /* Mosquitto refuses a client id outside clientid_prefixes as "not authorised" (CONNACK 5). */
    expect_log(&r, "(client id \"not-allowed\"): Connection Refused: not authorised.; check username/password, whether "
                   "the broker admits this client id", 20000);
    expect_log(&r, "broker 'okpw' connected", 20000);
    plat_sleep_ms(300);
    peer *p = peer_open(PORT_PLAIN, "wee-peer-auth", 1);
    peer_pub(p, "auth/in", "fine", 4, 1, 0);
    assert_true(rt_wait_for_text(r.out, "c fine", 10000));
    /* It keeps trying (capped backoff), without a new log line per attempt. */
    plat_sleep_ms(1500);
    char *log = test_read_file(r.log);
    size_t lines = 0;
    for (const char *s = log; (s = strstr(s, "\"not-allowed\"")); s++) lines++;
    assert_true(lines == 1);
    free(log);
    host_stop(&r);
    peer_close(p);
    host_end(&r);
    free(pw); free(id); free(ok);
}

/* docs/modules/mqtt.md "Two hosts": A forwards its file events and takes commands; B reacts to A's
 * files and sends A a command; A's retained status says online, then offline when it stops. */
static void test_fleet_walkthrough(void **state)
{
    (void)state;
    char modules[1024];
    char *b = broker_json("fleet", PORT_PLAIN, NULL);
    host_run a, bh;
    char *watch = test_make_temp_dir("rt_mqtt_watch");
    char *jw = rt_json(watch);
    char src[2048];
    snprintf(modules, sizeof modules, "{ \"host_name\": \"alpha\", \"brokers\": [ %s ] }", b);
#ifdef _WIN32
    snprintf(g_control, sizeof g_control, "\\\\.\\pipe\\wee-rt-mqtt-%llu", (unsigned long long)plat_getpid());
#else
    snprintf(g_control, sizeof g_control, "%s/ctl.sock", watch);
#endif
    char ctl[512];
    snprintf(ctl, sizeof ctl, "%s", g_control);
    snprintf(src, sizeof src, "{ \"id\": \"inbox\", \"module\": \"file\", \"paths\": [%s] },"
                              "{ \"id\": \"fleet\", \"module\": \"mqtt\", \"commands\": true }", jw);
    host_begin(&a, "rt_mqtt_alpha", modules, src,
               "{ \"name\": \"forward\", \"when\": { \"event\": \"file.created\" }, \"do\": [ { \"action\": \"mqtt\", \"forward\": true, \"qos\": 1 } ] },\n"
               "{ \"name\": \"commands\", \"when\": { \"event\": \"mqtt.command\" }, \"do\": [\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"command {{command}} for {{target}}: {{payload}}\" } ] }");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"beta\", \"brokers\": [ %s ] }", b);
    host_begin(&bh, "rt_mqtt_beta", modules,
               "{ \"id\": \"alpha_files\", \"module\": \"mqtt\", \"topics\": [\"wee/alpha/file.created\"] }",
               "{ \"name\": \"react\", \"when\": { \"event\": \"mqtt.message\", \"source\": \"alpha_files\" }, \"do\": [\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"alpha made {{json.name}}\" },\n"
               "  { \"action\": \"mqtt\", \"topic\": \"wee/alpha/cmd/archive\", \"payload\": \"{{json.path}}\", \"qos\": 1 } ] }");
    peer *p = peer_open(PORT_PLAIN, "wee-peer-fleet", 1);
    peer_sub(p, "wee/alpha/status", 1);
    host_start(&a);
    host_start(&bh);
    expect_log(&a, "broker 'fleet' connected", 20000);
    expect_log(&bh, "broker 'fleet' connected", 20000);
    assert_true(peer_wait(p, 1, 5000) >= 1);
    assert_string_equal((const char *)peer_find(p, "wee/alpha/status")->payload, "online");
    plat_sleep_ms(500);
    char *f = test_path_join(watch, "report.txt");
    assert_int_equal(test_write_file(f, "data"), 0);
    assert_true(rt_wait_for_text(bh.out, "alpha made report.txt", 20000));
    assert_true(rt_wait_for_text(a.out, "command archive for alpha: ", 20000));
    assert_true(rt_wait_for_text(a.out, "report.txt", 2000));
    /* The shared connection's state in `host status` (ABI 1.2 module_report). */
    const char *argv[] = { P.host, "--control", ctl, "status", NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 30000;
    spec.stdout_max = 1 << 16;
    plat_process_result st;
    memset(&st, 0, sizeof st);
    assert_int_equal(plat_process_run(&spec, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_non_null(st.out);
    if (!strstr(st.out, "broker:fleet") || !strstr(st.out, "connected      1")) fprintf(stderr, "status:\n%s\n", st.out);
    assert_non_null(strstr(st.out, "broker:fleet"));
    assert_non_null(strstr(st.out, "connected      1"));
    assert_non_null(strstr(st.out, "published"));
    plat_process_result_free(&st);
    host_stop(&bh);
    host_stop(&a);
    assert_true(peer_wait(p, 2, 5000) >= 2);
    assert_string_equal((const char *)p->msgs[1].payload, "offline");
    peer *late = peer_open(PORT_PLAIN, "wee-peer-fleet2", 1);
    peer_sub(late, "wee/alpha/status", 1);
    assert_true(peer_wait(late, 1, 5000) >= 1);
    assert_string_equal((const char *)late->msgs[0].payload, "offline");
    assert_int_equal(late->msgs[0].retain, 1);
    peer_pub(p, "wee/alpha/status", "", 0, 1, 1);
    peer_pub(p, "wee/beta/status", "", 0, 1, 1);
    plat_sleep_ms(100);
    peer_close(late);
    peer_close(p);
    host_end(&a); host_end(&bh);
    test_remove_tree(watch);
    free(watch); free(jw); free(f); free(b);
}

/* Reload: a changed broker gets a new connection and the mqtt source restarts on it; a refused
 * setting leaves the running config alone, with one error line. */
static void test_reload_changes_broker(void **state)
{
    (void)state;
    char modules[1024];
    char *b = broker_json("b", PORT_PLAIN, NULL);
    snprintf(modules, sizeof modules, "{ \"host_name\": \"rl\", \"brokers\": [ %s ] }", b);
    const char *src = "{ \"id\": \"in\", \"module\": \"mqtt\", \"topics\": [\"rl/#\"] }";
    const char *rules = "{ \"name\": \"f\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
                        "  { \"action\": \"mqtt\", \"topic\": \"rlout/x\", \"payload\": \"{{payload}}\" } ] }";
    host_run r;
    host_begin(&r, "rt_mqtt_reload", modules, src, rules);
    peer *p = peer_open(PORT_PLAIN, "wee-peer-reload", 1);
    peer_sub(p, "rlout/#", 0);
    host_start(&r);
    expect_log(&r, "broker 'b' connected", 20000);
    /* Same broker process, its password listener: a new connection, the source restarted. */
    free(b);
    b = broker_json("b", PORT_AUTH, "\"username\": \"weeuser\", \"password\": \"s3cret\"");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"rl\", \"brokers\": [ %s ] }", b);
    host_run r2;
    host_begin(&r2, "rt_mqtt_reload2", modules, src, rules);
    char *text = test_read_file(r2.cfg);
    char *log_at = strstr(text, "\"file\": ");
    /* Keep the first run's log file: rewrite the new config's log path to the running one. */
    char *jl = rt_json(r.log);
    char *end = strchr(log_at + 8, ',');
    size_t n = strlen(text) + strlen(jl) + 16;
    char *neu = malloc(n);
    snprintf(neu, n, "%.*s\"file\": %s%s", (int)(log_at - text), text, jl, end);
    assert_int_equal(test_write_file(r.cfg, neu), 0);
    char port_text[64];
    snprintf(port_text, sizeof port_text, "broker 'b' connected (127.0.0.1:%d", PORT_AUTH);
    expect_log(&r, "sources: 0 kept, 1 stopped, 1 started", 20000);
    expect_log(&r, port_text, 20000);
    plat_sleep_ms(300);
    peer_pub(p, "rl/a", "after", 5, 0, 0);
    assert_true(peer_wait(p, 1, 10000) >= 1);
    assert_string_equal((const char *)p->msgs[0].payload, "after");
    /* A refused setting: one error, the running config stays. */
    char *bad = malloc(n + 64);
    char *host_at = strstr(neu, "\"host_name\": \"rl\"");
    snprintf(bad, n + 64, "%.*s\"prefix\": \"a+b\", %s", (int)(host_at - neu), neu, host_at);
    assert_int_equal(test_write_file(r.cfg, bad), 0);
    expect_log(&r, "1 error(s); the previous config keeps running", 20000);
    expect_log(&r, "modules.mqtt: module \"mqtt\" refused its settings: prefix: must be a non-empty topic", 1000);
    peer_pub(p, "rl/a", "still", 5, 0, 0);
    assert_true(peer_wait(p, 2, 10000) >= 2);
    host_stop(&r);
    peer_close(p);
    free(text); free(jl); free(neu); free(bad); free(b);
    host_end(&r);
    host_end(&r2);
}

/* The broker is away and the queue is full: drops are counted, logged at most once a second, and the
 * result says so; the workers keep going. (Nothing listens on the spare port yet.) */
static void test_queue_overflow(void **state)
{
    (void)state;
    char modules[1024];
    char *b = broker_json("away", PORT_SPARE, "\"queue_max\": 5, \"reconnect_min_ms\": 1000");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"over\", \"brokers\": [ %s ] }", b);
    host_run r;
    host_begin(&r, "rt_mqtt_over", modules,
               "{ \"id\": \"tick\", \"module\": \"timer\", \"interval_ms\": 10 }",
               "{ \"name\": \"send\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
               "  { \"action\": \"mqtt\", \"topic\": \"over/{{count}}\", \"qos\": 1 },\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{count}} {{mqtt.result}}\" } ] }");
    host_start(&r);
    assert_true(rt_wait_for_text(r.out, "5 queued", 10000));
    assert_true(rt_wait_for_text(r.out, "6 dropped", 10000));
    expect_log(&r, "broker 'away' (modules.mqtt.brokers[0]): is away and its queue is full (queue_max 5): dropped 1 message(s)", 5000);
    assert_true(rt_wait_for_lines(r.out, 150, 20000) >= 150); /* 1.5 s of ticks: nothing waits */
    expect_log(&r, "message(s) since the last report", 5000);
    host_stop(&r);
    char *log = test_read_file(r.log);
    size_t reports = 0;
    for (const char *s = log; (s = strstr(s, "its queue is full")); s++) reports++;
    free(log);
    /* One report a second at most, however many drops (>= 140 here). */
    assert_true(reports >= 1 && reports <= 6);
    expect_log(&r, "5 queued message(s) lost (no queue_file is set)", 1000);
    host_end(&r);
    free(b);
}

/* The example config validates (it declares a broker, a forward rule, commands). */
static void test_example_validates(void **state)
{
    (void)state;
    char example[1200];
    snprintf(example, sizeof example, "%s%sconfig%sexamples%smqtt-fleet.json", WEE_SOURCE_DIR, plat_path_sep(),
             plat_path_sep(), plat_path_sep());
    const char *argv[] = { P.host, "--modules", P.modules, "validate", example, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 30000;
    spec.stdout_max = 1 << 16;
    spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    plat_process_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(plat_process_run(&spec, &r), 0);
    if (r.exit_code != 0) fprintf(stderr, "%s%s\n", r.out ? r.out : "", r.err ? r.err : "");
    assert_int_equal(r.exit_code, 0);
    plat_process_result_free(&r);
}

/* Native only from here: these start and kill brokers. */
static int native_only(void)
{
#ifdef _WIN32
    fprintf(stderr, "skipped under Wine: the test cannot start or kill the Linux broker from Windows\n");
    return 0;
#else
    return 1;
#endif
}

/* Nothing listens: a clear line, events queue (QoS 1, spool file); the host stops with them in the
 * file; the broker appears, the next host run delivers every one. */
static void test_unreachable_then_spool(void **state)
{
    (void)state;
    if (!native_only()) return;
    char modules[1024], extra[512];
    char *spool = bfile("spool.bin"), *js = rt_json(spool);
    remove(spool);
    snprintf(extra, sizeof extra, "\"queue_file\": %s, \"reconnect_min_ms\": 100, \"reconnect_max_ms\": 400", js);
    char *b = broker_json("later", PORT_SPARE, extra);
    snprintf(modules, sizeof modules, "{ \"host_name\": \"spool\", \"brokers\": [ %s ] }", b);
    host_run r;
    host_begin(&r, "rt_mqtt_spool", modules,
               "{ \"id\": \"tick\", \"module\": \"timer\", \"interval_ms\": 20 }",
               "{ \"name\": \"send\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
               "  { \"action\": \"mqtt\", \"topic\": \"spool/{{count}}\", \"payload\": \"{{count}}\", \"qos\": 1 },\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{count}} {{mqtt.result}}\" } ] }");
    host_start(&r);
    expect_log(&r, "broker 'later' (127.0.0.1:", 20000);
    expect_log(&r, "Connection refused; retrying in 100 ms", 5000);
    assert_true(rt_wait_for_text(r.out, "20 queued", 10000));
    host_stop(&r);
    char *out = test_read_file(r.out);
    size_t sent = 0;
    for (const char *s = out; (s = strstr(s, " queued")); s++) sent++;
    free(out);
    assert_true(sent >= 20);
    assert_true(test_wait_for_file(spool, 1000));
    expect_log(&r, "queued message(s) kept in the spool file for the next start", 1000);
    /* The broker comes; a host run with the same broker (and no ticks) delivers the spool. */
    broker_own("spare", PORT_SPARE);
    peer *p = peer_open(PORT_SPARE, "wee-peer-spool", 1);
    peer_sub(p, "spool/#", 1);
    host_run r2;
    host_begin(&r2, "rt_mqtt_spool2", modules, "",
               "{ \"name\": \"idle\", \"when\": { \"event\": \"custom.never\" }, \"do\": [\n"
               "  { \"action\": \"mqtt\", \"topic\": \"spool/none\", \"qos\": 1 } ] }");
    host_start(&r2);
    size_t got = peer_wait(p, sent, 20000);
    host_stop(&r2);
    assert_int_equal(got, sent);
    assert_false(plat_path_exists(spool)); /* emptied: nothing left to protect */
    peer_close(p);
    broker_cmd("stop", "spare");
    host_end(&r); host_end(&r2);
    free(spool); free(js); free(b);
}

/* Broker killed mid-stream (SIGKILL) and restarted: every QoS 1 message published while it was away
 * arrives after it returns; the host's workers never wait (the log action beside it keeps going). */
static void test_broker_restart(void **state)
{
    (void)state;
    if (!native_only()) return;
    int port = PORT_SPARE;
    broker_own("restart", port);
    char modules[1024];
    char *b = broker_json("flaky", port, "\"reconnect_min_ms\": 100, \"reconnect_max_ms\": 300");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"flaky\", \"brokers\": [ %s ] }", b);
    host_run r;
    host_begin(&r, "rt_mqtt_restart", modules,
               "{ \"id\": \"tick\", \"module\": \"timer\", \"interval_ms\": 10 }",
               "{ \"name\": \"send\", \"when\": { \"event\": \"timer.tick\" }, \"do\": [\n"
               "  { \"action\": \"mqtt\", \"topic\": \"flaky/n\", \"payload\": \"{{count}}\", \"qos\": 1 },\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{count}} {{mqtt.result}}\" } ] }");
    /* The peer's session survives the broker restart (persistence) and collects everything. */
    peer *p = peer_open(port, "wee-peer-flaky", 0);
    peer_sub(p, "flaky/n", 1);
    host_start(&r);
    expect_log(&r, "broker 'flaky' connected", 20000);
    assert_true(peer_wait(p, 50, 10000) >= 50);
    /* SIGTERM: the broker saves the peer's session and what it holds for it, so any gap the peer sees
     * would be the host's; the host sees its connection break mid-stream either way. */
    broker_cmd("stop", "restart");
    size_t lines_before = rt_wait_for_lines(r.out, 0, 0);
    plat_sleep_ms(1500);
    size_t lines_during = rt_wait_for_lines(r.out, 0, 0);
    /* 1.5 s of 10 ms ticks: the workers kept running (a blocked worker would stop the log at once). */
    assert_true(lines_during >= lines_before + 50);
    assert_true(rt_wait_for_text(r.out, " queued", 1000));
    broker_own("restart", port);
    expect_log_count(&r, "broker 'flaky' connected", 2, 20000);
    plat_sleep_ms(1000);
    host_stop(&r);
    /* Everything the host published: 1..last, every one at least once. */
    char *out = test_read_file(r.out);
    int last = 0;
    for (const char *s = out; s && *s; ) {
        const char *msg = strstr(s, "] "); /* log lines: "<time> INFO [send] <count> <result>" */
        int n = msg ? atoi(msg + 2) : 0;
        if (n > last) last = n;
        const char *nl = strchr(s, '\n');
        s = nl ? nl + 1 : NULL;
    }
    free(out);
    size_t got = peer_wait(p, (size_t)last, 20000);
    unsigned char *seen = calloc((size_t)last + 1, 1);
    size_t dups = 0;
    plat_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count; i++) {
        int k = atoi((const char *)p->msgs[i].payload);
        if (k >= 1 && k <= last && seen[k]++) dups++;
    }
    plat_mutex_unlock(&p->lock);
    int missing = 0;
    for (int k = 1; k <= last; k++) if (!seen[k]) missing++;
    fprintf(stderr, "broker restart: host published %d, peer got %zu (%zu duplicate(s)), %d missing\n", last, got, dups,
            missing);
    assert_int_equal(missing, 0);
    free(seen);
    peer_close(p);
    broker_cmd("stop", "restart");
    host_end(&r);
    free(b);
}

/* Persistent session + QoS 1: messages published while the host is stopped reach it when it returns. */
static void test_persistent_session_restart(void **state)
{
    (void)state;
    if (!native_only()) return;
    char modules[1024];
    char *b = broker_json("keep", PORT_PLAIN, "\"clean_session\": false, \"client_id\": \"wee-rt-persistent\"");
    snprintf(modules, sizeof modules, "{ \"host_name\": \"keep\", \"brokers\": [ %s ] }", b);
    host_run r;
    host_begin(&r, "rt_mqtt_keep", modules,
               "{ \"id\": \"in\", \"module\": \"mqtt\", \"topics\": [\"keep/#\"], \"qos\": 1 }",
               "{ \"name\": \"show\", \"when\": { \"event\": \"mqtt.message\" }, \"do\": [\n"
               "  { \"action\": \"log\", \"target\": \"file\", \"file\": OUT, \"message\": \"{{payload}}\" } ] }");
    peer *p = peer_open(PORT_PLAIN, "wee-peer-keep", 1);
    host_start(&r);
    expect_log(&r, "broker 'keep' connected", 20000);
    plat_sleep_ms(300);
    char msg[32];
    for (int i = 0; i < 50; i++) { snprintf(msg, sizeof msg, "k%d", i); peer_pub(p, "keep/a", msg, (int)strlen(msg), 1, 0); }
    assert_true(rt_wait_for_lines(r.out, 50, 10000) >= 50);
    host_stop(&r);
    for (int i = 50; i < 100; i++) { snprintf(msg, sizeof msg, "k%d", i); peer_pub(p, "keep/a", msg, (int)strlen(msg), 1, 0); }
    plat_sleep_ms(300);
    host_start(&r);
    assert_true(rt_wait_for_lines(r.out, 100, 20000) >= 100);
    host_stop(&r);
    char *out = test_read_file(r.out);
    for (int i = 0; i < 100; i++) {
        snprintf(msg, sizeof msg, "k%d\n", i);
        if (!strstr(out, msg)) { fprintf(stderr, "missing %s", msg); fail(); }
    }
    free(out);
    peer_close(p);
    host_end(&r);
    free(b);
}

int main(void)
{
    test_init();
    rt_paths_init(&P);
    mosquitto_lib_init();
    load_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qos0),
        cmocka_unit_test(test_qos1),
        cmocka_unit_test(test_qos2),
        cmocka_unit_test(test_qos1_ten_thousand),
        cmocka_unit_test(test_retained_wildcard_payloads),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_fleet_walkthrough),
        cmocka_unit_test(test_example_validates),
        cmocka_unit_test(test_queue_overflow),
        cmocka_unit_test(test_reload_changes_broker),
        cmocka_unit_test(test_unreachable_then_spool),
        cmocka_unit_test(test_broker_restart),
        cmocka_unit_test(test_persistent_session_restart),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mosquitto_lib_cleanup();
    return rc;
}
