/*
 * File-create -> exec-done latency through the real host, measured the way the peers were measured
 * (shared/notes/linux.md): create a file in a watched folder, wait (inotify, no polling) until the
 * command the rule runs (`touch DONE/<name>`) has finished. 200 trials, p50/p99; then a 10,000-file
 * burst timed until the last `touch` is done. Targets: p50 <= 1 ms.
 * usage: bench_file_exec BUILD_DIR            the real host
 *        bench_file_exec --peer-inotifywait   the peer, same measurement: inotifywait -m piped into a
 *                                             shell loop running the same touch (inotify-tools)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench_support.h"
#include "platform/platform.h"

static void host_thread(void *arg) { plat_process_result r; plat_process_run(arg, &r); plat_process_result_free(&r); }

static int wait_created(int fd, const char *name, int timeout_ms)
{
    _Alignas(struct inotify_event) char buf[65536];
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, timeout_ms) <= 0) return 0;
        ssize_t n = read(fd, buf, sizeof buf);
        for (char *q = buf; q < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)q;
            if (e->len && (!name || strcmp(e->name, name) == 0)) return 1;
            q += sizeof *e + e->len;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s BUILD_DIR | --peer-inotifywait\n", argv[0]); return 2; }
    int peer = strcmp(argv[1], "--peer-inotifywait") == 0;
    char root[] = "/tmp/wee-bench-XXXXXX";
    if (!mkdtemp(root)) return 1;
    char watch[300], done[300], cfg[300], stop[400], host[1024], mods[1024];
    snprintf(watch, sizeof watch, "%s/watch", root); mkdir(watch, 0700);
    snprintf(done, sizeof done, "%s/done", root); mkdir(done, 0700);
    snprintf(cfg, sizeof cfg, "%s/cfg.json", root);
    snprintf(stop, sizeof stop, "%s/STOP", root);
    snprintf(host, sizeof host, "%s/host", argv[1]);
    snprintf(mods, sizeof mods, "%s/modules", argv[1]);
    FILE *f = fopen(cfg, "w");
    fprintf(f, "{\"version\":1,\"engine\":{\"workers\":2,\"log\":{\"level\":\"warn\"}},"
               "\"sources\":[{\"id\":\"w\",\"module\":\"file\",\"paths\":[\"%s\"],\"settle_ms\":0,\"events\":[\"created\"]}],"
               "\"rules\":[{\"name\":\"touch\",\"when\":{\"event\":\"file.created\"},"
               "\"do\":[{\"action\":\"exec\",\"command\":\"/usr/bin/touch\",\"args\":[\"%s/{{name}}\"]}]}]}", watch, done);
    fclose(f);
    const char *av[] = { host, "--config", cfg, "--modules", mods, "--stop-file", stop, NULL };
    /* The peer stops when the stop file appears in the watched folder (the loop sees it and exits). */
    char script[1200];
    snprintf(script, sizeof script,
             "inotifywait -m -q -e create --format %%f '%s' | while read f; do "
             "[ \"$f\" = STOP ] && exit 0; /usr/bin/touch '%s'/\"$f\"; done", watch, done);
    const char *pv[] = { "sh", "-c", script, NULL };
    if (peer) snprintf(stop, sizeof stop, "%s/STOP", watch);
    plat_process_spec spec = { .argv = peer ? pv : av, .timeout_ms = 600000 };
    plat_thread th;
    plat_thread_start(&th, host_thread, &spec);
    int fd = inotify_init1(IN_CLOEXEC);
    inotify_add_watch(fd, done, IN_CREATE);
    plat_sleep_ms(1000); /* host start-up */
    enum { TRIALS = 200, BURST = 10000 };
    uint64_t lat[TRIALS];
    for (int i = 0; i < TRIALS; i++) {
        char name[64], p[400];
        snprintf(name, sizeof name, "t%03d", i);
        snprintf(p, sizeof p, "%s/%s", watch, name);
        uint64_t t0 = plat_monotonic_ns();
        FILE *x = fopen(p, "w"); fclose(x);
        if (!wait_created(fd, name, 5000)) { fprintf(stderr, "trial %d timed out\n", i); return 1; }
        lat[i] = plat_monotonic_ns() - t0;
        plat_sleep_ms(5);
    }
    printf("# file create -> exec (touch) done, %s, %d trials\n", peer ? "peer: inotifywait | sh loop" : "real host",
           TRIALS);
    printf("latency p50=%.2f ms p99=%.2f ms max=%.2f ms\n", bench_percentile(lat, TRIALS, 50) / 1e6,
           bench_percentile(lat, TRIALS, 99) / 1e6, bench_percentile(lat, TRIALS, 100) / 1e6);
    uint64_t t0 = plat_monotonic_ns();
    for (int i = 0; i < BURST; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s/b%05d", watch, i);
        FILE *x = fopen(p, "w"); fclose(x);
    }
    int seen = 0;
    _Alignas(struct inotify_event) char buf[65536];
    while (seen < BURST) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 60000) <= 0) break;
        ssize_t n = read(fd, buf, sizeof buf);
        for (char *q = buf; q < buf + n;) { struct inotify_event *e = (struct inotify_event *)q; if (e->len && e->name[0] == 'b') seen++; q += sizeof *e + e->len; }
    }
    printf("burst of %d files: %d commands done in %.2f s\n", BURST, seen, (plat_monotonic_ns() - t0) / 1e9);
    FILE *s = fopen(stop, "w"); fclose(s);
    if (peer) {
        /* inotifywait only notices its reader is gone when it writes the next name. */
        plat_sleep_ms(200);
        snprintf(stop, sizeof stop, "%s/zz", watch);
        s = fopen(stop, "w"); fclose(s);
    }
    plat_thread_join(&th);
    char cmd[400]; snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : 1;
}
