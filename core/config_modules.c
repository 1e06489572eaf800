/*
 * core/config_modules.c - the "modules" section: module-wide settings (ABI 1.2), one object per module
 * name, validated against that module's config_options table. After the rest of the file is valid,
 * every module the config uses or configures gets its settings through module_configure, before any
 * of the config's actions are created (they may refer to what was configured, e.g. a shared
 * connection by id). The core knows nothing of what the settings mean.
 */
#include "config_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wee/errors.h"

static const cJSON *section_of(const cJSON *modules, const char *name)
{
    return modules ? cJSON_GetObjectItemCaseSensitive(modules, name) : NULL;
}

void config_check_modules(config_ctx *x, const cJSON *modules, const char *path)
{
    char seen[128], sub[CONFIG_PATH_SIZE];
    if (!modules) return;
    if (!cJSON_IsObject(modules)) {
        diag_describe_json(modules, seen, sizeof seen);
        diag_add(x->d, path, "expected an object of module-wide settings such as {\"name\": {...}}, got %s", seen);
        return;
    }
    for (const cJSON *c = modules->child; c; c = c->next) {
        diag_path_key(sub, sizeof sub, path, c->string);
        const loaded_module *m = loader_find(x->reg, c->string);
        if (!m) {
            diag_add(x->d, sub, "no module named \"%s\" (host modules lists them)", c->string);
            continue;
        }
        if (!m->desc.config_options) {
            diag_add(x->d, sub, "module \"%s\" takes no module-wide settings; remove this entry", c->string);
            continue;
        }
        options_tree *t = options_build(m->desc.config_options, c, sub, NULL, 0, x->d);
        options_tree_free(t);
    }
}

typedef struct tried_list { const loaded_module **mods; size_t count; } tried_list;

/* Each module is configured once per load, whether it accepted or not (one error, not one per use). */
static int already(tried_list *t, const loaded_module *m)
{
    for (size_t i = 0; i < t->count; i++) if (t->mods[i] == m) return 1;
    t->mods[t->count++] = m;
    return 0;
}

static void configure_one(config_ctx *x, tried_list *tried, const loaded_module *m, const cJSON *modules,
                          const char *path)
{
    /* Without a host table (unit tests of the parser alone) there is nothing to hand settings over with. */
    if (!m->desc.module_configure || !x->api || already(tried, m)) return;
    char sub[CONFIG_PATH_SIZE], err[512] = "";
    diag_path_key(sub, sizeof sub, path, m->name);
    const cJSON *section = section_of(modules, m->name);
    /* Absent: the table's defaults, so the module always hears what the running config says. */
    options_tree *t = options_build(m->desc.config_options, section, sub, NULL, 0, x->d);
    if (!t && m->desc.config_options) return; /* reported */
    int rc = m->desc.module_configure(x->api, options_static_view(t), err, sizeof err);
    options_tree_free(t);
    if (rc != 0) {
        diag_add(x->d, section ? sub : path, "module \"%s\" refused its settings: %s", m->name,
                 err[0] ? err : wee_strerror(rc));
        return;
    }
    x->c->configured[x->c->configured_count++] = m;
}

int config_configure_modules(config_ctx *x, const cJSON *modules, const char *path)
{
    size_t before = x->d->count;
    size_t cap = (modules ? (size_t)cJSON_GetArraySize(modules) : 0) + x->c->source_count;
    for (size_t i = 0; x->c->rules && i < rule_set_count(x->c->rules); i++)
        cap += rule_set_at(x->c->rules, i)->action_count;
    x->c->configured = config_calloc(x, path, cap ? cap : 1, sizeof *x->c->configured);
    tried_list t = { config_calloc(x, path, cap ? cap : 1, sizeof *t.mods), 0 };
    if (!x->c->configured || !t.mods) { free((void *)t.mods); return -1; }
    for (const cJSON *c = modules ? modules->child : NULL; c; c = c->next) {
        const loaded_module *m = loader_find(x->reg, c->string);
        if (m) configure_one(x, &t, m, modules, path);
    }
    for (size_t i = 0; i < x->c->source_count; i++) configure_one(x, &t, x->c->sources[i].module, modules, path);
    for (size_t i = 0; x->c->rules && i < rule_set_count(x->c->rules); i++) {
        const rule *r = rule_set_at(x->c->rules, i);
        for (size_t j = 0; j < r->action_count; j++) configure_one(x, &t, r->actions[j].module, modules, path);
    }
    free((void *)t.mods);
    /* A source's instance was made with its module's settings: when they change, a reload must
     * restart it like a source whose own options changed. */
    for (size_t i = 0; i < x->c->source_count; i++) {
        source_config *s = &x->c->sources[i];
        const cJSON *section = section_of(modules, s->module->name);
        char *text = section ? cJSON_PrintUnformatted(section) : NULL;
        if (!section) continue;
        if (!text) { diag_add(x->d, s->json_path, "out of memory loading the config"); return -1; }
        size_t n = strlen(s->options_fingerprint) + strlen(text) + 16;
        char *fp = config_calloc(x, s->json_path, n, 1);
        if (!fp) { cJSON_free(text); return -1; }
        snprintf(fp, n, "%s|modules:%s", s->options_fingerprint, text);
        cJSON_free(text);
        free(s->options_fingerprint);
        s->options_fingerprint = fp;
    }
    return x->d->count == before ? 0 : -1;
}

void config_activate_modules(const config *c)
{
    for (size_t i = 0; c && i < c->configured_count; i++)
        if (c->configured[i]->desc.module_activate) c->configured[i]->desc.module_activate();
}
