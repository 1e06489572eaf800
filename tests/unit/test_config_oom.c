/*
 * test_config_oom - the allocation rule (docs/modules.md "Out of memory") on config loading, the one
 * place that used to abort: every example config is loaded with the real modules again and again, the
 * Nth allocation of the engine's code failing each time (malloc, calloc and realloc wrapped by the
 * linker, tests/CMakeLists.txt), until a load needs fewer than N. Each load must end either with the
 * config or with an error that says "out of memory" - never a crash, and (ASan) never a leak.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "config.h"
#include "host_api.h"
#include "loader.h"
#include "platform/platform.h"

static atomic_long countdown = -1;  /* allocations left before the one that fails; -1: none fails */
static atomic_int injected;

static int fail_now(void)
{
    long left = atomic_load(&countdown);
    if (left < 0) return 0;
    if (left == 0) {
        atomic_store(&countdown, -1);  /* exactly one failure per load */
        atomic_store(&injected, 1);
        return 1;
    }
    atomic_store(&countdown, left - 1);
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

static module_registry reg;

static int has_oom_message(const diag_list *d)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].message && strstr(d->items[i].message, "out of memory")) return 1;
    return 0;
}

/* Loads file with the Nth allocation failing, for N = 0, 1, ... Returns how many loads ran. */
static long exercise(const char *file)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_file(file, &reg, host_api_get(), 1, &d);
    int loads_here = c != NULL;
    config_free(c);
    diag_free(&d);
    if (!loads_here) return 0;  /* a config for another platform's modules */
    long n = 0;
    for (;; n++) {
        diag_list dd = DIAG_INIT;
        atomic_store(&injected, 0);
        atomic_store(&countdown, n);
        c = config_load_file(file, &reg, host_api_get(), 1, &dd);
        atomic_store(&countdown, -1);
        int hit = atomic_load(&injected);
        if (!c) {
            if (!hit || dd.count == 0 || !has_oom_message(&dd)) {
                fprintf(stderr, "%s: allocation %ld failed: load refused without an \"out of memory\" error (%zu error(s)%s%s)\n",
                        file, n, dd.count, dd.count ? ", first: " : "", dd.count ? dd.items[0].message : "");
                fail();
            }
        }
        config_free(c);
        diag_free(&dd);
        if (!hit) break;  /* the load needed fewer than n + 1 allocations: every one has failed once */
    }
    return n;
}

static void test_every_allocation_of_config_loading_may_fail(void **state)
{
    (void)state;
    const char *names[] = { "remember.json", "demo.json", "heartbeat.json", "metrics.json", "http-webhook.json",
                            "lua-heartbeat.json", "lua-downloads.json", "process-linux.json", "downloads-windows.json" };
    long total = 0;
    int configs = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/config/examples/%s", WEE_SOURCE_DIR, names[i]);
        long n = exercise(path);
        if (n) configs++;
        total += n;
        fprintf(stderr, "%s: %ld allocation(s), each failed once\n", names[i], n);
    }
    assert_true(configs >= 4);
    assert_true(total > 100);
}

int main(void)
{
    test_init();
    char exe[1024], dir[1200];
    plat_exe_dir(exe, sizeof exe);
    snprintf(dir, sizeof dir, "%s%s..%smodules", exe, plat_path_sep(), plat_path_sep());
    loader_scan(&reg, dir, host_api_get());
    if (!loader_find(&reg, "timer") || !loader_find(&reg, "log")) {
        fprintf(stderr, "the timer and log modules must be built in %s\n", dir);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_of_config_loading_may_fail),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    loader_unload_all(&reg);
    return rc;
}
