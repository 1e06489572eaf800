/*
 * How much a watcher slows the program writing into the watched folder: a writer creates 10,000 empty
 * files (open O_CREAT + close, as `touch` does) in a tmpfs folder, unwatched, under `inotifywait -m -r`
 * (same event set as the host, output to /dev/null: the lightest possible consumer), under the host
 * with a file source and no rule, and under the host with one log rule writing every event to a file.
 * The modes are interleaved round by round (the machine is shared); the median writer time per mode is
 * printed with its overhead over unwatched, plus the CPU the watcher spent on the 10,000 files.
 * usage: bench_writer BUILD_DIR [ROUNDS [OTHER_BUILD_DIR]]   (folder: $WEE_BENCH_DIR, else /dev/shm, else /tmp)
 * OTHER_BUILD_DIR adds that build's host to the same rounds (before/after a change, side by side).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_support.h"
#include "platform/platform.h"

extern char **environ;

enum { FILES = 10000, MAX_ROUNDS = 50, MODES = 6 };
static const char *const mode_names[MODES] = { "unwatched", "inotifywait -m -r", "host, no rule", "host, log rule",
                                               "other host, no rule", "other host, log rule" };

static int have_inotifywait(void) { return system("command -v inotifywait >/dev/null 2>&1") == 0; }

/* utime + stime of a process in ms (-1 when gone). */
static long cpu_ms(pid_t pid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *q = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
    return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/* Waits until the watcher has stopped using CPU (it has handled the burst), up to 20 s. */
static long settle_cpu(pid_t pid)
{
    long last = cpu_ms(pid);
    int quiet = 0;
    for (int i = 0; i < 400 && quiet < 6; i++) {
        plat_sleep_ms(50);
        long now = cpu_ms(pid);
        quiet = now == last ? quiet + 1 : 0;
        last = now;
    }
    return last;
}

static void write_config(const char *cfg, const char *dir, const char *log, int with_rule)
{
    FILE *f = fopen(cfg, "w");
    if (!f) { perror(cfg); exit(1); }
    fprintf(f, "{\"version\":1,\"engine\":{\"workers\":2,\"log\":{\"level\":\"warn\"}},"
               "\"sources\":[{\"id\":\"w\",\"module\":\"file\",\"paths\":[\"%s\"]}],\"rules\":[", dir);
    if (with_rule)
        fprintf(f, "{\"name\":\"log\",\"when\":{\"event\":\"file.created\"},\"do\":[{\"action\":\"log\","
                   "\"message\":\"{{path}}\",\"target\":\"file\",\"file\":\"%s\"}]}", log);
    fprintf(f, "]}");
    fclose(f);
}

static double create_files(const char *dir)
{
    char p[512];
    uint64_t t0 = plat_monotonic_ns();
    for (int i = 0; i < FILES; i++) {
        snprintf(p, sizeof p, "%s/f%05d", dir, i);
        int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) { perror(p); exit(1); }
        close(fd);
    }
    return (double)(plat_monotonic_ns() - t0) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s BUILD_DIR [ROUNDS]\n", argv[0]); return 2; }
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 7;
    const char *base = getenv("WEE_BENCH_DIR");
    if (!base || !*base) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char root[300];
    snprintf(root, sizeof root, "%s/wee-writer-XXXXXX", base);
    if (!mkdtemp(root)) { perror(root); return 1; }
    char host[2][1024], mods[2][1024];
    const char *other = argc > 3 ? argv[3] : NULL;
    for (int i = 0; i < 2; i++) {
        snprintf(host[i], sizeof host[i], "%s/host", i ? (other ? other : "") : argv[1]);
        snprintf(mods[i], sizeof mods[i], "%s/modules", i ? (other ? other : "") : argv[1]);
    }
    int nmodes = other ? MODES : MODES - 2;
    int peer = have_inotifywait();
    static double secs[MODES][MAX_ROUNDS];
    static long cpu[MODES][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < nmodes; m++) {
            if (m == 1 && !peer) continue;
            char dir[400], cfg[400], log[400], stop[400], ctl[400];
            snprintf(dir, sizeof dir, "%s/w%d_%d", root, r, m);
            snprintf(cfg, sizeof cfg, "%s/cfg%d_%d.json", root, r, m);
            snprintf(log, sizeof log, "%s/log%d_%d.txt", root, r, m);
            snprintf(stop, sizeof stop, "%s/STOP%d_%d", root, r, m);
            snprintf(ctl, sizeof ctl, "%s/ctl%d_%d", root, r, m); /* not the default: another host may run */
            mkdir(dir, 0700);
            pid_t pid = 0;
            if (m == 1) {
                char *av[] = { "inotifywait", "-m", "-r", "-q", "-e", "create,modify,close_write,delete,move",
                               "--format", "%w%f %e", "-o", "/dev/null", dir, NULL };
                if (posix_spawnp(&pid, av[0], NULL, NULL, av, environ) != 0) { perror("inotifywait"); return 1; }
            } else if (m >= 2) {
                int h = m >= 4;
                write_config(cfg, dir, log, m == 3 || m == 5);
                char *av[] = { host[h], "--config", cfg, "--modules", mods[h], "--stop-file", stop, "--control", ctl, NULL };
                if (posix_spawn(&pid, host[h], NULL, NULL, av, environ) != 0) { perror(host[h]); return 1; }
            }
            if (pid) plat_sleep_ms(1000); /* watches established */
            long c0 = pid ? cpu_ms(pid) : 0;
            secs[m][r] = create_files(dir);
            cpu[m][r] = pid ? settle_cpu(pid) - c0 : 0;
            if (m == 1) kill(pid, SIGTERM);
            if (m >= 2) { FILE *s = fopen(stop, "w"); if (s) fclose(s); }
            int st;
            if (pid) waitpid(pid, &st, 0);
            char cmd[500];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
            if (system(cmd) != 0) return 1;
        }
    }
    printf("# writer slowdown: %d empty files created in %s (tmpfs when /dev/shm), median of %d rounds, modes interleaved\n",
           FILES, base, rounds);
    double ref = median(secs[0], rounds);
    printf("%-20s %9s %10s %8s %16s\n", "mode", "writer s", "overhead", "ratio", "watcher CPU ms");
    if (other) printf("(\"host\" = %s, \"other host\" = %s)\n", argv[1], other);
    for (int m = 0; m < nmodes; m++) {
        if (m == 1 && !peer) { printf("%-20s (inotify-tools not installed)\n", mode_names[m]); continue; }
        double cv[MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) cv[r] = (double)cpu[m][r];
        double s = median(secs[m], rounds);
        printf("%-20s %9.3f %+9.3fs %7.2fx %16.0f\n", mode_names[m], s, s - ref, s / ref, median(cv, rounds));
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : 1;
}
