#include "engine.h"
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "event.h"
#include "log.h"
#include "util/rotating_file.h"
#include "util/strbuf.h"
#include "wee/errors.h"

static void start_sources(engine *e)
{
    e->sources = calloc(e->cfg->source_count ? e->cfg->source_count : 1, sizeof *e->sources);
    if (!e->sources) return;
    for (size_t i = 0; i < e->cfg->source_count; i++) {
        running_source *rs = engine_source_start(e, e->cfg->file, &e->cfg->sources[i]);
        if (rs) e->sources[e->source_count++] = rs;
    }
}

engine *engine_start(config *cfg, const module_registry *reg)
{
    engine *e = calloc(1, sizeof *e);
    if (!e) { config_free(cfg); return NULL; }
    e->cfg = cfg;
    e->reg = reg;
    e->started_ns = plat_monotonic_ns();
    plat_mutex_init(&e->reload_lock);
    plat_mutex_init(&e->lock);
    char err[256];
    engine_apply_settings(e, NULL, &cfg->engine, err, sizeof err);
    rule_set *rs = cfg->rules ? rule_set_ref(cfg->rules) : NULL;
    e->disp = dispatcher_new(cfg->engine.workers, cfg->engine.queue_capacity, cfg->engine.overflow, rs);
    if (!e->disp) {
        if (rs) rule_set_unref(rs);
        config_free(cfg);
        plat_mutex_destroy(&e->reload_lock);
        plat_mutex_destroy(&e->lock);
        free(e);
        return NULL;
    }
    config_activate_modules(cfg);
    start_sources(e);
    engine_emit_lifecycle(e, "engine.started", "startup");
    log_write(WEE_LOG_INFO, "engine", "running %zu source(s), %zu rule(s), %u worker(s), queue %zu (%s)",
              e->source_count, cfg->rules ? rule_set_count(cfg->rules) : (size_t)0,
              cfg->engine.workers ? cfg->engine.workers : plat_cpu_count(), cfg->engine.queue_capacity,
              cfg->engine.overflow == OVERFLOW_BLOCK ? "block" :
              cfg->engine.overflow == OVERFLOW_DROP_OLDEST ? "drop_oldest" : "drop_newest");
    if (reg) engine_watch_start(e);
    return e;
}


int engine_inject(engine *e, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    host_api_stamp(ev, "control");
    return dispatcher_submit(e->disp, ev);
}

unsigned engine_stop(engine *e)
{
    if (!e) return 0;
    engine_watch_stop(e);  /* no reload from the watch may start once stopping has */
    plat_mutex_lock(&e->reload_lock);
    engine_emit_lifecycle(e, "engine.stopping", "shutdown");
    for (size_t i = 0; i < e->source_count; i++) e->sources[i]->module->desc.source_stop(e->sources[i]->instance);
    unsigned stuck = dispatcher_stop_within(e->disp, e->cfg->engine.stop_grace_ms);
    if (stuck) {
        plat_mutex_unlock(&e->reload_lock);
        return stuck; /* e, its config and the dispatcher stay: the stuck workers use them */
    }
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    log_write(WEE_LOG_INFO, "engine", "stopped: received %llu, processed %llu, dropped %llu, rules matched %llu, "
              "actions ok %llu, failed %llu", (unsigned long long)st.received, (unsigned long long)st.processed,
              (unsigned long long)st.dropped, (unsigned long long)st.rules_matched,
              (unsigned long long)st.actions_ok, (unsigned long long)st.actions_failed);
    for (size_t i = 0; i < e->source_count; i++) engine_source_free(e->sources[i]);
    dispatcher_free(e->disp);
    free(e->sources);
    config_free(e->cfg);
    plat_mutex_unlock(&e->reload_lock);
    plat_mutex_destroy(&e->reload_lock);
    plat_mutex_destroy(&e->lock);
    free(e);
    return 0;
}
