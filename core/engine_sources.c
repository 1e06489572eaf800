/*
 * core/engine_sources.c - starting and stopping the engine's running sources, and the engine's own
 * lifecycle events (engine.started, engine.config_reloaded, ...), which enter the same queue as the
 * sources' events. Used by engine.c (start, stop) and engine_reload.c (swap).
 */
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"
#include "event.h"
#include "log.h"
#include "util/strbuf.h"

static int source_emit(struct wee_source *src, wee_event *ev)
{
    return dispatcher_submit((dispatcher *)src->emit_ctx, ev);
}

/* Records why sc is not running (NULL: it is), for the console's Sources page. */
static void set_start_error(engine *e, source_config *sc, const char *why)
{
    char *copy = str_dup(why);
    plat_mutex_lock(&e->lock);
    free(sc->start_error);
    sc->start_error = copy;
    plat_mutex_unlock(&e->lock);
}

running_source *engine_source_start(engine *e, const char *file, source_config *sc)
{
    const wee_module_desc *m = &sc->module->desc;
    running_source *rs = calloc(1, sizeof *rs);
    char *id = str_dup(sc->id), *fp = str_dup(sc->options_fingerprint ? sc->options_fingerprint : "");
    if (!rs || !id || !fp || !sc->options) {
        free(rs); free(id); free(fp);
        const char *why = sc->options ? "out of memory" : "its options are gone (out of memory earlier); reload the config";
        log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' not started: %s", file, sc->json_path, sc->id, why);
        set_start_error(e, sc, why);
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
        const char *why = err[0] ? err : stage[0] == 'c' ? "create failed" : "start failed";
        log_write(WEE_LOG_ERROR, "engine", "%s: %s: source '%s' (module %s) not started: %s", file, sc->json_path,
                  sc->id, m->name, why);
        set_start_error(e, sc, why);
        atomic_fetch_add(&e->source_failures, 1);
        sc->options = rs->options; /* kept with its config: a restart can try again (engine_source_restart) */
        free(rs->id); free(rs->fingerprint); free(rs);
        return NULL;
    }
    loader_module_hold(rs->module);
    set_start_error(e, sc, NULL);
    log_write(WEE_LOG_INFO, "engine", "source '%s' (%s) started", rs->id, m->name);
    return rs;
}

void engine_source_free(running_source *rs)
{
    rs->module->desc.source_destroy(rs->instance);
    loader_module_release(rs->module);
    options_tree_free(rs->options);
    free(rs->id);
    free(rs->fingerprint);
    free(rs);
}

void engine_source_stop(running_source *rs)
{
    rs->module->desc.source_stop(rs->instance);
    engine_source_free(rs);
}

void engine_emit_lifecycle(engine *e, const char *type, const char *reason)
{
    wee_event *ev = event_new(type);
    if (!ev) return;
    host_api_stamp(ev, "engine");
    if (reason) event_set_string(ev, "reason", reason);
    dispatcher_submit(e->disp, ev);
}
