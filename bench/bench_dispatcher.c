/*
 * Dispatcher throughput and enqueue -> action-start latency, with the real log module writing every
 * event to a file (rule: [probe, log]). Paced at a target rate (default 100,000 events/s for 3 s), then
 * an unpaced run for peak throughput. Target: p99 <= 200 us at 100k events/s.
 * usage: bench_dispatcher [MODULES_DIR] [RATE] [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_support.h"
#include "config.h"
#include "dispatcher.h"
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "platform/platform.h"

static config *load(module_registry *reg, const char *logfile)
{
    char text[1024];
    if (!logfile) snprintf(text, sizeof text, "{\"version\":1,\"engine\":{\"workers\":2,\"queue_capacity\":65536},\"rules\":[{\"name\":\"bench\",\"when\":{\"event\":\"bench.event\"},\"do\":[{\"action\":\"probe\"}]}]}");
    else snprintf(text, sizeof text,
             "{\"version\":1,\"engine\":{\"workers\":2,\"queue_capacity\":65536},\"rules\":[{\"name\":\"bench\","
             "\"when\":{\"event\":\"bench.event\"},\"do\":[{\"action\":\"probe\"},"
             "{\"action\":\"log\",\"target\":\"file\",\"file\":\"%s\",\"message\":\"event {{n}} from {{source}}\"}]}]}",
             logfile);
    diag_list d = DIAG_INIT;
    config *c = config_load_text(text, "bench.json", reg, host_api_get(), 1, &d);
    if (!c) { diag_print(&d, "bench.json", stderr); exit(1); }
    diag_free(&d);
    return c;
}

static void run(module_registry *reg, double rate, double seconds, int with_log)
{
    const char *logfile = with_log ? "/tmp/wee-bench-dispatcher.log" : NULL;
    if (logfile) remove(logfile);
    config *c = load(reg, logfile);
    size_t total = rate > 0 ? (size_t)(rate * seconds) : 1000000;
    bench_probe_reset(total);
    dispatcher *d = dispatcher_new(c->engine.workers, c->engine.queue_capacity, c->engine.overflow, rule_set_ref(c->rules));
    uint64_t start = plat_monotonic_ns();
    for (size_t i = 0; i < total; i++) {
        if (rate > 0) {
            /* each event waits for its own due time: bursts would measure queueing, not dispatch */
            uint64_t due = start + (uint64_t)((double)i / rate * 1e9);
            while (plat_monotonic_ns() < due) {}
        }
        wee_event *ev = event_new("bench.event");
        event_set_int(ev, "n", (int64_t)i);
        event_set_string(ev, "source", "bench");
        event_set_int(ev, "t0", (int64_t)plat_monotonic_ns());
        dispatcher_submit(d, ev);
    }
    dispatcher_wait_idle(d, 600000);
    uint64_t elapsed = plat_monotonic_ns() - start;
    dispatcher_stats st;
    dispatcher_drain_and_stop(d);
    dispatcher_get_stats(d, &st);
    uint64_t *v;
    size_t n = bench_probe_samples(&v);
    uint64_t p50 = bench_percentile(v, n, 50), p99 = bench_percentile(v, n, 99), p999 = bench_percentile(v, n, 99.9);
    printf("%-8s %-9s events=%zu  throughput=%.0f events/s  enqueue->action p50=%.1f us p99=%.1f us p99.9=%.1f us  "
           "received=%llu processed=%llu dropped=%llu\n",
           rate > 0 ? "paced" : "unpaced", with_log ? "probe+log" : "probe", total, (double)total / ((double)elapsed / 1e9), p50 / 1e3, p99 / 1e3, p999 / 1e3,
           (unsigned long long)st.received, (unsigned long long)st.processed, (unsigned long long)st.dropped);
    dispatcher_free(d);
    config_free(c);
}

int main(int argc, char **argv)
{
    log_configure(WEE_LOG_WARN, NULL, 0);
    char dir[1024];
    if (argc > 1) snprintf(dir, sizeof dir, "%s", argv[1]);
    else { plat_exe_dir(dir, sizeof dir); strncat(dir, "/../modules", sizeof dir - strlen(dir) - 1); }
    double rate = argc > 2 ? atof(argv[2]) : 100000, secs = argc > 3 ? atof(argv[3]) : 3;
    module_registry reg = { NULL, 0, 0 };
    loader_scan(&reg, dir, host_api_get());
    if (!loader_find(&reg, "log")) { fprintf(stderr, "log module not found in %s\n", dir); return 1; }
    /* the in-process probe joins the loaded modules */
    loaded_module **mods = realloc(reg.mods, (reg.count + 1) * sizeof *mods);
    reg.mods = mods;
    reg.mods[reg.count++] = &bench_probe_module;
    printf("# dispatcher: 2 workers; rule = [probe, log to file] or [probe] alone; %u cores (the paced\n"
           "# submitter busy-waits on one of them)\n", plat_cpu_count());
    run(&reg, rate, secs, 1);
    run(&reg, 0, 0, 1);
    run(&reg, rate, secs, 0);
    run(&reg, 0, 0, 0);
    reg.count--; /* the probe is static; do not unload it */
    loader_unload_all(&reg);
    return 0;
}
