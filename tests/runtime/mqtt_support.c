/*
 * tests/runtime/mqtt_support.c - what the mqtt runtime tests share: the broker fixture's env file and
 * broker control (mqtt_broker.sh), a libmosquitto "peer" client, and host runs with their own config,
 * log and output files.
 */
#include "mqtt_support.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rt_paths P;
char B_DIR[1024];          /* the broker folder as this process names it */
char B_DIR_NATIVE[1024];   /* as the broker (Linux) names it */
int PORT_PLAIN, PORT_TLS, PORT_AUTH, PORT_SPARE;

/* ---- the fixture's env file ---- */

void load_env(void)
{
#ifdef _WIN32
    snprintf(B_DIR, sizeof B_DIR, "Z:%s", WEE_MQTT_BROKER_DIR); /* Wine maps Z: to / */
#else
    snprintf(B_DIR, sizeof B_DIR, "%s", WEE_MQTT_BROKER_DIR);
#endif
    snprintf(B_DIR_NATIVE, sizeof B_DIR_NATIVE, "%s", WEE_MQTT_BROKER_DIR);
    char *env_path = test_path_join(B_DIR, "env");
    char *text = test_read_file(env_path);
    if (!text) fprintf(stderr, "no %s: run through ctest (fixture mqtt_broker)\n", env_path);
    assert_non_null(text);
    const char *p;
    if ((p = strstr(text, "PLAIN="))) PORT_PLAIN = atoi(p + 6);
    if ((p = strstr(text, "TLS="))) PORT_TLS = atoi(p + 4);
    if ((p = strstr(text, "AUTH="))) PORT_AUTH = atoi(p + 5);
    if ((p = strstr(text, "SPARE="))) PORT_SPARE = atoi(p + 6);
    assert_true(PORT_PLAIN > 0 && PORT_TLS > 0 && PORT_AUTH > 0 && PORT_SPARE > 0);
    free(text);
    free(env_path);
}

char *bfile(const char *name) { return test_path_join(B_DIR, name); }

/* Runs mqtt_broker.sh (native only: a Windows process cannot start the Linux broker). */
void broker_cmd(const char *cmd, const char *name)
{
    const char *argv[] = { "bash", WEE_MQTT_BROKER_SCRIPT, cmd, B_DIR_NATIVE, name, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 30000;
    spec.stdout_max = 4096;
    plat_process_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(plat_process_run(&spec, &r), 0);
    if (r.exit_code != 0) fprintf(stderr, "mqtt_broker.sh %s %s: exit %d\n", cmd, name, r.exit_code);
    assert_int_equal(r.exit_code, 0);
    plat_process_result_free(&r);
}

/* A broker instance of its own on `port` (plain, anonymous), persistence in the broker folder. */
void broker_own(const char *name, int port)
{
    char conf[4096], *path;
    snprintf(conf, sizeof conf,
             "persistence true\npersistence_location %s/\npersistence_file %s.db\nautosave_interval 1\n"
             "max_queued_messages 0\nlog_dest file %s/%s.log\nlistener %d 127.0.0.1\nallow_anonymous true\n",
             B_DIR_NATIVE, name, B_DIR_NATIVE, name, port);
    char file[64];
    snprintf(file, sizeof file, "%s.conf", name);
    path = bfile(file);
    assert_int_equal(test_write_file(path, conf), 0);
    free(path);
    broker_cmd("start", name);
}

/* ---- the peer: a libmosquitto client of this test ---- */



static void peer_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    peer *p = obj;
    (void)m;
    plat_mutex_lock(&p->lock);
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->msgs = realloc(p->msgs, p->cap * sizeof *p->msgs);
    }
    rx *r = &p->msgs[p->count++];
    r->topic = strdup(msg->topic);
    r->len = msg->payloadlen;
    r->payload = malloc((size_t)msg->payloadlen + 1);
    if (msg->payloadlen) memcpy(r->payload, msg->payload, (size_t)msg->payloadlen);
    r->payload[msg->payloadlen] = '\0';
    r->qos = msg->qos;
    r->retain = msg->retain;
    plat_mutex_unlock(&p->lock);
}

static void peer_on_connect(struct mosquitto *m, void *obj, int rc)
{
    peer *p = obj;
    (void)m;
    plat_mutex_lock(&p->lock);
    p->connected = rc == 0;
    plat_mutex_unlock(&p->lock);
}

static int peer_is_connected(peer *p)
{
    plat_mutex_lock(&p->lock);
    int c = p->connected;
    plat_mutex_unlock(&p->lock);
    return c;
}

peer *peer_open(int port, const char *id, int clean)
{
    peer *p = calloc(1, sizeof *p);
    plat_mutex_init(&p->lock);
    p->m = mosquitto_new(id, clean, p);
    assert_non_null(p->m);
    mosquitto_int_option(p->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(p->m, 0);
    mosquitto_message_callback_set(p->m, peer_on_message);
    mosquitto_connect_callback_set(p->m, peer_on_connect);
    mosquitto_reconnect_delay_set(p->m, 1, 1, false);
    assert_int_equal(mosquitto_connect(p->m, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
    assert_int_equal(mosquitto_loop_start(p->m), MOSQ_ERR_SUCCESS);
    for (int i = 0; i < 250 && !peer_is_connected(p); i++) plat_sleep_ms(20);
    assert_true(peer_is_connected(p));
    return p;
}

void peer_close(peer *p)
{
    mosquitto_disconnect(p->m);
    mosquitto_loop_stop(p->m, false);
    mosquitto_destroy(p->m);
    for (size_t i = 0; i < p->count; i++) { free(p->msgs[i].topic); free(p->msgs[i].payload); }
    free(p->msgs);
    plat_mutex_destroy(&p->lock);
    free(p);
}

void peer_sub(peer *p, const char *filter, int qos)
{
    assert_int_equal(mosquitto_subscribe(p->m, NULL, filter, qos), MOSQ_ERR_SUCCESS);
    plat_sleep_ms(150); /* SUBACK before anything is published */
}

void peer_pub(peer *p, const char *topic, const void *payload, int len, int qos, int retain)
{
    int rc;
    /* libmosquitto refuses past its own send limits only; retry briefly rather than lose a test message. */
    for (int i = 0; (rc = mosquitto_publish(p->m, NULL, topic, len, payload, qos, retain != 0)) != MOSQ_ERR_SUCCESS && i < 100; i++)
        plat_sleep_ms(10);
    assert_int_equal(rc, MOSQ_ERR_SUCCESS);
}

size_t peer_count(peer *p)
{
    plat_mutex_lock(&p->lock);
    size_t n = p->count;
    plat_mutex_unlock(&p->lock);
    return n;
}

size_t peer_wait(peer *p, size_t n, int timeout_ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (peer_count(p) < n && plat_monotonic_ns() < end) plat_sleep_ms(20);
    return peer_count(p);
}

/* The first message on topic, or NULL. */
const rx *peer_find(peer *p, const char *topic)
{
    const rx *found = NULL;
    plat_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count && !found; i++) if (strcmp(p->msgs[i].topic, topic) == 0) found = &p->msgs[i];
    plat_mutex_unlock(&p->lock);
    return found;
}

/* ---- hosts ---- */


char g_control[512]; /* when set, the next host_begin enables the control channel there */

/* Writes a config: engine section (log file in dir, no control channel), `modules`, sources, rules. */
void host_begin(host_run *r, const char *tag, const char *modules, const char *sources, const char *rules)
{
    r->dir = test_make_temp_dir(tag);
    r->cfg = test_path_join(r->dir, "config.json");
    r->log = test_path_join(r->dir, "host.log");
    r->out = test_path_join(r->dir, "out.log");
    char *jl = rt_json(r->log), *jo = rt_json(r->out);
    size_t size = strlen(modules) + strlen(sources) + strlen(rules) + 4096;
    char *text = malloc(size), *rules_f = malloc(strlen(rules) + 8192);
    /* Rules name the output file as OUT. */
    const char *s = rules;
    char *d = rules_f;
    for (; *s; ) {
        if (strncmp(s, "OUT", 3) == 0) { d += sprintf(d, "%s", jo); s += 3; }
        else *d++ = *s++;
    }
    *d = '\0';
    char control[700] = "\"enabled\": false";
    if (g_control[0]) {
        char *jc = rt_json(g_control);
        snprintf(control, sizeof control, "\"path\": %s", jc);
        free(jc);
        g_control[0] = '\0';
    }
    snprintf(text, size,
             "{ \"version\": 1,\n  \"engine\": { \"log\": { \"file\": %s, \"level\": \"debug\" }, \"control\": { %s } },\n"
             "  \"modules\": { \"mqtt\": %s },\n  \"sources\": [ %s ],\n  \"rules\": [ %s ] }\n",
             jl, control, modules, sources, rules_f);
    assert_int_equal(test_write_file(r->cfg, text), 0);
    free(text); free(rules_f); free(jl); free(jo);
}

void host_start(host_run *r) { rt_host_start(&r->h, &P, r->cfg, r->dir); }

void host_stop(host_run *r)
{
    assert_int_equal(rt_host_stop(&r->h), 0);
    char *stop = test_path_join(r->dir, "STOP");
    remove(stop); /* so the same run folder can start again */
    free(stop);
}

void host_end(host_run *r)
{
    test_remove_tree(r->dir);
    free(r->dir); free(r->cfg); free(r->log); free(r->out);
}

void expect_log(host_run *r, const char *needle, int timeout_ms)
{
    if (!rt_wait_for_text(r->log, needle, timeout_ms)) {
        char *t = test_read_file(r->log);
        fprintf(stderr, "host log lacks \"%s\":\n%s\n", needle, t ? t : "(no log)");
        free(t);
        fail();
    }
}

/* Waits until needle appears at least n times in the host log. */
void expect_log_count(host_run *r, const char *needle, size_t n, int timeout_ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    size_t seen = 0;
    do {
        char *t = test_read_file(r->log);
        seen = 0;
        for (const char *s = t; s && (s = strstr(s, needle)); s++) seen++;
        free(t);
        if (seen >= n) return;
        plat_sleep_ms(50);
    } while (plat_monotonic_ns() < end);
    fprintf(stderr, "host log has \"%s\" %zu time(s), wanted %zu\n", needle, seen, n);
    fail();
}

char *broker_json(const char *id, int port, const char *extra)
{
    char *s = malloc(1024);
    snprintf(s, 1024, "{ \"id\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %d%s%s }", id, port, extra ? ", " : "",
             extra ? extra : "");
    return s;
}
