/*
 * core/config_sources.c - the "sources" array: id, module, enabled, and the module's own options
 * validated against its option table. Disabled sources are validated too (a typo should not wait until
 * someone enables them) but are left out of config.sources.
 */
#include "config_internal.h"
#include "config_keys.h"
#include <stdlib.h>
#include <string.h>

/* Host-owned keys of a source object; everything else belongs to the module's option table. */
static const char *const source_own_keys[] = { "id", "module", "enabled", NULL };
const char *const *const config_source_own_keys = source_own_keys; /* schema generator (config_keys.h) */

/* Returns the id if valid and not taken; records it for when.source checks either way. */
static const char *check_id(config_ctx *x, const cJSON *src, const char *path, size_t index, size_t *id_index)
{
    char sub[CONFIG_PATH_SIZE];
    const char *id = NULL;
    int rc = config_get_string(src, "id", path, &id, x->d);
    if (rc == 0) config_missing(path, "id", "give the source a unique \"id\" (events carry it as \"source\")", x->d);
    if (rc != 1) return NULL;
    diag_path_key(sub, sizeof sub, path, "id");
    if (strcmp(id, "engine") == 0) {
        diag_add(x->d, sub, "\"engine\" is reserved for the engine's own events; choose another id");
        return NULL;
    }
    for (size_t i = 0; i < x->source_id_count; i++) {
        if (strcmp(x->source_ids[i], id) == 0) {
            diag_add(x->d, sub, "duplicate id \"%s\" (also sources[%zu])", id, id_index[i]);
            return NULL;
        }
    }
    id_index[x->source_id_count] = index;
    x->source_ids[x->source_id_count++] = id;
    return id;
}

static const loaded_module *check_module(config_ctx *x, const cJSON *src, const char *path)
{
    char sub[CONFIG_PATH_SIZE], list[512];
    const char *name = NULL;
    int rc = config_get_string(src, "module", path, &name, x->d);
    if (rc == 0) config_missing(path, "module", "name the source module to use, e.g. \"file\" or \"timer\"", x->d);
    if (rc != 1) return NULL;
    const loaded_module *m = loader_find(x->reg, name);
    if (m && (m->desc.kind & WEE_MODULE_SOURCE)) return m;
    config_list_modules(x->reg, WEE_MODULE_SOURCE, list, sizeof list);
    diag_path_key(sub, sizeof sub, path, "module");
    if (m)
        diag_add(x->d, sub, "\"%s\" is an action module, not a source (loaded source modules: %s)", name, list);
    else
        diag_add(x->d, sub, "no source module named \"%s\" (loaded source modules: %s)", name, list);
    return NULL;
}

static void add_source(config_ctx *x, const cJSON *src, const char *path, const char *id, const loaded_module *m,
                       options_tree *opts)
{
    source_config *s = &x->c->sources[x->c->source_count++];
    s->module = m;
    s->options = opts;
    s->id = config_strdup(x, path, id);
    s->json_path = config_strdup(x, path, path);
    /* Printed from the parsed object, so re-indenting the file is not mistaken for a change on reload. */
    char *text = cJSON_PrintUnformatted(src);
    if (!text) diag_add(x->d, path, "out of memory loading the config");
    else s->options_fingerprint = config_strdup(x, path, text);
    cJSON_free(text);
}

void config_load_sources(config_ctx *x, const cJSON *sources, const char *path)
{
    char seen[128], item[CONFIG_PATH_SIZE];
    if (!sources) return;
    if (!cJSON_IsArray(sources)) {
        diag_describe_json(sources, seen, sizeof seen);
        diag_add(x->d, path, "expected array of source objects, got %s", seen);
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(sources);
    size_t *id_index = config_calloc(x, path, n, sizeof *id_index);
    x->source_ids = config_calloc(x, path, n, sizeof *x->source_ids);
    x->c->sources = config_calloc(x, path, n, sizeof *x->c->sources);
    if (!id_index || !x->source_ids || !x->c->sources) { free(id_index); return; }
    size_t i = 0;
    for (const cJSON *src = sources->child; src; src = src->next, i++) {
        diag_path_index(item, sizeof item, path, i);
        if (!cJSON_IsObject(src)) {
            diag_describe_json(src, seen, sizeof seen);
            diag_add(x->d, item, "expected object with \"id\" and \"module\", got %s", seen);
            continue;
        }
        int enabled = 1;
        const char *id = check_id(x, src, item, i, id_index);
        const loaded_module *m = check_module(x, src, item);
        config_get_bool(src, "enabled", item, &enabled, x->d);
        if (!m) continue; /* without the module's option table the other keys cannot be judged */
        options_tree *opts = options_build(m->desc.options, src, item, source_own_keys, 0, x->d);
        if (options_resolve_files(opts, m->desc.options, x->c->file) != 0)
            diag_add(x->d, item, "out of memory loading the config");
        if (id && opts && enabled)
            add_source(x, src, item, id, m, opts);
        else if (opts)
            options_tree_free(opts);
    }
    free(id_index);
}

void config_free_sources(config *c)
{
    for (size_t i = 0; i < c->source_count; i++) {
        source_config *s = &c->sources[i];
        free(s->id);
        options_tree_free(s->options);
        free(s->options_fingerprint);
        free(s->json_path);
        free(s->start_error);
    }
    free(c->sources);
    c->sources = NULL;
    c->source_count = 0;
}
