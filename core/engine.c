#include "engine.h"
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "event.h"
#include "log.h"
#include "net_policy.h"
#include "util/rotating_file.h"
#include "util/strbuf.h"
#include "wee/errors.h"

static int source_emit(struct wee_source *src, wee_event *ev)
{
    return dispatcher_submit((dispatcher *)src->emit_ctx, ev);
}

running_source *engine_source_start(engine *e, const char *file, source_config *sc)
{
    const wee_module_desc *m = &sc->module->desc;
    running_source *rs = calloc(1, sizeof *rs);
    char *id = str_dup(sc->id), *fp = str_dup(sc->options_fingerprint ? sc->options_fingerprint : "");
    if (!rs || !id || !fp) {
        free(rs); free(id); free(fp);
        log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' not started: out of memory", file, sc->json_path, sc->id);
        atomic_fetch_add(&e->source_failures, 1);
        return NULL;
    }
    rs->id = id;
    rs->fingerprint = fp;
    rs->module = sc->module;
    rs->options = sc->options;
    sc->options = NULL;
    rs->src.id = rs->id;
    rs->src.emit = source_emit;
    rs->src.emit_ctx = e->disp;
    char err[512] = "";
    const char *stage = "create";
    int rc = m->source_create(host_api_get(), &rs->src, options_static_view(rs->options), &rs->instance, err, sizeof err);
    if (rc == 0) {
        stage = "start";
        rc = m->source_start(rs->instance, err, sizeof err);
        if (rc != 0) m->source_destroy(rs->instance);
    }
    if (rc != 0) {
        log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' (module %s) not started: %s", file, sc->json_path,
                  sc->id, m->name, err[0] ? err : stage[0] == 'c' ? "create failed" : "start failed");
        atomic_fetch_add(&e->source_failures, 1);
        options_tree_free(rs->options);
        free(rs->id); free(rs->fingerprint); free(rs);
        return NULL;
    }
    log_write(WEE_LOG_INFO, "engine", "source '%s' (%s) started", rs->id, m->name);
    return rs;
}

/* Destroys an already stopped source and frees it. */
static void source_free(running_source *rs)
{
    rs->module->desc.source_destroy(rs->instance);
    options_tree_free(rs->options);
    free(rs->id);
    free(rs->fingerprint);
    free(rs);
}

void engine_source_stop(running_source *rs)
{
    rs->module->desc.source_stop(rs->instance);
    source_free(rs);
}

static void start_sources(engine *e)
{
    e->sources = calloc(e->cfg->source_count ? e->cfg->source_count : 1, sizeof *e->sources);
    if (!e->sources) return;
    for (size_t i = 0; i < e->cfg->source_count; i++) {
        running_source *rs = engine_source_start(e, e->cfg->file, &e->cfg->sources[i]);
        if (rs) e->sources[e->source_count++] = rs;
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

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int engine_apply_settings(engine *e, const engine_config *old, const engine_config *neu, char *err, size_t size)
{
    (void)e;
    log_set_rotation(neu->log_max_bytes, neu->log_keep); /* applies to the open file at once */
    if (old && (old->log_level != neu->log_level || old->log_json != neu->log_json ||
                (old->log_file == NULL) != (neu->log_file == NULL) ||
                (old->log_file && strcmp(old->log_file, neu->log_file) != 0))) {
        int rc = log_configure(neu->log_level, neu->log_file, neu->log_json);
        if (rc != 0) {
            char why[512];
            if (rotating_file_check(neu->log_file, why, sizeof why) == 0) snprintf(why, sizeof why, "%s", wee_strerror(rc));
            snprintf(err, size, "engine.log.file: cannot open \"%s\" for appending: %s", neu->log_file, why);
            return -1;
        }
    }
    net_policy_set(neu->http_enabled, neu->http_allow, neu->http_allow_count);
    if (old && (!same_text(old->control_path, neu->control_path) || old->control_enabled != neu->control_enabled ||
                !same_text(old->metrics_listen, neu->metrics_listen) || !same_text(old->console_listen, neu->console_listen)))
        log_write(WEE_LOG_WARN, "engine", "engine.control / engine.metrics / engine.console changed: these apply at "
                  "the next start; the running host keeps its control channel, metrics endpoint and console as they are");
    if (old && (old->workers != neu->workers || old->queue_capacity != neu->queue_capacity ||
                old->overflow != neu->overflow))
        log_write(WEE_LOG_WARN, "engine", "engine.workers / queue_capacity / overflow changed: these apply at the "
                  "next start; the running engine keeps %u worker(s) and a queue of %zu", old->workers,
                  old->queue_capacity);
    return 0;
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
    if (reg) e->watch = config_watch_start(e);
    return e;
}

dispatcher *engine_dispatcher(engine *e) { return e->disp; }
size_t engine_running_sources(const engine *e) { return e->source_count; }

int engine_inject(engine *e, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    host_api_stamp(ev, "control");
    return dispatcher_submit(e->disp, ev);
}

unsigned engine_stop(engine *e)
{
    if (!e) return 0;
    config_watch_stop(e->watch);  /* no reload may start once stopping has */
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
    for (size_t i = 0; i < e->source_count; i++) source_free(e->sources[i]);
    dispatcher_free(e->disp);
    free(e->sources);
    config_free(e->cfg);
    plat_mutex_unlock(&e->reload_lock);
    plat_mutex_destroy(&e->reload_lock);
    plat_mutex_destroy(&e->lock);
    free(e);
    return 0;
}
