/*
 * Rule evaluation throughput on one core, as a worker does it (rule_set_candidates + conditions), for
 * rule sets compiled from real config text:
 *   ext      N rules, each on its own extension (equals)
 *   folder   N rules, each on its own folder (a path glob: the folder, then a double star)
 *   process  N rules on process.started, each on its own process name (case-insensitive equals)
 *   regex    N rules, regexes with distinct literals on the file name
 *   mixed    the four kinds above in turn, plus every 50th rule without any literal (a size test)
 *   legacy   the old bench's set: N globs on the path below Downloads, ending in "<i>.csv"
 * Each set runs twice side by side: through the rule index, and with every rule of the event's type
 * evaluated (what the engine did before the index). Prints events/s and evaluations per event.
 *
 * usage: bench_rules [--only SET] [--events N [--no-index]]
 *   --events N: a fixed number of events through the index (--no-index: every rule evaluated) instead
 *   of one second each, for instruction counts:
 *   valgrind --tool=callgrind --toggle-collect=measure bench_rules --only ext --events 100000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_support.h"
#include "config.h"
#include "event.h"
#include "host_api.h"
#include "loader.h"
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

static void rule_text(strbuf *sb, const char *set, size_t i)
{
    const char *kind = set;
    if (strcmp(set, "mixed") == 0) {
        static const char *const kinds[] = { "ext", "folder", "process", "regex" };
        kind = i % 50 == 49 ? "none" : kinds[i % 4];
    }
    const char *ev = strcmp(kind, "process") == 0 ? "process.started" : "file.created";
    strbuf_printf(sb, "{\"name\":\"r%zu\",\"when\":{\"event\":\"%s\",\"match\":", i, ev);
    if (strcmp(kind, "ext") == 0)
        strbuf_printf(sb, "{\"ext\":\"e%zu\"}", i);
    else if (strcmp(kind, "folder") == 0)
        strbuf_printf(sb, "{\"path\":{\"glob\":\"/srv/share/d%zu/**\"}}", i);
    else if (strcmp(kind, "process") == 0)
        strbuf_printf(sb, "{\"process\":{\"equals\":\"tool%zu.exe\",\"case_insensitive\":true}}", i);
    else if (strcmp(kind, "regex") == 0)
        strbuf_printf(sb, "{\"name\":{\"regex\":\"^rep[a-z]*_%zu\\\\.(csv|tsv)$\"}}", i);
    else if (strcmp(kind, "legacy") == 0)
        strbuf_printf(sb, "{\"path\":{\"glob\":\"/home/*/Downloads/**/rep*%zu.csv\"}}", i);
    else
        strbuf_printf(sb, "{\"size\":{\"gt\":%zu}}", i * 1000);
    strbuf_puts(sb, "},\"do\":[{\"action\":\"noop\"}]}");
}

/* Events that hit rules of every kind (and some that hit none), spread over the rule numbers. */
enum { NEV = 64 };
static void make_events(wee_event **evs, size_t nrules)
{
    for (int i = 0; i < NEV; i++) {
        size_t r = (size_t)i * 7919u % (nrules + nrules / 8 + 1); /* ~1 in 9 beyond the last rule */
        char name[64], path[256], ext[32], proc[64];
        snprintf(ext, sizeof ext, "e%zu", r);
        snprintf(name, sizeof name, "report_%zu.%s", r, i % 3 ? "csv" : ext);
        snprintf(path, sizeof path, "%s/2026/q%d/%s", i % 2 ? "/srv/share/d" : "/home/user/Downloads", i % 4, name);
        if (i % 2) snprintf(path, sizeof path, "/srv/share/d%zu/2026/q%d/%s", r, i % 4, name);
        snprintf(proc, sizeof proc, "TOOL%zu.EXE", r);
        evs[i] = event_new(i % 5 == 4 ? "process.started" : "file.created");
        event_set_string(evs[i], "source", "bench");
        if (i % 5 == 4) {
            event_set_string(evs[i], "process", proc);
            event_set_int(evs[i], "pid", 4242);
        } else {
            event_set_string(evs[i], "path", path);
            event_set_string(evs[i], "name", name);
            event_set_string(evs[i], "ext", i % 3 ? "csv" : ext);
            event_set_int(evs[i], "size", (int64_t)r * 997);
        }
    }
}

/* The measured loop, on its own for callgrind's --toggle-collect. */
void measure(const rule_set *rs, wee_event **evs, int use_index, uint64_t fixed, uint64_t *iters,
             uint64_t *elapsed, count_ctx *ctx);
void measure(const rule_set *rs, wee_event **evs, int use_index, uint64_t fixed, uint64_t *iters,
             uint64_t *elapsed, count_ctx *ctx)
{
    uint64_t start = plat_monotonic_ns(), n = 0;
    do {
        for (int k = 0; k < 256; k++, n++) {
            const wee_event *ev = evs[n % NEV];
            ctx->ev = ev;
            rule_set_candidates(rs, ev->type, "bench", use_index ? ev : NULL, visit, ctx);
        }
        *elapsed = plat_monotonic_ns() - start;
    } while (fixed ? n < fixed : *elapsed < 1000000000ull);
    *iters = n;
}

static int no_index;

static void run(size_t nrules, const char *set, const module_registry *reg, uint64_t fixed)
{
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "{\"version\":1,\"rules\":[");
    for (size_t i = 0; i < nrules; i++) {
        if (i) strbuf_putc(&sb, ',');
        rule_text(&sb, set, i);
    }
    strbuf_puts(&sb, "]}");
    diag_list d = DIAG_INIT;
    config *c = config_load_text(strbuf_cstr(&sb), "bench.json", reg, host_api_get(), 1, &d);
    if (!c) { diag_print(&d, "bench.json", stderr); exit(1); }
    strbuf_free(&sb);
    wee_event *evs[NEV];
    make_events(evs, nrules);

    double rate[2] = { 0, 0 };
    for (int use_index = !(fixed && no_index); use_index >= 0; use_index--) {
        count_ctx ctx = { NULL, 0, 0 };
        uint64_t iters = 0, elapsed = 0;
        /* Called through a volatile pointer so it stays a function of its own for callgrind. */
        void (*volatile measure_fn)(const rule_set *, wee_event **, int, uint64_t, uint64_t *, uint64_t *, count_ctx *) = measure;
        measure_fn(c->rules, evs, use_index, fixed, &iters, &elapsed, &ctx);
        double secs = (double)elapsed / 1e9;
        rate[use_index] = (double)iters / secs;
        printf("rules=%-5zu set=%-7s %-8s events/s=%11.0f  evaluations/event=%8.2f  matches/event=%.3f\n", nrules, set,
               use_index ? "indexed" : "all", rate[use_index], (double)ctx.evaluated / (double)iters,
               (double)ctx.matched / (double)iters);
        if (fixed) break; /* instruction counts: the indexed loop alone */
    }
    if (!fixed) printf("  index speed-up x%.1f\n", rate[1] / rate[0]);
    for (int i = 0; i < NEV; i++) event_unref(evs[i]);
    config_free(c);
    diag_free(&d);
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    uint64_t fixed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) fixed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--no-index") == 0) no_index = 1;
        else { fprintf(stderr, "usage: bench_rules [--only SET] [--events N [--no-index]]\n"); return 2; }
    }
    log_configure(WEE_LOG_WARN, NULL, 0);
    loaded_module *mods[] = { &bench_noop_module };
    module_registry reg = { mods, 1, 0 };
    /* The sources whose fields the rules test declare them (path globs, ABI 1.3): loaded as the host
     * loads them, from <build>/modules beside <build>/bench. */
    module_registry sources = { NULL, 0, 0 };
    char dir[1024];
    if (plat_exe_dir(dir, sizeof dir) != 0) { fprintf(stderr, "cannot find this executable's folder\n"); return 1; }
    const char *names[] = { "file", "process" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1300], err[512];
        snprintf(path, sizeof path, "%s%s..%smodules%s%s%s", dir, plat_path_sep(), plat_path_sep(), plat_path_sep(),
                 names[i], plat_dl_suffix());
        if (loader_load_file(&sources, path, host_api_get(), err, sizeof err) != 0) {
            fprintf(stderr, "cannot load %s: %s (build the modules first)\n", path, err);
            return 1;
        }
    }
    printf("# rule evaluation, one thread: through the rule index vs every rule of the type evaluated\n");
    const char *sets[] = { "ext", "folder", "process", "regex", "mixed", "legacy" };
    size_t sizes[] = { 100, 1000 };
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        if (only && strcmp(only, sets[k]) != 0) continue;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) run(sizes[s], sets[k], &reg, fixed);
    }
    loader_unload_all(&sources);
    return 0;
}
