/*
 * core/metrics.c - the engine's figures as Prometheus text (engine_metrics_text) and for a person
 * (engine_status_text). Names follow the Rust original's set, prefixed "wee_". Counting happens in
 * the dispatcher's per-worker tables; this only reads and sums them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "metrics_table.h"
#include "rule_memory.h"
#include "rule_state.h"
#include "wee/errors.h"

#define MAX_WORKERS_READ 256

/* Label values escape backslash, double quote and newline (text format 0.0.4). */
static void label(strbuf *out, const char *name, const char *value)
{
    strbuf_printf(out, "%s=\"", name);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\') strbuf_puts(out, "\\\\");
        else if (*p == '"') strbuf_puts(out, "\\\"");
        else if (*p == '\n') strbuf_puts(out, "\\n");
        else strbuf_putc(out, *p);
    }
    strbuf_putc(out, '"');
}

static void family(strbuf *out, const char *name, const char *type, const char *help)
{
    strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef struct emit_ctx {
    strbuf *out;
    const char *metric;
    const char *la, *lb;         /* label names; lb NULL: one label; la NULL: none */
    int histogram;
} emit_ctx;

/* What stateful rules remember (rule_memory.h), by rule. Caller holds e->lock (the config stays). */
static void memory_families(const rule_set *rs, strbuf *out)
{
    static const char *const names[] = { "wee_rule_memory_groups", "wee_rule_memory_evicted_total", "wee_rule_memory_fired_total" };
    static const char *const types[] = { "gauge", "counter", "counter" };
    static const char *const helps[] = { "Groups a stateful rule remembers now (partial sequences, threshold windows, pending absences).",
                                         "Groups forgotten to stay within max_groups.", "Times a stateful rule fired." };
    for (int f = 0; f < 3; f++) {
        int header = 0;
        for (size_t i = 0; rs && i < rule_set_count(rs); i++) {
            const rule *r = rule_set_at(rs, i);
            if (r->memory.kind == MEMORY_NONE || !r->state->memory) continue;
            if (!header++) family(out, names[f], types[f], helps[f]);
            rule_memory_stats st;
            rule_memory_get_stats(r->state->memory, &st);
            strbuf_printf(out, "%s{", names[f]);
            label(out, "rule", r->name);
            strbuf_printf(out, ",kind=\"%s\"} %llu\n", rule_memory_kind_name(r->memory.kind),
                          (unsigned long long)(f == 0 ? st.groups : f == 1 ? st.evicted : st.fired));
        }
    }
}

static void labels(strbuf *out, const emit_ctx *c, const mt_total *t, const char *le)
{
    int any = 0;
    strbuf_putc(out, '{');
    if (c->la) { label(out, c->la, t->a); any = 1; }
    if (c->lb) { if (any) strbuf_putc(out, ','); label(out, c->lb, t->b); any = 1; }
    if (le) { if (any) strbuf_putc(out, ','); strbuf_printf(out, "le=\"%s\"", le); any = 1; }
    if (!any) { out->len--; out->data[out->len] = '\0'; return; } /* no labels: drop the brace */
    strbuf_putc(out, '}');
}

static void emit_total(const mt_total *t, void *p)
{
    emit_ctx *c = p;
    if (!c->histogram) {
        strbuf_puts(c->out, c->metric);
        labels(c->out, c, t, NULL);
        strbuf_printf(c->out, " %llu\n", (unsigned long long)t->count);
        return;
    }
    char le[32];
    for (int i = 0; i < MT_BUCKETS; i++) {
        snprintf(le, sizeof le, "%g", mt_bucket_bounds[i]);
        strbuf_printf(c->out, "%s_bucket", c->metric);
        labels(c->out, c, t, le);
        strbuf_printf(c->out, " %llu\n", (unsigned long long)t->bucket[i]);
    }
    strbuf_printf(c->out, "%s_bucket", c->metric);
    labels(c->out, c, t, "+Inf");
    strbuf_printf(c->out, " %llu\n%s_sum", (unsigned long long)t->count, c->metric);
    labels(c->out, c, t, NULL);
    strbuf_printf(c->out, " %.9f\n%s_count", (double)t->sum_ns / 1e9, c->metric);
    labels(c->out, c, t, NULL);
    strbuf_printf(c->out, " %llu\n", (unsigned long long)t->count);
}

static void table_family(engine *e, strbuf *out, dispatcher_metric m, const char *metric, const char *type,
                         const char *help, const char *la, const char *lb, int histogram)
{
    mtable *tables[MAX_WORKERS_READ];
    size_t n = dispatcher_metric_tables(e->disp, m, tables, MAX_WORKERS_READ);
    family(out, metric, type, help);
    emit_ctx c = { out, metric, la, lb, histogram };
    mtable_sum(tables, n, emit_total, &c);
}

/* The per-action duration histogram has one label (the action); the table splits by result too. */
typedef struct merge_ctx { mt_total rows[64]; size_t count; int overflow; } merge_ctx;

static void merge_by_action(const mt_total *t, void *p)
{
    merge_ctx *m = p;
    size_t i = 0;
    while (i < m->count && strcmp(m->rows[i].a, t->a) != 0) i++;
    if (i == m->count) {
        if (m->count == sizeof m->rows / sizeof m->rows[0]) { m->overflow = 1; return; }
        memset(&m->rows[i], 0, sizeof m->rows[i]);
        m->rows[i].a = t->a;
        m->count++;
    }
    m->rows[i].count += t->count;
    m->rows[i].sum_ns += t->sum_ns;
    for (int b = 0; b < MT_BUCKETS; b++) m->rows[i].bucket[b] += t->bucket[b];
}

static void action_durations(engine *e, strbuf *out)
{
    mtable *tables[MAX_WORKERS_READ];
    size_t n = dispatcher_metric_tables(e->disp, DM_ACTIONS, tables, MAX_WORKERS_READ);
    merge_ctx *mp = calloc(1, sizeof *mp);
    if (!mp) return;
    mtable_sum(tables, n, merge_by_action, mp);
    family(out, "wee_actions_execution_duration_seconds", "histogram", "Time each action took, by action module.");
    emit_ctx c = { out, "wee_actions_execution_duration_seconds", "action", NULL, 1 };
    for (size_t i = 0; i < mp->count; i++) emit_total(&mp->rows[i], &c);
    free(mp);
}

static void simple(strbuf *out, const char *metric, const char *type, const char *help, double value)
{
    family(out, metric, type, help);
    strbuf_printf(out, "%s %.17g\n", metric, value);
}

typedef struct report_ctx { strbuf *out; const char *module; int metrics; } report_ctx;

static void report_figure(void *p, const char *object, const char *name, int64_t value, const char *text)
{
    report_ctx *c = p;
    if (!object || !name) return;
    if (c->metrics) {
        strbuf_puts(c->out, "wee_module_state{");
        label(c->out, "module", c->module);
        strbuf_putc(c->out, ',');
        label(c->out, "object", object);
        strbuf_putc(c->out, ',');
        label(c->out, "name", name);
        strbuf_printf(c->out, "} %lld\n", (long long)value);
        return;
    }
    strbuf_printf(c->out, "  %-10s %-24s %-14s %lld", c->module, object, name, (long long)value);
    if (text) {
        strbuf_puts(c->out, "  ");
        /* A module's text may carry a broker's or peer's words: one line, no control characters. */
        for (const char *t = text; *t; t++) strbuf_putc(c->out, (unsigned char)*t < 0x20 ? ' ' : *t);
    }
    strbuf_putc(c->out, '\n');
}

/* Module-wide objects (ABI 1.2 module_report) of the modules the running config configured. Called
 * with e->lock held, so the config and its module list stay put. */
static size_t module_reports(engine *e, strbuf *out, int metrics)
{
    size_t n = 0;
    for (size_t i = 0; i < e->cfg->configured_count; i++) {
        const loaded_module *m = e->cfg->configured[i];
        if (!m->desc.module_report) continue;
        if (!metrics && n == 0) strbuf_puts(out, "modules\n");
        report_ctx c = { out, m->name, metrics };
        m->desc.module_report(report_figure, &c);
        n++;
    }
    return n;
}

void engine_metrics_text(engine *e, strbuf *out)
{
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    table_family(e, out, DM_EVENTS, "wee_events_total", "counter", "Events processed, by source and type.", "source",
                 "type", 0);
    simple(out, "wee_events_received_total", "counter", "Events that reached the queue.", (double)st.received);
    simple(out, "wee_events_dropped_total", "counter", "Events dropped (queue full, stopping, or lost by a source).",
           (double)st.dropped);
    simple(out, "wee_events_queued", "gauge", "Events waiting in the queue.", (double)st.queued);
    table_family(e, out, DM_PROCESSING, "wee_events_processing_duration_seconds", "histogram",
                 "Time from a worker taking an event to finishing its rules and actions.", NULL, NULL, 1);
    simple(out, "wee_rules_evaluated_total", "counter", "Rule candidates evaluated.", (double)st.rules_evaluated);
    table_family(e, out, DM_RULES, "wee_rules_matched_total", "counter", "Rules whose conditions matched, by rule.",
                 "rule", NULL, 0);
    table_family(e, out, DM_ACTIONS, "wee_actions_executed_total", "counter", "Actions run, by module and result.",
                 "action", "result", 0);
    action_durations(e, out);

    plat_mutex_lock(&e->lock);
    family(out, "wee_plugins_events_generated_total", "counter", "Events emitted by each running source.");
    for (size_t i = 0; i < e->source_count; i++) {
        running_source *rs = e->sources[i];
        strbuf_puts(out, "wee_plugins_events_generated_total{");
        label(out, "plugin", rs->module->desc.name);
        strbuf_putc(out, ',');
        label(out, "source", rs->id);
        strbuf_printf(out, "} %llu\n", (unsigned long long)atomic_load(&rs->src.emitted));
    }
    family(out, "wee_plugins_errors_total", "counter",
           "Errors inside modules: events a source reported lost, by source; sources that failed to start.");
    for (size_t i = 0; i < e->source_count; i++) {
        running_source *rs = e->sources[i];
        strbuf_puts(out, "wee_plugins_errors_total{");
        label(out, "plugin", rs->module->desc.name);
        strbuf_putc(out, ',');
        label(out, "source", rs->id);
        strbuf_printf(out, "} %llu\n", (unsigned long long)atomic_load(&rs->src.lost));
    }
    strbuf_printf(out, "wee_plugins_errors_total{plugin=\"engine\",source=\"start_failures\"} %llu\n",
                  (unsigned long long)atomic_load(&e->source_failures));
    family(out, "wee_module_state", "gauge", "Figures modules report about their shared objects (connections).");
    module_reports(e, out, 1);
    size_t sources = e->source_count, rules = e->cfg->rules ? rule_set_count(e->cfg->rules) : 0;
    memory_families(e->cfg->rules, out);
    plat_mutex_unlock(&e->lock);

    family(out, "wee_config_reload_total", "counter", "Config reloads, by result.");
    strbuf_printf(out, "wee_config_reload_total{result=\"success\"} %llu\n",
                  (unsigned long long)atomic_load(&e->reloads_ok));
    strbuf_printf(out, "wee_config_reload_total{result=\"failure\"} %llu\n",
                  (unsigned long long)atomic_load(&e->reloads_failed));
    simple(out, "wee_engine_uptime_seconds", "gauge", "Seconds since the engine started.",
           (double)(plat_monotonic_ns() - e->started_ns) / 1e9);
    simple(out, "wee_active_plugins", "gauge", "Running source instances.", (double)sources);
    simple(out, "wee_active_rules", "gauge", "Rules in the running config.", (double)rules);
}

static void status_rule(const mt_total *t, void *p)
{
    strbuf_printf((strbuf *)p, "  rule %-32s matched %llu\n", t->a, (unsigned long long)t->count);
}

static void status_action(const mt_total *t, void *p)
{
    strbuf_printf((strbuf *)p, "  action %-12s %-5s %llu (avg %.3f ms)\n", t->a, t->b, (unsigned long long)t->count,
                  t->count ? (double)t->sum_ns / 1e6 / (double)t->count : 0.0);
}

void engine_status_text(engine *e, strbuf *out)
{
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    mtable *tables[MAX_WORKERS_READ];
    plat_mutex_lock(&e->lock);
    strbuf_printf(out, "config    %s\n", e->cfg->file);
    strbuf_printf(out, "uptime    %.1f s\n", (double)(plat_monotonic_ns() - e->started_ns) / 1e9);
    strbuf_printf(out, "workers   %u, queue %llu/%zu\n", dispatcher_worker_count(e->disp),
                  (unsigned long long)st.queued, e->cfg->engine.queue_capacity);
    strbuf_printf(out, "events    received %llu, processed %llu, dropped %llu\n", (unsigned long long)st.received,
                  (unsigned long long)st.processed, (unsigned long long)st.dropped);
    strbuf_printf(out, "rules     %zu active, evaluated %llu, matched %llu, suppressed %llu\n",
                  e->cfg->rules ? rule_set_count(e->cfg->rules) : (size_t)0, (unsigned long long)st.rules_evaluated,
                  (unsigned long long)st.rules_matched, (unsigned long long)st.suppressed);
    strbuf_printf(out, "actions   ok %llu, failed %llu\n", (unsigned long long)st.actions_ok,
                  (unsigned long long)st.actions_failed);
    strbuf_printf(out, "reloads   ok %llu, failed %llu\n", (unsigned long long)atomic_load(&e->reloads_ok),
                  (unsigned long long)atomic_load(&e->reloads_failed));
    strbuf_printf(out, "sources   %zu running\n", e->source_count);
    for (size_t i = 0; i < e->source_count; i++)
        strbuf_printf(out, "  %-20s %-10s emitted %llu, lost %llu\n", e->sources[i]->id, e->sources[i]->module->desc.name,
                      (unsigned long long)atomic_load(&e->sources[i]->src.emitted),
                      (unsigned long long)atomic_load(&e->sources[i]->src.lost));
    for (size_t i = 0; e->cfg->rules && i < rule_set_count(e->cfg->rules); i++) {
        const rule *r = rule_set_at(e->cfg->rules, i);
        if (r->memory.kind == MEMORY_NONE || !r->state->memory) continue;
        rule_memory_stats ms;
        rule_memory_get_stats(r->state->memory, &ms);
        strbuf_printf(out, "  memory %-30s %-9s groups %llu (max %lld), evicted %llu, fired %llu\n", r->name,
                      rule_memory_kind_name(r->memory.kind), (unsigned long long)ms.groups, (long long)r->memory.max_groups,
                      (unsigned long long)ms.evicted, (unsigned long long)ms.fired);
    }
    module_reports(e, out, 0);
    plat_mutex_unlock(&e->lock);
    size_t n = dispatcher_metric_tables(e->disp, DM_RULES, tables, MAX_WORKERS_READ);
    mtable_sum(tables, n, status_rule, out);
    n = dispatcher_metric_tables(e->disp, DM_ACTIONS, tables, MAX_WORKERS_READ);
    mtable_sum(tables, n, status_action, out);
}
