/*
 * core/config_rules.c - the "rules" array: name, event pattern, source filter, conditions, timing knobs.
 * The "do" array of each rule is compiled by config_actions.c.
 */
#include "config_internal.h"
#include "config_keys.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "rule_memory.h"
#include "rule_state.h"

/* One array per level: a new key is one more line here (plus its reader below). */
static const char *const rule_keys[] = { "name", "enabled", "when", "do", "throttle_ms", "debounce_ms",
                                         "concurrency", "allow_engine_events", "description", "threshold",
                                         "sequence", "absence", "batch_ms", "batch_max", NULL };
/* Exported for the schema generator (config_keys.h). */
const char *const *const config_rule_keys = rule_keys;

static void load_when(config_ctx *x, rule *r, const cJSON *obj, const char *path)
{
    char wpath[CONFIG_PATH_SIZE];
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(obj, "when");
    if (!when) {
        config_missing(path, "when", "say which events the rule reacts to: \"when\": {\"event\": \"custom.ping\"}",
                       x->d);
        return;
    }
    rule_step t = { NULL, 0, NULL, NULL };
    config_load_trigger(x, &t, when, diag_path_key(wpath, sizeof wpath, path, "when"));
    r->event_pattern = t.event_pattern;
    r->event_is_glob = t.event_is_glob;
    r->source = t.source;
    r->when = t.when;
}

static void load_rule(config_ctx *x, rule *r, const cJSON *obj, const char *path)
{
    int64_t v;
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(obj, "description");
    char sub[CONFIG_PATH_SIZE], seen[128];
    config_check_keys(obj, path, rule_keys, x->d);
    if (desc && !cJSON_IsString(desc)) {
        diag_describe_json(desc, seen, sizeof seen);
        diag_add(x->d, diag_path_key(sub, sizeof sub, path, "description"), "expected string, got %s", seen);
    }
    config_get_bool(obj, "enabled", path, &r->enabled, x->d);
    if (config_load_memory(x, r, obj, path)) {
        /* Sequence and absence rules react through their own steps: the rule sees every event. */
        r->event_pattern = config_strdup(x, path, "*");
        r->event_is_glob = 1;
    } else {
        load_when(x, r, obj, path);
    }

    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(obj, "do");
    if (actions)
        config_load_actions(x, r, actions, diag_path_key(sub, sizeof sub, path, "do"));
    else
        config_missing(path, "do", "list the actions to run: \"do\": [{\"action\": \"log\", \"message\": \"{{path}}\"}]",
                       x->d);

    /* Bounded: the dispatcher turns them into nanosecond deadlines (WEE_DURATION_MS_MAX). */
    config_get_int(obj, "throttle_ms", path, 0, WEE_DURATION_MS_MAX, &r->throttle_ms, x->d);
    config_get_int(obj, "debounce_ms", path, 0, WEE_DURATION_MS_MAX, &r->debounce_ms, x->d);
    if (config_get_int(obj, "concurrency", path, 0, 1, &v, x->d) == 1) r->serial = v == 1;
    config_get_bool(obj, "allow_engine_events", path, &r->allow_engine_events, x->d);
    config_load_batch(x, r, obj, path);
    char *printed = cJSON_PrintUnformatted(obj);
    if (!printed) diag_add(x->d, path, "out of memory loading the config");
    else r->fingerprint = config_strdup(x, path, printed);
    cJSON_free(printed);
}

/* Returns the name if valid and not taken by an earlier rule. */
static const char *check_name(config_ctx *x, const cJSON *obj, const char *path, const char **names,
                              size_t *name_index, size_t *name_count, size_t index)
{
    const char *name = NULL;
    int rc = config_get_string(obj, "name", path, &name, x->d);
    if (rc == 0) config_missing(path, "name", "give the rule a unique \"name\" (it appears in logs)", x->d);
    if (rc != 1) return NULL;
    for (size_t i = 0; i < *name_count; i++) {
        if (strcmp(names[i], name) == 0) {
            char sub[CONFIG_PATH_SIZE];
            diag_add(x->d, diag_path_key(sub, sizeof sub, path, "name"), "duplicate name \"%s\" (also rules[%zu])", name,
                     name_index[i]);
            return NULL;
        }
    }
    names[*name_count] = name;
    name_index[(*name_count)++] = index;
    return name;
}

void config_load_rules(config_ctx *x, const cJSON *rules, const char *path)
{
    char seen[128], item[CONFIG_PATH_SIZE];
    if (!rules) return;
    if (!cJSON_IsArray(rules)) {
        diag_describe_json(rules, seen, sizeof seen);
        diag_add(x->d, path, "expected array of rule objects, got %s", seen);
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(rules), name_count = 0, i = 0;
    const char **names = config_calloc(x, path, n, sizeof *names);
    size_t *name_index = config_calloc(x, path, n, sizeof *name_index);
    x->rules = config_calloc(x, path, n, sizeof *x->rules);
    if (!names || !name_index || !x->rules) { free((void *)names); free(name_index); return; }
    for (const cJSON *obj = rules->child; obj; obj = obj->next, i++) {
        diag_path_index(item, sizeof item, path, i);
        if (!cJSON_IsObject(obj)) {
            diag_describe_json(obj, seen, sizeof seen);
            diag_add(x->d, item, "expected object with \"name\", \"when\" and \"do\", got %s", seen);
            continue;
        }
        /* Every rule gets a slot (even a broken one) so one cleanup path frees whatever was built. */
        rule *r = &x->rules[x->rule_count++];
        const char *name = check_name(x, obj, item, names, name_index, &name_count, i);
        r->name = config_strdup(x, item, name ? name : "");
        r->json_path = config_strdup(x, item, item);
        if (!r->name || !r->json_path) break;
        r->index = x->rule_count - 1;
        r->enabled = 1;
        load_rule(x, r, obj, item);
        r->state = rule_state_new();
        if (r->state && r->memory.kind != MEMORY_NONE && !(r->state->memory = rule_memory_new(&r->memory, plat_monotonic_ns())))
            diag_add(x->d, item, "out of memory creating the rule's memory");
        if (!r->state) diag_add(x->d, item, "out of memory creating the rule's runtime state");
    }
    free(names);
    free(name_index);
}
