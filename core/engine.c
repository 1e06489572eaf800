#include "engine.h"
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "platform/platform.h"

typedef struct running_source {
    struct wee_source src;
    const source_config *cfg;
    void *instance;
    int started;
} running_source;

struct engine {
    config *cfg;
    dispatcher *disp;
    running_source *sources;
    size_t source_count;
};

static int source_emit(struct wee_source *src, wee_event *ev)
{
    return dispatcher_submit((dispatcher *)src->emit_ctx, ev);
}

static void start_sources(engine *e)
{
    const wee_host_api *api = host_api_get();
    e->sources = calloc(e->cfg->source_count ? e->cfg->source_count : 1, sizeof *e->sources);
    if (!e->sources) return;
    for (size_t i = 0; i < e->cfg->source_count; i++) {
        const source_config *sc = &e->cfg->sources[i];
        running_source *rs = &e->sources[e->source_count];
        char err[512] = "";
        rs->cfg = sc;
        rs->src.id = sc->id;
        rs->src.emit = source_emit;
        rs->src.emit_ctx = e->disp;
        const wee_module_desc *m = &sc->module->desc;
        if (m->source_create(api, &rs->src, options_static_view(sc->options), &rs->instance, err, sizeof err) != 0) {
            log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' (module %s) not started: %s", e->cfg->file,
                      sc->json_path, sc->id, m->name, err[0] ? err : "create failed");
            continue;
        }
        err[0] = '\0';
        if (m->source_start(rs->instance, err, sizeof err) != 0) {
            log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' (module %s) not started: %s", e->cfg->file,
                      sc->json_path, sc->id, m->name, err[0] ? err : "start failed");
            m->source_destroy(rs->instance);
            continue;
        }
        rs->started = 1;
        e->source_count++;
        log_write(WEE_LOG_INFO, "engine", "source '%s' (%s) started", sc->id, m->name);
    }
}

void engine_emit_lifecycle(engine *e, const char *type, const char *reason)
{
    wee_event *ev = event_new(type);
    if (!ev) return;
    host_api_stamp(ev, "engine");
    if (reason) event_set_string(ev, "reason", reason);
    dispatcher_submit(e->disp, ev);
}

engine *engine_start(config *cfg, const module_registry *reg)
{
    (void)reg;
    engine *e = calloc(1, sizeof *e);
    if (!e) { config_free(cfg); return NULL; }
    e->cfg = cfg;
    host_api_set_net_policy(cfg->engine.http_enabled, cfg->engine.http_allow, cfg->engine.http_allow_count);
    rule_set *rs = cfg->rules ? rule_set_ref(cfg->rules) : NULL;
    e->disp = dispatcher_new(cfg->engine.workers, cfg->engine.queue_capacity, cfg->engine.overflow, rs);
    if (!e->disp) {
        if (rs) rule_set_unref(rs);
        config_free(cfg);
        free(e);
        return NULL;
    }
    start_sources(e);
    engine_emit_lifecycle(e, "engine.started", "startup");
    log_write(WEE_LOG_INFO, "engine", "running %zu source(s), %zu rule(s), %u worker(s), queue %zu (%s)",
              e->source_count, cfg->rules ? rule_set_count(cfg->rules) : (size_t)0,
              cfg->engine.workers ? cfg->engine.workers : plat_cpu_count(), cfg->engine.queue_capacity,
              cfg->engine.overflow == OVERFLOW_BLOCK ? "block" :
              cfg->engine.overflow == OVERFLOW_DROP_OLDEST ? "drop_oldest" : "drop_newest");
    return e;
}

dispatcher *engine_dispatcher(engine *e) { return e->disp; }
size_t engine_running_sources(const engine *e) { return e->source_count; }

void engine_stop(engine *e)
{
    if (!e) return;
    engine_emit_lifecycle(e, "engine.stopping", "shutdown");
    for (size_t i = 0; i < e->source_count; i++)
        e->sources[i].cfg->module->desc.source_stop(e->sources[i].instance);
    dispatcher_drain_and_stop(e->disp);
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    log_write(WEE_LOG_INFO, "engine", "stopped: received %llu, processed %llu, dropped %llu, rules matched %llu, "
              "actions ok %llu, failed %llu", (unsigned long long)st.received, (unsigned long long)st.processed,
              (unsigned long long)st.dropped, (unsigned long long)st.rules_matched,
              (unsigned long long)st.actions_ok, (unsigned long long)st.actions_failed);
    for (size_t i = 0; i < e->source_count; i++)
        e->sources[i].cfg->module->desc.source_destroy(e->sources[i].instance);
    dispatcher_free(e->disp);
    free(e->sources);
    config_free(e->cfg);
    free(e);
}
