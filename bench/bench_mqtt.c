/*
 * MQTT forwarding through the real host against Debian's mosquitto on loopback, side by side with
 * the peers driven the same way:
 *   direct : driver -> broker -> driver (the floor: no forwarder at all)
 *   host   : driver -> broker -> host (mqtt source -> rule -> mqtt action) -> broker -> driver
 *   peer   : driver -> broker -> `mosquitto_sub | mosquitto_pub -l` -> broker -> driver
 * Rate: N messages published as fast as libmosquitto takes them, timed until the last one forwarded
 * arrives (QoS 0 and QoS 1; lost ones counted). Latency: 1000 round trips one at a time, p50/p99, and
 * what the forwarder adds over direct.
 * usage: bench_mqtt BUILD_DIR [N0 [N1]]     (needs mosquitto, mosquitto-clients)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mosquitto.h>
#include "bench_support.h"
#include "platform/net.h"
#include "platform/platform.h"

static plat_mutex g_lock;
static size_t g_got;
static uint64_t g_last_ns, g_rtt_ns;
static int g_connected;

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m; (void)obj;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&g_lock);
    g_got++;
    g_last_ns = now;
    if (msg->payloadlen > 0) {
        uint64_t t0 = strtoull((const char *)msg->payload, NULL, 10);
        if (t0) g_rtt_ns = now - t0;
    }
    plat_mutex_unlock(&g_lock);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) { (void)m; (void)obj; plat_mutex_lock(&g_lock); g_connected = rc == 0; plat_mutex_unlock(&g_lock); }

static struct mosquitto *client(int port, const char *id, const char *sub, int qos)
{
    struct mosquitto *m = mosquitto_new(id, true, NULL);
    mosquitto_max_inflight_messages_set(m, 0);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_connect_callback_set(m, on_connect);
    if (mosquitto_connect(m, "127.0.0.1", port, 60) != 0) { fprintf(stderr, "cannot connect to the broker\n"); exit(1); }
    mosquitto_loop_start(m);
    for (int i = 0; i < 200; i++) { plat_mutex_lock(&g_lock); int c = g_connected; plat_mutex_unlock(&g_lock); if (c) break; plat_sleep_ms(10); }
    if (sub) mosquitto_subscribe(m, NULL, sub, qos);
    plat_sleep_ms(300);
    return m;
}

static size_t got(void) { plat_mutex_lock(&g_lock); size_t n = g_got; plat_mutex_unlock(&g_lock); return n; }

/* Publishes n on topic, waits (quiet for 3 s = done) for the forwarded ones; prints the rate. */
static void rate(struct mosquitto *pub, const char *label, const char *topic, int qos, size_t n)
{
    plat_mutex_lock(&g_lock); g_got = 0; plat_mutex_unlock(&g_lock);
    uint64_t t0 = plat_monotonic_ns();
    for (size_t i = 0; i < n; i++) {
        while (mosquitto_publish(pub, NULL, topic, 1, "x", qos, false) != 0) plat_sleep_ms(1);
    }
    size_t last = 0;
    uint64_t quiet_since = plat_monotonic_ns();
    while (got() < n && plat_monotonic_ns() - quiet_since < 3000000000ull) {
        plat_sleep_ms(5);
        size_t g = got();
        if (g != last) { last = g; quiet_since = plat_monotonic_ns(); }
    }
    plat_mutex_lock(&g_lock);
    size_t g = g_got;
    uint64_t end = g_last_ns;
    plat_mutex_unlock(&g_lock);
    double s = (double)(end - t0) / 1e9;
    printf("  %-7s QoS %d: %zu messages forwarded in %.3f s = %.0f msg/s%s", label, qos, g, s, (double)g / s,
           g < n ? "" : "\n");
    if (g < n) printf(" (%zu of %zu lost)\n", n - g, n);
}

static void latency(struct mosquitto *pub, const char *label, const char *topic, int qos, uint64_t *p50_out)
{
    enum { TRIALS = 1000 };
    uint64_t *v = calloc(TRIALS, sizeof *v);
    size_t ok = 0;
    for (int i = 0; i < TRIALS; i++) {
        plat_mutex_lock(&g_lock); g_got = 0; g_rtt_ns = 0; plat_mutex_unlock(&g_lock);
        char payload[32];
        snprintf(payload, sizeof payload, "%llu", (unsigned long long)plat_monotonic_ns());
        mosquitto_publish(pub, NULL, topic, (int)strlen(payload), payload, qos, false);
        uint64_t until = plat_monotonic_ns() + 2000000000ull;
        while (got() == 0 && plat_monotonic_ns() < until) ;  /* spin: a sleep would dominate the figure */
        plat_mutex_lock(&g_lock);
        if (g_got) v[ok++] = g_rtt_ns;
        plat_mutex_unlock(&g_lock);
    }
    uint64_t p50 = bench_percentile(v, ok, 50), p99 = bench_percentile(v, ok, 99);
    printf("  %-7s QoS %d round trip: p50 %.3f ms, p99 %.3f ms (%zu/%d)\n", label, qos, p50 / 1e6, p99 / 1e6, ok, TRIALS);
    if (p50_out) *p50_out = p50;
    free(v);
}

static int free_port(void)
{
    plat_tcp_listener *l = NULL;
    char err[128];
    if (plat_tcp_listen("127.0.0.1", 0, &l, err, sizeof err) != 0) return 0;
    int p = plat_tcp_port(l);
    plat_tcp_close_listener(l);
    return p;
}

static void host_thread(void *arg) { plat_process_result r; plat_process_run(arg, &r); plat_process_result_free(&r); }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s BUILD_DIR [N_QOS0 [N_QOS1]]\n", argv[0]); return 2; }
    size_t n0 = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000, n1 = argc > 3 ? strtoul(argv[3], NULL, 10) : 50000;
    plat_mutex_init(&g_lock);
    mosquitto_lib_init();
    char root[] = "/tmp/wee-bench-mqtt-XXXXXX";
    if (!mkdtemp(root)) return 1;
    /* mosquitto run as root drops to its own user, which must reach the conf: traversable, but not
     * writable by others (the host refuses to run as root on a config others could change). */
    chmod(root, 0755);
    int port = free_port();
    char conf[400], cmd[1400], cfg[400], stop[400], host[1024], mods[1024];
    snprintf(conf, sizeof conf, "%s/mosq.conf", root);
    FILE *f = fopen(conf, "w");
    fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n"
               "max_inflight_messages 0\nlog_type error\nset_tcp_nodelay true\n", port);
    fclose(f);
    chmod(conf, 0644);
    /* Every process started here is recorded by id and stopped by id (its own process group). */
    snprintf(cmd, sizeof cmd, "setsid mosquitto -c %s >/dev/null 2>&1 & echo $! > %s/broker.pid", conf, root);
    if (system(cmd) != 0) { fprintf(stderr, "cannot start mosquitto\n"); return 1; }
    plat_sleep_ms(500);
    printf("mqtt forwarding through a rule, broker: Debian mosquitto on 127.0.0.1:%d\n", port);

    struct mosquitto *sub = client(port, "bench-sub", "out/#", 1);
    struct mosquitto *pub = client(port, "bench-pub", NULL, 0);

    /* direct: the driver's own topic comes straight back */
    mosquitto_subscribe(sub, NULL, "direct/#", 1);
    plat_sleep_ms(200);
    uint64_t direct0 = 0, direct1 = 0, host0 = 0, host1 = 0, peer0 = 0, peer1 = 0;
    rate(pub, "direct", "direct/x", 0, n0);
    rate(pub, "direct", "direct/x", 1, n1);
    latency(pub, "direct", "direct/x", 0, &direct0);
    latency(pub, "direct", "direct/x", 1, &direct1);

    /* host: two rules, QoS 0 and QoS 1 */
    snprintf(cfg, sizeof cfg, "%s/cfg.json", root);
    snprintf(stop, sizeof stop, "%s/STOP", root);
    snprintf(host, sizeof host, "%s/host", argv[1]);
    snprintf(mods, sizeof mods, "%s/modules", argv[1]);
    f = fopen(cfg, "w");
    fprintf(f, "{\"version\":1,\"engine\":{\"workers\":2,\"queue_capacity\":65536,\"log\":{\"level\":\"warn\"},\"control\":{\"enabled\":false}},"
               "\"modules\":{\"mqtt\":{\"brokers\":[{\"id\":\"b\",\"port\":%d,\"status\":false,\"queue_max\":1000000}]}},"
               "\"sources\":[{\"id\":\"in0\",\"module\":\"mqtt\",\"topics\":[\"in0/#\"],\"qos\":0},"
               "{\"id\":\"in1\",\"module\":\"mqtt\",\"topics\":[\"in1/#\"],\"qos\":1}],"
               "\"rules\":[{\"name\":\"f0\",\"when\":{\"event\":\"mqtt.message\",\"source\":\"in0\"},"
               "\"do\":[{\"action\":\"mqtt\",\"topic\":\"out/0\",\"payload\":\"{{payload}}\",\"qos\":0}]},"
               "{\"name\":\"f1\",\"when\":{\"event\":\"mqtt.message\",\"source\":\"in1\"},"
               "\"do\":[{\"action\":\"mqtt\",\"topic\":\"out/1\",\"payload\":\"{{payload}}\",\"qos\":1}]}]}", port);
    fclose(f);
    const char *av[] = { host, "--config", cfg, "--modules", mods, "--stop-file", stop, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = av;
    plat_thread t;
    plat_thread_start(&t, host_thread, &spec);
    plat_sleep_ms(1500);
    rate(pub, "host", "in0/x", 0, n0);
    rate(pub, "host", "in1/x", 1, n1);
    latency(pub, "host", "in0/x", 0, &host0);
    latency(pub, "host", "in1/x", 1, &host1);
    f = fopen(stop, "w"); fclose(f);
    plat_thread_join(&t);

    /* peer: mosquitto_sub piped into mosquitto_pub -l, one pipeline per QoS */
    snprintf(cmd, sizeof cmd,
             "setsid sh -c \"mosquitto_sub -p %d -t 'in0/#' -q 0 | mosquitto_pub -p %d -l -t out/0 -q 0\" & echo $! > %s/peer0.pid; "
             "setsid sh -c \"mosquitto_sub -p %d -t 'in1/#' -q 1 | mosquitto_pub -p %d -l -t out/1 -q 1\" & echo $! > %s/peer1.pid; sleep 1",
             port, port, root, port, port, root);
    if (system(cmd) != 0) fprintf(stderr, "peer pipeline failed to start\n");
    rate(pub, "peer", "in0/x", 0, n0);
    rate(pub, "peer", "in1/x", 1, n1);
    latency(pub, "peer", "in0/x", 0, &peer0);
    latency(pub, "peer", "in1/x", 1, &peer1);
    printf("  added over direct, p50: host QoS 0 %.3f ms, QoS 1 %.3f ms; peer QoS 0 %.3f ms, QoS 1 %.3f ms\n",
           ((double)host0 - (double)direct0) / 1e6, ((double)host1 - (double)direct1) / 1e6,
           ((double)peer0 - (double)direct0) / 1e6, ((double)peer1 - (double)direct1) / 1e6);

    snprintf(cmd, sizeof cmd, "for p in %s/peer0.pid %s/peer1.pid %s/broker.pid; do kill -- -$(cat $p) 2>/dev/null; done; "
             "sleep 0.3; rm -rf %s", root, root, root, root);
    if (system(cmd) != 0) { /* nothing left to stop */ }
    mosquitto_lib_cleanup();
    return 0;
}
