/*
 * Rule evaluation throughput on one core: N rules (half glob, half regex on "name"/"path") compiled from
 * a real config text, evaluated against a rotating set of file events exactly as a worker does
 * (index lookup + conditions). Prints evaluations per second. Target: >= 5,000,000/s with 100 glob rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_support.h"
#include "config.h"
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "platform/platform.h"
#include "util/strbuf.h"

typedef struct count_ctx { const wee_event *ev; uint64_t evaluated, matched; } count_ctx;

static int visit(rule *r, void *p)
{
    count_ctx *c = p;
    c->evaluated++;
    if (!r->when || cond_eval(r->when, c->ev)) c->matched++;
    return 0;
}

static void run(size_t nrules, const char *kind, const module_registry *reg)
{
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "{\"version\":1,\"rules\":[");
    for (size_t i = 0; i < nrules; i++) {
        if (i) strbuf_putc(&sb, ',');
        int use_regex = strcmp(kind, "regex") == 0 || (strcmp(kind, "mixed") == 0 && i % 2);
        if (use_regex)
            strbuf_printf(&sb, "{\"name\":\"r%zu\",\"when\":{\"event\":\"file.created\",\"match\":{\"name\":{\"regex\":\"^rep[a-z]*%zu\\\\.(csv|tsv)$\"}}},\"do\":[{\"action\":\"noop\"}]}", i, i);
        else
            strbuf_printf(&sb, "{\"name\":\"r%zu\",\"when\":{\"event\":\"file.created\",\"match\":{\"path\":{\"glob\":\"/home/*/Downloads/**/rep*%zu.csv\"}}},\"do\":[{\"action\":\"noop\"}]}", i, i);
    }
    strbuf_puts(&sb, "]}");
    diag_list d = DIAG_INIT;
    config *c = config_load_text(strbuf_cstr(&sb), "bench.json", reg, host_api_get(), 1, &d);
    if (!c) { diag_print(&d, "bench.json", stderr); exit(1); }
    strbuf_free(&sb);

    enum { NEV = 64 };
    wee_event *evs[NEV];
    for (int i = 0; i < NEV; i++) {
        char name[64], path[256];
        snprintf(name, sizeof name, "report%d.csv", i);
        snprintf(path, sizeof path, "/home/user/Downloads/2026/q%d/%s", i % 4, name);
        evs[i] = event_new("file.created");
        event_set_string(evs[i], "path", path);
        event_set_string(evs[i], "name", name);
        event_set_string(evs[i], "source", "bench");
    }
    count_ctx ctx = { NULL, 0, 0 };
    uint64_t start = plat_monotonic_ns(), elapsed;
    size_t iter = 0;
    do {
        for (int k = 0; k < 256; k++, iter++) {
            ctx.ev = evs[iter % NEV];
            rule_set_candidates(c->rules, "file.created", "bench", visit, &ctx);
        }
        elapsed = plat_monotonic_ns() - start;
    } while (elapsed < 1000000000ull);
    double secs = (double)elapsed / 1e9;
    printf("rules=%-5zu kind=%-6s events/s=%12.0f  rule evaluations/s=%12.0f  matched=%llu\n", nrules, kind,
           (double)iter / secs, (double)ctx.evaluated / secs, (unsigned long long)ctx.matched);
    for (int i = 0; i < NEV; i++) event_unref(evs[i]);
    config_free(c);
    diag_free(&d);
}

int main(void)
{
    log_configure(WEE_LOG_WARN, NULL, 0);
    loaded_module *mods[] = { &bench_noop_module };
    module_registry reg = { mods, 1, 0 };
    printf("# rule evaluation, one thread (each event meets every rule; ~1/N match)\n");
    const char *kinds[] = { "glob", "regex", "mixed" };
    size_t sizes[] = { 1, 100, 1000 };
    for (size_t k = 0; k < 3; k++)
        for (size_t s = 0; s < 3; s++) run(sizes[s], kinds[k], &reg);
    return 0;
}
