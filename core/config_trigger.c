/*
 * core/config_trigger.c - one trigger object ("when" of a rule, a step of a sequence or absence): event
 * pattern, source filter and conditions. Used by config_rules.c and config_memory.c, which then need
 * not call each other's loaders.
 */
#include "config_internal.h"
#include "config_keys.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const when_keys[] = { "event", "source", "match", "all", "any", "not", NULL };
/* The condition parts of "when"; all present parts must hold. */
static const char *const cond_parts[] = { "match", "all", "any", "not", NULL };
#define COND_PART_COUNT 4
/* Exported for the schema generator (config_keys.h). */
const char *const *const config_when_keys = when_keys;
const char *const *const config_cond_parts = cond_parts;

/* Compiles one part of "when" where cond.c sees it at its real place in the file: "match" directly, a
 * composite inside a throwaway object that holds only that key (by reference, nothing is copied), compiled
 * at the path of "when" itself so cond.c's own child paths read "rules[0].when.any[1]...". */
static cond *compile_part(const char *key, const cJSON *value, const char *when_path, diag_list *d)
{
    char sub[CONFIG_PATH_SIZE];
    if (strcmp(key, "match") == 0) return cond_compile_match(value, diag_path_key(sub, sizeof sub, when_path, key), d);
    cJSON *only = cJSON_CreateObject();
    if (!only || !cJSON_AddItemReferenceToObject(only, key, (cJSON *)value)) {
        cJSON_Delete(only);
        diag_add(d, when_path, "out of memory compiling the conditions");
        return NULL;
    }
    cond *c = cond_compile(only, when_path, d);
    cJSON_Delete(only);
    return c;
}

/* cond.h combines conditions only from JSON, so when several parts are present and each compiled cleanly
 * on its own (errors were reported with exact paths above), they are compiled once more wrapped as
 * {"all": [{"match": ..}, {"any": ..}, ...]}. That pass cannot find anything new; its diag list is
 * private so the wrapper's artificial paths can never reach the user. */
static cond *combine_parts(const char *const *keys, const cJSON *const *values, size_t n, const char *when_path,
                           diag_list *d)
{
    cJSON *wrapper = cJSON_CreateObject();
    cJSON *list = wrapper ? cJSON_AddArrayToObject(wrapper, "all") : NULL;
    int ok = list != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *part = cJSON_CreateObject();
        ok = part && cJSON_AddItemToArray(list, part) && cJSON_AddItemReferenceToObject(part, keys[i], (cJSON *)values[i]);
    }
    diag_list hidden = DIAG_INIT;
    cond *c = ok ? cond_compile(wrapper, when_path, &hidden) : NULL;
    cJSON_Delete(wrapper);
    if (!c) diag_add(d, when_path, "the conditions compile one by one but not together (%s)",
                     hidden.count ? hidden.items[0].message : "out of memory");
    diag_free(&hidden);
    return c;
}

static cond *compile_conditions(const cJSON *when, const char *when_path, diag_list *d)
{
    const char *keys[COND_PART_COUNT];
    const cJSON *values[COND_PART_COUNT];
    size_t n = 0;
    int failed = 0;
    cond *single = NULL;
    for (size_t i = 0; cond_parts[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(when, cond_parts[i]);
        if (!v) continue;
        cond *c = compile_part(cond_parts[i], v, when_path, d);
        if (!c) { failed = 1; continue; }
        keys[n] = cond_parts[i];
        values[n++] = v;
        if (single) cond_free(single);
        single = c;
    }
    if (failed || n != 1) {
        if (single) cond_free(single);
        return (failed || n == 0) ? NULL : combine_parts(keys, values, n, when_path, d);
    }
    return single;
}

void config_load_trigger(config_ctx *x, rule_step *t, const cJSON *when, const char *wpath)
{
    char sub[CONFIG_PATH_SIZE], seen[128];
    if (!cJSON_IsObject(when)) {
        diag_describe_json(when, seen, sizeof seen);
        diag_add(x->d, wpath, "expected object with \"event\", got %s", seen);
        return;
    }
    config_check_keys(when, wpath, when_keys, x->d);

    const char *event = NULL;
    int rc = config_get_string(when, "event", wpath, &event, x->d);
    if (rc == 0) config_missing(wpath, "event", "give an event type such as \"custom.ping\" or a glob such as \"custom.*\" (host modules --describe NAME lists a source's event types)",
                                x->d);
    if (rc == 1) {
        t->event_pattern = config_strdup(x, wpath, event);
        t->event_is_glob = strpbrk(event, "*?[") != NULL;
    }

    const char *source = NULL;
    if (config_get_string(when, "source", wpath, &source, x->d) == 1) {
        int known = strcmp(source, "engine") == 0;
        for (size_t i = 0; !known && i < x->source_id_count; i++) known = strcmp(x->source_ids[i], source) == 0;
        if (known) {
            t->source = config_strdup(x, wpath, source);
        } else {
            char ids[512] = "none";
            size_t used = 0;
            for (size_t i = 0; i < x->source_id_count && used < sizeof ids; i++) {
                int w = snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", x->source_ids[i]);
                if (w < 0) break;
                used += (size_t)w;
            }
            diag_add(x->d, diag_path_key(sub, sizeof sub, wpath, "source"),
                     "no source with id \"%s\" (configured source ids: %s; \"engine\" names the engine's own events)",
                     source, ids);
        }
    }
    t->when = compile_conditions(when, wpath, x->d);
}
