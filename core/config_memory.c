/*
 * core/config_memory.c - a rule's "threshold", "sequence" or "absence" object and its "batch_ms" /
 * "batch_max" (rule_memory.h, dispatcher.h say what they do). Every number is bounded here, so the
 * state a rule can hold is known at load: at most max_groups groups, a threshold group at most
 * `count` timestamps.
 */
#include "config_internal.h"
#include "config_keys.h"
#include "rule_memory.h"
#include <stdio.h>
#include <string.h>

static const char *const threshold_keys[] = { "count", "within_ms", "group_by", "max_groups", NULL };
static const char *const sequence_keys[] = { "steps", "within_ms", "join", "max_groups", NULL };
static const char *const absence_keys[] = { "expect", "after", "within_ms", "group_by", "max_groups", NULL };
const char *const *const config_threshold_keys = threshold_keys;
const char *const *const config_sequence_keys = sequence_keys;
const char *const *const config_absence_keys = absence_keys;

const int64_t config_memory_within_max = 31LL * 24 * 3600 * 1000; /* a month, in ms */
const int64_t config_memory_groups_default = 1000, config_memory_groups_max = 100000;
const int64_t config_threshold_count_max = 100000, config_sequence_steps_max = 16;
const int64_t config_batch_ms_max = 3600000, config_batch_max_default = 1000, config_batch_max_max = 100000;
/* max_groups x count timestamps of 8 bytes: at most 80 MB for one threshold rule. */
static const int64_t threshold_cells_max = 10000000;

/* "field" or ["field", ...] (1 to 8 names) into spec->group_fields. */
static void load_fields(config_ctx *x, rule_memory_spec *spec, const cJSON *obj, const char *key, const char *path)
{
    char sub[CONFIG_PATH_SIZE], seen[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return;
    diag_path_key(sub, sizeof sub, path, key);
    size_t n = cJSON_IsString(v) ? 1 : cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
    if (n == 0 || n > 8) {
        diag_describe_json(v, seen, sizeof seen);
        diag_add(x->d, sub, "expected a field name such as \"pid\" or a list of 1 to 8 field names, got %s", seen);
        return;
    }
    spec->group_fields = config_calloc(x, path, n, sizeof *spec->group_fields);
    if (!spec->group_fields) return;
    const cJSON *item = cJSON_IsString(v) ? v : v->child;
    for (size_t i = 0; i < n; i++, item = item->next) {
        if (!cJSON_IsString(item) || !item->valuestring[0]) {
            char ip[CONFIG_PATH_SIZE];
            diag_describe_json(item, seen, sizeof seen);
            diag_add(x->d, cJSON_IsString(v) ? sub : diag_path_index(ip, sizeof ip, sub, i),
                     "expected a non-empty field name, got %s", seen);
            continue;
        }
        char *field = config_strdup(x, path, item->valuestring);
        if (!field) return;
        spec->group_fields[spec->ngroup++] = field;
    }
}

static void load_common(config_ctx *x, rule_memory_spec *spec, const cJSON *obj, const char *path)
{
    spec->max_groups = config_memory_groups_default;
    if (config_get_int(obj, "within_ms", path, 1, config_memory_within_max, &spec->within_ms, x->d) == 0)
        config_missing(path, "within_ms", "give the time window in milliseconds, e.g. \"within_ms\": 10000", x->d);
    config_get_int(obj, "max_groups", path, 1, config_memory_groups_max, &spec->max_groups, x->d);
}

static void load_step(config_ctx *x, rule_memory_spec *spec, const cJSON *when, const char *path)
{
    rule_step *t = &spec->steps[spec->nsteps++];
    config_load_trigger(x, t, when, path);
}

static void load_threshold(config_ctx *x, rule *r, const cJSON *t, const char *path)
{
    rule_memory_spec *spec = &r->memory;
    config_check_keys(t, path, threshold_keys, x->d);
    if (config_get_int(t, "count", path, 2, config_threshold_count_max, &spec->count, x->d) == 0)
        config_missing(path, "count", "say how many matching events make the threshold, e.g. \"count\": 20", x->d);
    load_common(x, spec, t, path);
    load_fields(x, spec, t, "group_by", path);
    if (spec->count > 0 && spec->max_groups > threshold_cells_max / spec->count)
        diag_add(x->d, path, "count x max_groups is %lld; at most %lld timestamps may be kept: lower max_groups",
                 (long long)(spec->count * spec->max_groups), (long long)threshold_cells_max);
}

static void load_sequence(config_ctx *x, rule *r, const cJSON *s, const char *path)
{
    char sub[CONFIG_PATH_SIZE], ip[CONFIG_PATH_SIZE], seen[128];
    rule_memory_spec *spec = &r->memory;
    config_check_keys(s, path, sequence_keys, x->d);
    load_common(x, spec, s, path);
    load_fields(x, spec, s, "join", path);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(s, "steps");
    if (!steps) {
        config_missing(path, "steps", "list the events in order: \"steps\": [{\"event\": \"custom.first\"}, {\"event\": "
                       "\"custom.second\"}]", x->d);
        return;
    }
    diag_path_key(sub, sizeof sub, path, "steps");
    int n = cJSON_IsArray(steps) ? cJSON_GetArraySize(steps) : 0;
    if (n < 2 || n > config_sequence_steps_max) {
        diag_describe_json(steps, seen, sizeof seen);
        diag_add(x->d, sub, "expected an array of 2 to %lld steps (each like a rule's \"when\"), got %s",
                 (long long)config_sequence_steps_max, seen);
        return;
    }
    spec->steps = config_calloc(x, sub, (size_t)n, sizeof *spec->steps);
    if (!spec->steps) return;
    size_t i = 0;
    for (const cJSON *st = steps->child; st; st = st->next, i++) load_step(x, spec, st, diag_path_index(ip, sizeof ip, sub, i));
}

static void load_absence(config_ctx *x, rule *r, const cJSON *a, const char *path)
{
    char sub[CONFIG_PATH_SIZE];
    rule_memory_spec *spec = &r->memory;
    config_check_keys(a, path, absence_keys, x->d);
    load_common(x, spec, a, path);
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(a, "expect");
    const cJSON *after = cJSON_GetObjectItemCaseSensitive(a, "after");
    if (!expect) {
        config_missing(path, "expect", "describe the event that should keep coming, e.g. \"expect\": {\"event\": "
                       "\"file.modified\", \"match\": {\"name\": \"backup.log\"}}", x->d);
        return;
    }
    spec->steps = config_calloc(x, path, 2, sizeof *spec->steps);
    if (!spec->steps) return;
    load_step(x, spec, expect, diag_path_key(sub, sizeof sub, path, "expect"));
    if (after) load_step(x, spec, after, diag_path_key(sub, sizeof sub, path, "after"));
    load_fields(x, spec, a, "group_by", path);
    if (spec->ngroup && !after)
        diag_add(x->d, diag_path_key(sub, sizeof sub, path, "group_by"),
                 "group_by needs \"after\" (groups start with an after event); remove it or add \"after\"");
}

int config_load_memory(config_ctx *x, rule *r, const cJSON *obj, const char *path)
{
    static const char *const kinds[] = { "threshold", "sequence", "absence" };
    char sub[CONFIG_PATH_SIZE], seen[128];
    const cJSON *found = NULL;
    size_t which = 0;
    for (size_t k = 0; k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, kinds[k]);
        if (!v) continue;
        if (found) {
            diag_add(x->d, diag_path_key(sub, sizeof sub, path, kinds[k]),
                     "a rule remembers one way only: \"%s\" and \"%s\" cannot be combined; split it into two rules",
                     kinds[which], kinds[k]);
            return 0;
        }
        found = v;
        which = k;
    }
    if (!found) return 0;
    diag_path_key(sub, sizeof sub, path, kinds[which]);
    if (!cJSON_IsObject(found)) {
        diag_describe_json(found, seen, sizeof seen);
        diag_add(x->d, sub, "expected an object, got %s", seen);
        return 0;
    }
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(obj, "when");
    if (which == 0) {
        r->memory.kind = MEMORY_THRESHOLD;
        load_threshold(x, r, found, sub);
        return 0; /* a threshold counts the events its "when" matches */
    }
    if (when) {
        char wpath[CONFIG_PATH_SIZE];
        diag_add(x->d, diag_path_key(wpath, sizeof wpath, path, "when"),
                 "a %s rule reacts through its %s; remove \"when\" (put its conditions into those)", kinds[which],
                 which == 1 ? "\"steps\"" : "\"expect\" and \"after\"");
    }
    if (which == 1) {
        r->memory.kind = MEMORY_SEQUENCE;
        load_sequence(x, r, found, sub);
    } else {
        r->memory.kind = MEMORY_ABSENCE;
        load_absence(x, r, found, sub);
    }
    return 1;
}

void config_load_batch(config_ctx *x, rule *r, const cJSON *obj, const char *path)
{
    char sub[CONFIG_PATH_SIZE];
    r->batch_max = config_batch_max_default;
    int has_ms = config_get_int(obj, "batch_ms", path, 1, config_batch_ms_max, &r->batch_ms, x->d);
    int has_max = config_get_int(obj, "batch_max", path, 1, config_batch_max_max, &r->batch_max, x->d);
    if (has_max == 1 && has_ms == 0)
        diag_add(x->d, diag_path_key(sub, sizeof sub, path, "batch_max"),
                 "batch_max needs batch_ms (how long to collect), e.g. \"batch_ms\": 200");
    if (has_ms != 1) return;
    if (r->debounce_ms > 0)
        diag_add(x->d, diag_path_key(sub, sizeof sub, path, "batch_ms"),
                 "batch_ms and debounce_ms cannot be combined: a batch already waits; remove one");
    if (r->memory.kind != MEMORY_NONE)
        diag_add(x->d, diag_path_key(sub, sizeof sub, path, "batch_ms"),
                 "a %s rule cannot batch; put the batch on a second rule that reacts to what the first one emits",
                 rule_memory_kind_name(r->memory.kind));
}
