/* engine_inspect.c - the running engine's rules, sources and modules for the web console, and the
 * restart of one source; see engine_control.h. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "log.h"
#include "options.h"
#include "util/path_name.h"
#include "wee/errors.h"

rule_set *engine_rules(engine *e)
{
    plat_mutex_lock(&e->lock);
    rule_set *rs = e->cfg->rules ? rule_set_ref(e->cfg->rules) : NULL;
    plat_mutex_unlock(&e->lock);
    return rs;
}

uint64_t engine_processed_count(engine *e)
{
    dispatcher_stats st;
    dispatcher_get_stats(e->disp, &st);
    return st.processed;
}

static void put_json(cJSON *o, strbuf *out)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    strbuf_puts(out, text ? text : "null");
    free(text);
    cJSON_Delete(o);
}

void engine_sources_json(engine *e, strbuf *out)
{
    cJSON *arr = cJSON_CreateArray();
    plat_mutex_lock(&e->lock);
    for (size_t i = 0; arr && i < e->cfg->source_count; i++) {
        const source_config *sc = &e->cfg->sources[i];
        const running_source *rs = NULL;
        for (size_t k = 0; !rs && k < e->source_count; k++)
            if (strcmp(e->sources[k]->id, sc->id) == 0) rs = e->sources[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", sc->id);
        cJSON_AddStringToObject(o, "module", sc->module->desc.name ? sc->module->desc.name : sc->module->name);
        cJSON_AddStringToObject(o, "path", sc->json_path);
        cJSON_AddStringToObject(o, "state", rs ? "running" : "not running");
        if (!rs) cJSON_AddStringToObject(o, "reason", sc->start_error ? sc->start_error : "not started (yet)");
        cJSON_AddNumberToObject(o, "emitted", rs ? (double)atomic_load(&rs->src.emitted) : 0);
        cJSON_AddNumberToObject(o, "lost", rs ? (double)atomic_load(&rs->src.lost) : 0);
        cJSON_AddItemToArray(arr, o);
    }
    plat_mutex_unlock(&e->lock);
    put_json(arr, out);
}

/* Makes room for one more running source, so that putting one back cannot fail. 0, or WEE_ENOMEM. */
static int reserve_running(engine *e)
{
    plat_mutex_lock(&e->lock);
    running_source **grown = realloc(e->sources, (e->source_count + 1) * sizeof *grown);
    if (grown) e->sources = grown;
    plat_mutex_unlock(&e->lock);
    return grown ? 0 : WEE_ENOMEM;
}

/* Takes the running source id out of the running list (readers see only running sources); NULL if
 * it is not running. */
static running_source *take_running(engine *e, const char *id)
{
    running_source *rs = NULL;
    plat_mutex_lock(&e->lock);
    for (size_t k = 0; !rs && k < e->source_count; k++) {
        if (strcmp(e->sources[k]->id, id) != 0) continue;
        rs = e->sources[k];
        memmove(&e->sources[k], &e->sources[k + 1], (e->source_count - k - 1) * sizeof *e->sources);
        e->source_count--;
    }
    plat_mutex_unlock(&e->lock);
    return rs;
}

/* Where sc's config entry is among the running sources' entries. */
static size_t config_position(const engine *e, const source_config *sc)
{
    size_t before = 0;
    for (size_t k = 0; k < e->source_count; k++)
        for (const source_config *c = e->cfg->sources; c < sc; c++)
            if (strcmp(c->id, e->sources[k]->id) == 0) { before++; break; }
    return before;
}

/* Puts rs back in the running list where its config entry is (room reserved: cannot fail). */
static void add_running(engine *e, const source_config *sc, running_source *rs)
{
    plat_mutex_lock(&e->lock);
    size_t at = config_position(e, sc);
    memmove(&e->sources[at + 1], &e->sources[at], (e->source_count - at) * sizeof *e->sources);
    e->sources[at] = rs;
    e->source_count++;
    plat_mutex_unlock(&e->lock);
}

/* Stops the running source rs, taken out of the list, and frees it; its counters go to *emitted and
 * *lost (read after the stop: a source may still emit while it stops), and its options back to sc
 * when they are sc's (a source kept by a reload holds an equal tree; after a reload that ran out of
 * memory an old source may run under an entry with other options, which keep theirs). */
static void stop_for_restart(source_config *sc, running_source *rs, uint64_t *emitted, uint64_t *lost)
{
    rs->module->desc.source_stop(rs->instance);
    *emitted = atomic_load(&rs->src.emitted);
    *lost = atomic_load(&rs->src.lost);
    if (rs->module == sc->module && strcmp(rs->fingerprint, sc->options_fingerprint ? sc->options_fingerprint : "") == 0) {
        options_tree_free(sc->options);
        sc->options = rs->options;
        rs->options = NULL;
    }
    engine_source_free(rs);
}

int engine_source_restart(engine *e, const char *id, strbuf *report)
{
    /* Reloads replace the config and the running list: none may run while this source is down. */
    plat_mutex_lock(&e->reload_lock);
    source_config *sc = NULL;
    for (size_t i = 0; !sc && i < e->cfg->source_count; i++)
        if (strcmp(e->cfg->sources[i].id, id) == 0) sc = &e->cfg->sources[i];
    if (!sc || reserve_running(e) != 0) {
        if (sc) strbuf_printf(report, "source '%s' was left as it was: out of memory", id);
        else strbuf_printf(report, "no source '%s' in %s", id, e->cfg->file);
        plat_mutex_unlock(&e->reload_lock);
        return sc ? WEE_ENOMEM : WEE_ENOTFOUND;
    }
    running_source *rs = take_running(e, id);
    int was_running = rs != NULL;
    uint64_t emitted = 0, lost = 0; /* the same source: its counters go on (metrics are counters) */
    if (rs) stop_for_restart(sc, rs, &emitted, &lost);
    /* Started from its config entry, as a source whose start had failed is. */
    const char *module = sc->module->desc.name ? sc->module->desc.name : sc->module->name;
    rs = engine_source_start(e, e->cfg->file, sc);
    if (rs) {
        atomic_fetch_add(&rs->src.emitted, emitted);
        atomic_fetch_add(&rs->src.lost, lost);
        add_running(e, sc, rs);
        strbuf_printf(report, "source '%s' (%s) %s", id, module, was_running ? "restarted" : "started");
        log_write(WEE_LOG_INFO, "engine", "source '%s' (%s) %s from the web console", id, module,
                  was_running ? "restarted" : "started");
    } else {
        plat_mutex_lock(&e->lock);
        strbuf_printf(report, "source '%s' (%s) %s: %s; it stays stopped until it is restarted or the config is reloaded",
                      id, module, was_running ? "stopped but did not start again" : "did not start",
                      sc->start_error ? sc->start_error : "see the log");
        plat_mutex_unlock(&e->lock);
    }
    plat_mutex_unlock(&e->reload_lock);
    return rs ? 0 : WEE_EFAILED;
}

static cJSON *options_json_table(const wee_option_spec *spec)
{
    cJSON *arr = cJSON_CreateArray();
    for (const wee_option_spec *s = options_spec_next(spec, NULL); arr && s; s = options_spec_next(spec, s)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "type", options_type_name(s->type));
        if (s->default_value) cJSON_AddStringToObject(o, "default", s->default_value);
        cJSON_AddBoolToObject(o, "required", s->required);
        cJSON_AddStringToObject(o, "description", s->description ? s->description : "");
        int64_t lo, hi;
        if (s->type == WEE_OPT_INT && options_int_range(s, &lo, &hi)) {
            cJSON *r = cJSON_AddObjectToObject(o, "range");
            if (lo != INT64_MIN) cJSON_AddNumberToObject(r, "min", (double)lo);
            if (hi != INT64_MAX) cJSON_AddNumberToObject(r, "max", (double)hi);
        }
        if (s->type == WEE_OPT_STRING && s->choices) cJSON_AddStringToObject(o, "choices", s->choices);
        if (s->type == WEE_OPT_OBJECT_LIST && options_spec_fields(s))
            cJSON_AddItemToObject(o, "fields", options_json_table(options_spec_fields(s)));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *module_json(const loaded_module *m, int full)
{
    cJSON *o = cJSON_CreateObject();
    int loaded = m->lib && !m->unloaded;
    cJSON_AddStringToObject(o, "name", m->name ? m->name : "?");
    cJSON_AddStringToObject(o, "kind", loader_kind_name(m->desc.kind));
    cJSON_AddStringToObject(o, "path", m->path ? m->path : "");
    cJSON_AddBoolToObject(o, "loaded", loaded);
    if (!loaded) return o; /* its descriptor's strings went with its library */
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", WEE_ABI_MAJOR_OF(m->desc.abi_version), WEE_ABI_MINOR_OF(m->desc.abi_version));
    cJSON_AddStringToObject(o, "version", m->desc.version ? m->desc.version : "?");
    cJSON_AddStringToObject(o, "abi", abi);
    cJSON_AddStringToObject(o, "description", m->desc.description ? m->desc.description : "");
    if (!full) return o;
    cJSON *types = cJSON_AddArrayToObject(o, "events");
    for (const char *const *t = (m->desc.kind & WEE_MODULE_SOURCE) ? m->desc.event_types : NULL; t && *t; t++)
        cJSON_AddItemToArray(types, cJSON_CreateString(*t));
    if (m->desc.kind == WEE_MODULE_SOURCE_ACTION) {
        cJSON_AddItemToObject(o, "options", options_json_table(m->desc.options));
        cJSON_AddItemToObject(o, "action_options", options_json_table(m->desc.action_options));
    } else {
        cJSON_AddItemToObject(o, "options", options_json_table(m->desc.options));
    }
    if (m->desc.config_options) cJSON_AddItemToObject(o, "module_options", options_json_table(m->desc.config_options));
    return o;
}

int engine_modules_json(engine *e, const char *describe, strbuf *out)
{
    /* The registry is used by reloads (under reload_lock) and by nothing else once the host runs. */
    plat_mutex_lock(&e->reload_lock);
    int rc = 0;
    if (describe) {
        /* Only a module that is there: loader_find would open every module file to look for an unknown name. */
        const loaded_module *m = loader_has_module(e->reg, describe) ? loader_find(e->reg, describe) : NULL;
        if (m) put_json(module_json(m, 1), out);
        else rc = WEE_ENOTFOUND;
        /* A module opened only to be described is closed again (it may pull in a large library); e->cfg
         * changes only under reload_lock, held here, so readers are not kept waiting on e->lock. */
        config_unload_unused_modules(e->cfg, (module_registry *)e->reg);
    } else {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < e->reg->count; i++) cJSON_AddItemToArray(arr, module_json(e->reg->mods[i], 0));
        for (size_t i = 0; arr && i < e->reg->deferred_count; i++) {
            const char *path = e->reg->deferred[i];
            if (!path) continue;
            /* Not opened yet (the config never named it): its file is all that is known. */
            char name[128];
            const char *base = path_base_name(path);
            snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "."), base); /* "file" for .../file.dll */
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", name);
            cJSON_AddStringToObject(o, "path", path);
            cJSON_AddBoolToObject(o, "loaded", 0);
            cJSON_AddItemToArray(arr, o);
        }
        put_json(arr, out);
    }
    plat_mutex_unlock(&e->reload_lock);
    return rc;
}
