#include "rt_support.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#ifdef _WIN32
#define EXE ".exe"
#else
#define EXE ""
#endif

void rt_paths_init(rt_paths *p)
{
    char dir[1024];
    assert_int_equal(plat_exe_dir(dir, sizeof dir), 0);
    const char *sep = plat_path_sep();
    snprintf(p->host, sizeof p->host, "%s%s..%shost%s", dir, sep, sep, EXE);
    snprintf(p->modules, sizeof p->modules, "%s%s..%smodules", dir, sep, sep);
    snprintf(p->testchild, sizeof p->testchild, "%s%stestchild%s", dir, sep, EXE);
    snprintf(p->broken_modules, sizeof p->broken_modules, "%s%sbroken_modules", dir, sep);
}

static void host_thread(void *arg)
{
    rt_host *h = arg;
    plat_process_run(&h->spec, &h->res);
}

void rt_host_start(rt_host *h, const rt_paths *p, const char *config, const char *work_dir)
{
    memset(h, 0, sizeof *h);
    h->stop_file = test_path_join(work_dir, "STOP");
    const char **a = h->argv;
    *a++ = p->host; *a++ = "--config"; *a++ = config; *a++ = "--modules"; *a++ = p->modules;
    *a++ = "--stop-file"; *a++ = h->stop_file; *a++ = "--log-level"; *a++ = "info"; *a = NULL;
    h->spec.argv = h->argv;
    h->spec.timeout_ms = 240000;
    h->spec.stdout_max = 1 << 16;
    h->spec.stderr_max = 1 << 20;
    h->spec.capture_stderr = 1;
    assert_int_equal(plat_thread_start(&h->thread, host_thread, h), 0);
}

int rt_host_stop(rt_host *h)
{
    test_write_file(h->stop_file, "stop");
    plat_thread_join(&h->thread);
    int code = h->res.started ? h->res.exit_code : -1000;
    if (code != 0 || !h->res.started) {
        fprintf(stderr, "host exit %d (started=%d, timed_out=%d, %s)\n--- host stderr ---\n%s\n---\n", code,
                h->res.started, h->res.timed_out, h->res.error, h->res.err ? h->res.err : "");
    }
    free(h->stop_file);
    plat_process_result_free(&h->res);
    return code;
}

char *rt_json(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

int rt_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    do {
        char *text = test_read_file(path);
        int found = text && strstr(text, needle) != NULL;
        free(text);
        if (found) return 1;
        plat_sleep_ms(20);
    } while (plat_monotonic_ns() < end);
    return 0;
}

static size_t count_lines(const char *path)
{
    char *text = test_read_file(path);
    size_t n = 0;
    for (const char *c = text; c && *c; c++) n += *c == '\n';
    free(text);
    return n;
}

size_t rt_wait_for_lines(const char *path, size_t n, int timeout_ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    size_t seen;
    while ((seen = count_lines(path)) < n && plat_monotonic_ns() < end) plat_sleep_ms(50);
    return seen;
}

#ifndef _WIN32
/* The host started with this config file, found by its command line in /proc. */
typedef struct find_ctx { const char *cfg; long pid; } find_ctx;

static int check_proc(const char *name, int is_dir, void *p)
{
    find_ctx *f = p;
    if (!is_dir || name[0] < '1' || name[0] > '9') return 0;
    char path[64], *cmd = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "/proc/%s/cmdline", name);
    if (plat_read_file(path, &cmd, &len) != 0) return 0;
    int hit = 0;
    for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
        if (strcmp(cmd + i, f->cfg) == 0) hit = 1;
    int is_host = len && strstr(cmd, "host") != NULL;
    free(cmd);
    if (hit && is_host) { f->pid = strtol(name, NULL, 10); return 1; }
    return 0;
}

long rt_host_pid(const char *config)
{
    find_ctx f = { config, 0 };
    plat_dir_list("/proc", check_proc, &f);
    return f.pid;
}
#endif

int rt_run_host(const rt_paths *p, const char *const *args, const char *env, plat_process_result *res)
{
    const char *argv[32] = { p->host, "--modules", p->modules };
    size_t n = 3;
    for (size_t i = 0; args[i] && n + 1 < sizeof argv / sizeof argv[0]; i++) argv[n++] = args[i];
    argv[n] = NULL;
    const char *env_add[] = { env, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    memset(res, 0, sizeof *res);
    spec.argv = argv;
    spec.env_add = env ? env_add : NULL;
    spec.timeout_ms = 60000;
    spec.stdout_max = 1 << 16;
    spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    assert_int_equal(plat_process_run(&spec, res), 0);
    assert_true(res->started);
    if (!res->out) { res->out = malloc(1); res->out[0] = '\0'; }
    return res->exit_code;
}
