/*
 * core/config_actions.c - a rule's "do" array: which action module, what to do when it fails, and its
 * parameters (validated against the module's option table, strings compiled as templates). Creating the
 * instances is a separate pass that runs only on a fully valid config, so a broken file never makes a
 * module open files or connections.
 */
#include "config_internal.h"
#include "config_keys.h"
#include <stdio.h>
#include <string.h>
#include "wee/errors.h"

/* Host-owned keys of an action object; everything else belongs to the module's option table. */
static const char *const action_own_keys[] = { "action", "on_error", NULL };
static const char *const on_error_names[] = { "stop", "continue", NULL }; /* same order as on_error_policy */
/* Exported for the schema generator (config_keys.h). */
const char *const *const config_action_own_keys = action_own_keys;
const char *const *const config_on_error_names = on_error_names;

static const loaded_module *find_action(config_ctx *x, const cJSON *obj, const char *path)
{
    char sub[CONFIG_PATH_SIZE], list[512];
    const char *name = NULL;
    int rc = config_get_string(obj, "action", path, &name, x->d);
    if (rc == 0) config_missing(path, "action", "name the action module to run, e.g. \"log\" or \"exec\"", x->d);
    if (rc != 1) return NULL;
    diag_path_key(sub, sizeof sub, path, "action");
    const loaded_module *m = loader_find(x->reg, name);
    if (!m || !(m->desc.kind & WEE_MODULE_ACTION)) {
        config_list_modules(x->reg, WEE_MODULE_ACTION, list, sizeof list);
        if (m)
            diag_add(x->d, sub, "\"%s\" is a source module, not an action (loaded action modules: %s)", name, list);
        else
            diag_add(x->d, sub, "no action module named \"%s\" (loaded action modules: %s)", name, list);
        return NULL;
    }
    /* Outgoing HTTP is opt-in for the whole engine, so a copied rule cannot start calling out unnoticed. */
    if ((m->desc.flags & WEE_MODULE_FLAG_NETWORK) && !x->c->engine.http_enabled)
        diag_add(x->d, sub, "the %s action makes network requests and they are off; set \"engine\": "
                            "{\"http_enabled\": true} (and optionally \"http_allow\": [\"host\", ...]) to allow them",
                 name);
    return m;
}

void config_load_actions(config_ctx *x, rule *r, const cJSON *actions, const char *path)
{
    char item[CONFIG_PATH_SIZE], seen[128];
    if (!cJSON_IsArray(actions) || cJSON_GetArraySize(actions) == 0) {
        diag_describe_json(actions, seen, sizeof seen);
        diag_add(x->d, path, "expected a non-empty array of actions such as [{\"action\": \"log\", \"message\": "
                             "\"{{path}}\"}], got %s", seen);
        return;
    }
    r->actions = config_calloc(x, path, (size_t)cJSON_GetArraySize(actions), sizeof *r->actions);
    if (!r->actions) return;
    size_t j = 0;
    for (const cJSON *obj = actions->child; obj; obj = obj->next, j++) {
        diag_path_index(item, sizeof item, path, j);
        if (!cJSON_IsObject(obj)) {
            diag_describe_json(obj, seen, sizeof seen);
            diag_add(x->d, item, "expected object with \"action\", got %s", seen);
            continue;
        }
        rule_action *a = &r->actions[r->action_count++];
        a->json_path = config_strdup(x, item, item);
        if (!a->json_path) return;
        a->module = find_action(x, obj, item);
        int on_error = ON_ERROR_STOP;
        if (config_get_choice(obj, "on_error", item, on_error_names, &on_error, x->d) == 1)
            a->on_error = (on_error_policy)on_error;
        if (a->module)
        {
            const wee_option_spec *spec = loader_action_options(&a->module->desc);
            a->params = options_build(spec, obj, item, action_own_keys, 1, x->d);
            if (options_resolve_files(a->params, spec, x->c->file) != 0)
                diag_add(x->d, item, "out of memory loading the config");
        }
    }
}

int config_create_actions(config_ctx *x, rule_set *rs)
{
    int failed = 0;
    for (size_t i = 0; i < rule_set_count(rs); i++) {
        rule *r = rule_set_at(rs, i);
        for (size_t j = 0; j < r->action_count; j++) {
            rule_action *a = &r->actions[j];
            char err[512] = "";
            void *instance = NULL;
            int rc = a->module->desc.action_create(x->api, options_static_view(a->params), &instance, err, sizeof err);
            if (rc != 0) {
                /* A module's own words may not say it; "out of memory" must reach the reader. */
                diag_add(x->d, a->json_path, "cannot create the \"%s\" action: %s%s", a->module->desc.name,
                         err[0] ? err : wee_strerror(rc), rc == WEE_ENOMEM && err[0] ? " (out of memory)" : "");
                failed = 1;
                continue;
            }
            a->instance = instance;
            a->created = 1;
            loader_module_hold(a->module);
        }
    }
    return failed ? -1 : 0;
}
