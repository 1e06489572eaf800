/*
 * File-create -> exec-done latency through the real host, measured the way the peers were measured
 * (shared/notes/linux.md): create a file in a watched folder, wait (inotify, no polling) until the
 * command the rule runs (`touch DONE/<name>`) has finished. 200 trials, p50/p99; then a 10,000-file
 * burst timed until the last `touch` is done. Targets: p50 <= 1 ms.
 * usage: bench_file_exec BUILD_DIR            the real host
 *        bench_file_exec --peer-inotifywait   the peer, same measurement: inotifywait -m piped into a
 *                                             shell loop running the same touch (inotify-tools)
 *        bench_file_exec --drive WATCH DONE LABEL
 *                                             the same measurement against whatever already watches
 *                                             WATCH and creates DONE/<name> per file (bench/peers.sh
 *                                             starts each peer, then runs this); a warm-up file must
 *                                             get its marker first, else the peer is reported dead
 *        bench_file_exec --floor DIR          the floor: `touch DIR/<name>` spawned back to back, no
 *                                             watcher at all
 * Every mode ends with one line "RESULT <label> <p50 ms> <p99 ms> <burst s> <burst done>" for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench_support.h"
#include "platform/platform.h"

enum { TRIALS = 200, BURST = 10000 };

extern char **environ;

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

static void create_file(const char *dir, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *x = fopen(p, "w");
    if (x) fclose(x);
}

static void print_result(const char *label, uint64_t *lat, int ok_trials, double burst_s, int seen)
{
    double p50 = ok_trials ? bench_percentile(lat, (size_t)ok_trials, 50) / 1e6 : -1;
    double p99 = ok_trials ? bench_percentile(lat, (size_t)ok_trials, 99) / 1e6 : -1;
    double max = ok_trials ? bench_percentile(lat, (size_t)ok_trials, 100) / 1e6 : -1;
    printf("latency p50=%.2f ms p99=%.2f ms max=%.2f ms\n", p50, p99, max);
    printf("burst of %d files: %d commands done in %.2f s\n", BURST, seen, burst_s);
    printf("RESULT %s %.3f %.3f %.3f %d\n", label, p50, p99, burst_s, seen);
    fflush(stdout);
}

/* Trials then the burst, against a watcher already running on watch that marks each file in done.
 * Returns 0 when every trial and the whole burst got its marker. */
static int measure(const char *watch, const char *done, const char *label, int warm_up)
{
    int fd = inotify_init1(IN_CLOEXEC);
    inotify_add_watch(fd, done, IN_CREATE);
    if (warm_up) {
        /* The peer is ready (and alive) once a first file gets its marker; some crawl the tree first. */
        int ready = 0;
        for (int i = 0; i < 30 && !ready; i++) {
            char name[32];
            snprintf(name, sizeof name, "warm%02d", i);
            create_file(watch, name);
            ready = wait_created(fd, name, 1000);
        }
        if (!ready) {
            printf("# %s: no marker for a warm-up file within 30 s; not measured\nRESULT %s - - - 0\n", label, label);
            close(fd);
            return 1;
        }
        plat_sleep_ms(300);
    }
    uint64_t lat[TRIALS];
    int ok = 0;
    for (int i = 0; i < TRIALS; i++) {
        char name[64];
        snprintf(name, sizeof name, "t%03d", i);
        uint64_t t0 = plat_monotonic_ns();
        create_file(watch, name);
        if (!wait_created(fd, name, 5000)) { fprintf(stderr, "%s: trial %d timed out\n", label, i); continue; }
        lat[ok++] = plat_monotonic_ns() - t0;
        plat_sleep_ms(5);
    }
    printf("# file create -> exec (touch) done, %s, %d trials\n", label, TRIALS);
    uint64_t t0 = plat_monotonic_ns();
    for (int i = 0; i < BURST; i++) {
        char name[32];
        snprintf(name, sizeof name, "b%05d", i);
        create_file(watch, name);
    }
    int seen = 0;
    _Alignas(struct inotify_event) char buf[65536];
    uint64_t last = plat_monotonic_ns();
    while (seen < BURST) {
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 60000) <= 0) break;
        ssize_t n = read(fd, buf, sizeof buf);
        for (char *q = buf; q < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)q;
            if (e->len && e->name[0] == 'b') seen++;
            q += sizeof *e + e->len;
        }
        last = plat_monotonic_ns();
    }
    print_result(label, lat, ok, (last - t0) / 1e9, seen);
    close(fd);
    return ok == TRIALS && seen == BURST ? 0 : 1;
}

/* The floor: what a per-file trigger cannot beat, the spawn of `touch` itself (posix_spawn + wait, the
 * lightest way), back to back. */
static int floor_run(const char *dir)
{
    uint64_t lat[TRIALS], burst_t0 = 0;
    for (int i = 0; i < TRIALS + BURST; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/f%05d", dir, i);
        char *av[] = { "/usr/bin/touch", p, NULL };
        uint64_t t0 = plat_monotonic_ns();
        if (i == TRIALS) burst_t0 = t0;
        pid_t pid;
        int st;
        if (posix_spawn(&pid, av[0], NULL, NULL, av, environ) != 0 || waitpid(pid, &st, 0) != pid) {
            perror("touch");
            return 1;
        }
        if (i < TRIALS) lat[i] = plat_monotonic_ns() - t0;
    }
    printf("# floor: `touch` spawned back to back (no watcher), %d + %d runs\n", TRIALS, BURST);
    print_result("floor", lat, TRIALS, (plat_monotonic_ns() - burst_t0) / 1e9, BURST);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s BUILD_DIR | --peer-inotifywait | --drive WATCH DONE LABEL | --floor DIR\n", argv[0]); return 2; }
    if (strcmp(argv[1], "--drive") == 0) {
        if (argc < 5) { fprintf(stderr, "usage: %s --drive WATCH DONE LABEL\n", argv[0]); return 2; }
        return measure(argv[2], argv[3], argv[4], 1);
    }
    if (strcmp(argv[1], "--floor") == 0) {
        if (argc < 3) { fprintf(stderr, "usage: %s --floor DIR\n", argv[0]); return 2; }
        return floor_run(argv[2]);
    }
    int peer = strcmp(argv[1], "--peer-inotifywait") == 0;
    /* On tmpfs, like the peers: $WEE_BENCH_DIR, else /dev/shm, else /tmp. */
    const char *base = getenv("WEE_BENCH_DIR");
    if (!base || !*base) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char root[256];
    snprintf(root, sizeof root, "%s/wee-bench-XXXXXX", base);
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
    char ctl[300];
    snprintf(ctl, sizeof ctl, "%s/ctl", root); /* not the default socket: another host may be running */
    const char *av[] = { host, "--config", cfg, "--modules", mods, "--stop-file", stop, "--control", ctl, NULL };
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
    int rc = measure(watch, done, peer ? "peer: inotifywait | sh loop" : "real host", 1);
    FILE *s = fopen(stop, "w"); fclose(s);
    if (peer) {
        /* inotifywait only notices its reader is gone when it writes the next name. */
        plat_sleep_ms(200);
        snprintf(stop, sizeof stop, "%s/zz", watch);
        s = fopen(stop, "w"); fclose(s);
    }
    plat_thread_join(&th);
    char cmd[400]; snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 && rc == 0 ? 0 : 1;
}
