/*
 * core/schema_rules.c - the rule structure's schema (sources' own keys, rules, when, conditions,
 * operators, rules that remember, actions' own keys). It is not an option table: which keys exist
 * comes from the parser's own lists (config_keys.h), walked in order; this file adds what a list cannot
 * say - each key's type, limits and one-line meaning - in one small table per level. See schema_parts.h.
 */
#include "schema_parts.h"
#include <stdlib.h>
#include <string.h>
#include "config_keys.h"

/* ---- sources ---- */

static cJSON *p_source_id(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = schema_string("unique; events carry it as \"source\" (\"engine\" is reserved)");
    cJSON *not = cJSON_AddObjectToObject(o, "not");
    cJSON_AddStringToObject(not, "const", "engine");
    return o;
}
static cJSON *p_source_module(gen *g, const char *p)
{
    (void)p;
    return schema_module_name(g->reg, WEE_MODULE_SOURCE, "the source module (host modules lists them)");
}
static cJSON *p_source_enabled(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_bool("false: validated but not started", 1);
}
static const prop_entry source_table[] = {
    { "id", p_source_id }, { "module", p_source_module }, { "enabled", p_source_enabled }, { NULL, NULL }
};

/* ---- conditions ---- */

static cJSON *scalar_schema(const char *description)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(o, "type");
    cJSON_AddItemToArray(t, cJSON_CreateString("string"));
    cJSON_AddItemToArray(t, cJSON_CreateString("integer"));
    cJSON_AddItemToArray(t, cJSON_CreateString("boolean"));
    if (description) cJSON_AddStringToObject(o, "description", description);
    return o;
}
static cJSON *op_scalar(gen *g, const char *p) { (void)g; (void)p; return scalar_schema("equal to this value"); }
static cJSON *op_string(gen *g, const char *p) { (void)g; (void)p; return schema_typed("string", NULL); }
static cJSON *op_int(gen *g, const char *p) { (void)g; (void)p; return schema_typed("integer", NULL); }
static cJSON *op_in(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_array_of(scalar_schema(NULL), 0, "equal to one of these values");
}
static const prop_entry op_table[] = {
    { "equals", op_scalar }, { "glob", op_string }, { "regex", op_string }, { "contains", op_string },
    { "starts_with", op_string }, { "ends_with", op_string }, { "in", op_in }, { "gt", op_int },
    { "gte", op_int }, { "lt", op_int }, { "lte", op_int }, { NULL, NULL }
};

/* One closed branch per operator of cond.c: exactly one operator, optionally with case_insensitive. */
static cJSON *operator_schema(gen *g)
{
    cJSON *o = schema_typed("object", "one operator, optionally with \"case_insensitive\"");
    cJSON *one = cJSON_AddArrayToObject(o, "oneOf");
    for (size_t i = 0; i < cond_op_count; i++) {
        const char *name = cond_op_names[i];
        const prop_entry *e = op_table;
        while (e->key && strcmp(e->key, name) != 0) e++;
        cJSON *branch = cJSON_CreateObject();
        cJSON *props = cJSON_AddObjectToObject(branch, "properties");
        if (e->key) {
            cJSON_AddItemToObject(props, name, e->build(g, name));
        } else {
            cJSON_AddItemToObject(props, name, schema_typed(NULL, "accepted by the host; not described by core/schema_rules.c yet"));
            if (g->untyped)
                diag_add(g->untyped, name, "cond.c accepts this operator but core/schema_rules.c has no type for its value; "
                                           "add it to op_table");
        }
        /* Not an operator: the modifier compile_test in cond.c reads next to one. */
        cJSON_AddItemToObject(props, "case_insensitive",
                              schema_typed("boolean", "compare ignoring case (default false; true for names and paths on Windows)"));
        const char *req[] = { name, NULL };
        schema_add_required(branch, req);
        cJSON_AddBoolToObject(branch, "additionalProperties", 0);
        cJSON_AddItemToArray(one, branch);
    }
    return o;
}

static cJSON *p_match(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_ref("#/definitions/match");
}
static cJSON *p_cond_list(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_array_of(schema_ref("#/definitions/condition"), 1, NULL);
}
static cJSON *p_cond_not(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_ref("#/definitions/condition");
}
static cJSON *p_event(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_string("event type, exact (file.created) or a glob (file.*, *)");
}
static cJSON *p_when_source(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_string("only events from this source id (or \"engine\")");
}
static const prop_entry cond_table[] = {
    { "match", p_match }, { "all", p_cond_list }, { "any", p_cond_list }, { "not", p_cond_not },
    { "event", p_event }, { "source", p_when_source }, { NULL, NULL }
};

/* ---- rules and actions ---- */

static cJSON *p_rule_name(gen *g, const char *p) { (void)g; (void)p; return schema_string("unique, used in logs"); }
static cJSON *p_rule_enabled(gen *g, const char *p) { (void)g; (void)p; return schema_bool("false: validated but never fires", 1); }
static cJSON *p_when(gen *g, const char *p) { (void)g; (void)p; return schema_ref("#/definitions/when"); }
static cJSON *p_do(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_array_of(schema_ref("#/definitions/action"), 1, "actions, run in order for each matching event");
}
static cJSON *p_throttle(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("at most one firing per window; further matches are counted and skipped", 0, WEE_DURATION_MS_MAX);
}
static cJSON *p_debounce(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("fire once, with the latest event, after matches have stopped for this long", 0, WEE_DURATION_MS_MAX);
}
static cJSON *p_concurrency(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("1: never run this rule's actions for two events at once", 0, 1);
}
static cJSON *p_allow_engine(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_bool("false: events caused by the engine's own actions are ignored", 0);
}
static cJSON *p_description(gen *g, const char *p) { (void)g; (void)p; return schema_typed("string", "free text"); }

/* ---- rules that remember (config_memory.c) ---- */

static cJSON *p_within(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("the time window in milliseconds", 1, config_memory_within_max);
}
static cJSON *p_max_groups(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("at most this many groups are remembered; the least recently used is evicted (default 1000)", 1,
                      config_memory_groups_max);
}
static cJSON *p_fields(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = schema_typed(NULL, "an event field name, or a list of 1 to 8: events with equal values share one group");
    cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
    cJSON_AddItemToArray(any, schema_string("a field name"));
    cJSON *list = schema_array_of(schema_string("a field name"), 1, NULL);
    cJSON_AddNumberToObject(list, "maxItems", 8);
    cJSON_AddItemToArray(any, list);
    return o;
}
static cJSON *p_count(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("matching events needed within the window", 2, config_threshold_count_max);
}
static cJSON *p_steps(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *a = schema_array_of(schema_ref("#/definitions/when"), 2, "the events, in order; each like a rule's when");
    cJSON_AddNumberToObject(a, "maxItems", (double)config_sequence_steps_max);
    return a;
}
static cJSON *p_trigger(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_ref("#/definitions/when");
}
static const prop_entry threshold_table[] = {
    { "count", p_count }, { "within_ms", p_within }, { "group_by", p_fields }, { "max_groups", p_max_groups }, { NULL, NULL }
};
static const prop_entry sequence_table[] = {
    { "steps", p_steps }, { "within_ms", p_within }, { "join", p_fields }, { "max_groups", p_max_groups }, { NULL, NULL }
};
static const prop_entry absence_table[] = {
    { "expect", p_trigger }, { "after", p_trigger }, { "within_ms", p_within }, { "group_by", p_fields },
    { "max_groups", p_max_groups }, { NULL, NULL }
};
/* A memory object: its keys and table, and the key besides within_ms it cannot do without. */
static cJSON *memory_object(gen *g, const char *p, const char *const *keys, const prop_entry *table,
                            const char *needed, const char *description)
{
    cJSON *o = schema_object_from_keys(g, p, keys, table, description);
    const char *req[] = { needed, "within_ms", NULL };
    schema_add_required(o, req);
    return o;
}
static cJSON *p_threshold(gen *g, const char *p)
{
    return memory_object(g, p, config_threshold_keys, threshold_table, "count",
                         "fire when at least count events match within within_ms (per group)");
}
static cJSON *p_sequence(gen *g, const char *p)
{
    return memory_object(g, p, config_sequence_keys, sequence_table, "steps",
                         "fire when the steps happen in order within within_ms (replaces when)");
}
static cJSON *p_absence(gen *g, const char *p)
{
    return memory_object(g, p, config_absence_keys, absence_table, "expect",
                         "fire when expect does not come within within_ms (after an after event, or since the "
                         "last expect); replaces when");
}
static cJSON *p_batch_ms(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("collect matching events this long, then run the actions once with all of them", 1,
                      config_batch_ms_max);
}
static cJSON *p_batch_max(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_int("run a batch as soon as it holds this many events (default 1000)", 1, config_batch_max_max);
}

static const prop_entry rule_table[] = {
    { "name", p_rule_name }, { "enabled", p_rule_enabled }, { "when", p_when }, { "do", p_do },
    { "throttle_ms", p_throttle }, { "debounce_ms", p_debounce }, { "concurrency", p_concurrency },
    { "allow_engine_events", p_allow_engine }, { "description", p_description }, { "threshold", p_threshold },
    { "sequence", p_sequence }, { "absence", p_absence }, { "batch_ms", p_batch_ms }, { "batch_max", p_batch_max },
    { NULL, NULL }
};

static cJSON *p_action_name(gen *g, const char *p)
{
    (void)p;
    return schema_module_name(g->reg, WEE_MODULE_ACTION, "the action module (host modules lists them)");
}
static cJSON *p_on_error(gen *g, const char *p)
{
    (void)g; (void)p;
    return schema_enum(config_on_error_names, "stop: skip the rule's later actions; continue: run them",
                       config_on_error_names[0]);
}
static const prop_entry action_table[] = { { "action", p_action_name }, { "on_error", p_on_error }, { NULL, NULL } };

/* ---- definitions ---- */

void schema_add_definitions(gen *g, cJSON *defs)
{
    cJSON_AddItemToObject(defs, "source", schema_module_object(g, "sources[]", config_source_own_keys, source_table, "module",
                                                        WEE_MODULE_SOURCE, "a source: id, module and the module's options"));
    cJSON *rule = schema_object_from_keys(g, "rules[]", config_rule_keys, rule_table, "a rule");
    const char *rreq[] = { "name", "do", NULL }; /* "when", unless a sequence or absence replaces it */
    schema_add_required(rule, rreq);
    cJSON_AddItemToObject(defs, "rule", rule);
    cJSON *when = schema_object_from_keys(g, "rules[].when", config_when_keys, cond_table, "which events the rule reacts to");
    const char *wreq[] = { "event", NULL };
    schema_add_required(when, wreq);
    cJSON_AddItemToObject(defs, "when", when);
    cJSON *cond = schema_object_from_keys(g, "rules[].when.all[]", config_cond_parts, cond_table,
                                   "a condition: match, all, any or not");
    cJSON_AddNumberToObject(cond, "minProperties", 1);
    cJSON_AddItemToObject(defs, "condition", cond);
    cJSON *match = schema_typed("object", "field tests, all must pass: a bare value means equals");
    cJSON_AddItemToObject(match, "additionalProperties", schema_ref("#/definitions/test"));
    cJSON_AddItemToObject(defs, "match", match);
    cJSON *test = cJSON_CreateObject();
    cJSON *any = cJSON_AddArrayToObject(test, "anyOf");
    cJSON_AddItemToArray(any, scalar_schema("equal to this value"));
    cJSON_AddItemToArray(any, schema_ref("#/definitions/operator"));
    cJSON_AddItemToObject(defs, "test", test);
    cJSON_AddItemToObject(defs, "operator", operator_schema(g));
    cJSON_AddItemToObject(defs, "action", schema_module_object(g, "rules[].do[]", config_action_own_keys, action_table, "action",
                                                        WEE_MODULE_ACTION, "an action: its module, on_error and the "
                                                                           "module's parameters (strings are templates)"));
}
