/* status_json.c - engine_status_json: what `host status` shows, as JSON for the web console. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "event_tap.h"
#include "metrics_table.h"

#define MAX_WORKERS_READ 256

static void add_rule_count(const mt_total *t, void *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", t->a);
    cJSON_AddNumberToObject(o, "matched", (double)t->count);
    cJSON_AddItemToArray(p, o);
}

static void add_event_count(const mt_total *t, void *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source", t->a);
    cJSON_AddStringToObject(o, "type", t->b);
    cJSON_AddNumberToObject(o, "count", (double)t->count);
    cJSON_AddItemToArray(p, o);
}

struct event_tap *engine_tap(engine *e) { return dispatcher_tap(e->disp); }

void engine_status_json(engine *e, strbuf *out)
{
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    cJSON *o = cJSON_CreateObject();
    if (!o) { strbuf_puts(out, "{}"); return; }
    plat_mutex_lock(&e->lock);
    cJSON_AddStringToObject(o, "config", e->cfg->file);
    cJSON_AddNumberToObject(o, "uptime_s", (double)(plat_monotonic_ns() - e->started_ns) / 1e9);
    cJSON_AddNumberToObject(o, "workers", dispatcher_worker_count(e->disp));
    cJSON_AddNumberToObject(o, "queued", (double)st.queued);
    cJSON_AddNumberToObject(o, "queue_capacity", (double)e->cfg->engine.queue_capacity);
    cJSON_AddNumberToObject(o, "received", (double)st.received);
    cJSON_AddNumberToObject(o, "processed", (double)st.processed);
    cJSON_AddNumberToObject(o, "dropped", (double)st.dropped);
    cJSON_AddNumberToObject(o, "rules_active", e->cfg->rules ? (double)rule_set_count(e->cfg->rules) : 0);
    cJSON_AddNumberToObject(o, "rules_matched", (double)st.rules_matched);
    cJSON_AddNumberToObject(o, "actions_ok", (double)st.actions_ok);
    cJSON_AddNumberToObject(o, "actions_failed", (double)st.actions_failed);
    cJSON_AddNumberToObject(o, "reloads_ok", (double)atomic_load(&e->reloads_ok));
    cJSON_AddNumberToObject(o, "reloads_failed", (double)atomic_load(&e->reloads_failed));
    cJSON *sources = cJSON_AddArrayToObject(o, "sources");
    for (size_t i = 0; i < e->source_count; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "id", e->sources[i]->id);
        cJSON_AddStringToObject(s, "module", e->sources[i]->module->desc.name);
        cJSON_AddNumberToObject(s, "emitted", (double)atomic_load(&e->sources[i]->src.emitted));
        cJSON_AddNumberToObject(s, "lost", (double)atomic_load(&e->sources[i]->src.lost));
        cJSON_AddItemToArray(sources, s);
    }
    plat_mutex_unlock(&e->lock);
    mtable *tables[MAX_WORKERS_READ];
    size_t n = dispatcher_metric_tables(e->disp, DM_RULES, tables, MAX_WORKERS_READ);
    mtable_sum(tables, n, add_rule_count, cJSON_AddArrayToObject(o, "rules"));
    n = dispatcher_metric_tables(e->disp, DM_EVENTS, tables, MAX_WORKERS_READ);
    mtable_sum(tables, n, add_event_count, cJSON_AddArrayToObject(o, "events"));
    event_tap *tap = engine_tap(e);
    if (tap) {
        unsigned viewers;
        size_t bytes;
        uint64_t missed;
        event_tap_stats(tap, &viewers, &bytes, &missed);
        cJSON *live = cJSON_AddObjectToObject(o, "live");
        cJSON_AddNumberToObject(live, "viewers", viewers);
        cJSON_AddNumberToObject(live, "queued_bytes", (double)bytes);
        cJSON_AddNumberToObject(live, "missed", (double)missed);
        cJSON_AddNumberToObject(live, "max_viewers", TAP_MAX_VIEWERS);
        cJSON_AddNumberToObject(live, "max_bytes_per_viewer", TAP_VIEWER_BYTES);
    }
    cJSON_AddItemToObject(o, "failures", tap ? event_tap_failures(tap) : cJSON_CreateArray());
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    strbuf_puts(out, text ? text : "{}");
    free(text);
}
