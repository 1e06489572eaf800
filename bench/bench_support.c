#include "bench_support.h"
#include <stdatomic.h>
#include <stdlib.h>
#include "host_api.h"
#include "platform/platform.h"
#include "wee/wee.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t bench_percentile(uint64_t *v, size_t n, double p)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)((p / 100.0) * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static uint64_t *g_samples;
static size_t g_cap;
static atomic_size_t g_count;

void bench_probe_reset(size_t capacity)
{
    free(g_samples);
    g_samples = calloc(capacity, sizeof *g_samples);
    g_cap = capacity;
    atomic_store(&g_count, 0);
}

size_t bench_probe_samples(uint64_t **out)
{
    *out = g_samples;
    size_t n = atomic_load(&g_count);
    return n < g_cap ? n : g_cap;
}

static int probe_run(void *inst, wee_action_call *call)
{
    (void)inst;
    const wee_host_api *h = host_api_get();
    uint64_t now = plat_monotonic_ns();
    int64_t t0 = h->event_get_int(h->call_event(call), "t0", 0);
    size_t i = atomic_fetch_add(&g_count, 1);
    if (i < g_cap && t0 > 0) g_samples[i] = now - (uint64_t)t0;
    return 0;
}
static int noop_run(void *inst, wee_action_call *call) { (void)inst; (void)call; return 0; }
static int any_create(const wee_host_api *h, const wee_options *o, void **inst, char *e, size_t n) { (void)h; (void)o; (void)e; (void)n; *inst = NULL; return 0; }
static void any_destroy(void *inst) { (void)inst; }

loaded_module bench_probe_module = {
    .path = "(bench)",
    .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, .name = "probe",
              .kind = WEE_MODULE_ACTION, .action_create = any_create, .action_run = probe_run, .action_destroy = any_destroy },
};
loaded_module bench_noop_module = {
    .path = "(bench)",
    .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, .name = "noop",
              .kind = WEE_MODULE_ACTION, .action_create = any_create, .action_run = noop_run, .action_destroy = any_destroy },
};
