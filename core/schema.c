/*
 * core/schema.c - builds the config's JSON Schema (draft-07: the newest draft VS Code's JSON language
 * service and python3-jsonschema both handle completely, including if/then and boolean schemas).
 *
 * Options - the engine section (config_engine.c) and every module's - are described only from their
 * option tables (wee_option_spec: type, range, choices, default, description), by one function
 * (option_schema), so they cannot drift from what the parser checks. The rule structure (rules, when,
 * conditions, memory objects) is not an option table: which keys exist comes from the parser's own
 * lists (config_keys.h), walked in order; this file adds what a list cannot say - each key's type,
 * limits and one-line meaning - in one small table per level. A listed key missing from its table still appears (accepting any value, so valid configs keep
 * validating) and is reported through `untyped`; test_schema fails on it, which is the signal to add a
 * line here. Every object is closed (additionalProperties false) so editors flag typos.
 * Module options come from each loaded module's wee_option_spec table: per module one if/then branch,
 * selected by the "module" / "action" name, closed over the host's own keys plus the module's options.
 * A module name not loaded here gets no branch (only the host's own keys are checked), so a config for
 * another platform's modules still validates.
 */
#include "schema.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "config_keys.h"
#include "options.h"

typedef struct gen {
    const module_registry *reg;
    diag_list *untyped;
} gen;

typedef cJSON *(*prop_fn)(gen *g, const char *path);
typedef struct prop_entry { const char *key; prop_fn build; } prop_entry;

/* ---- small builders ---- */

static cJSON *typed(const char *type, const char *description)
{
    cJSON *o = cJSON_CreateObject();
    if (type) cJSON_AddStringToObject(o, "type", type);
    if (description) cJSON_AddStringToObject(o, "description", description);
    return o;
}

static cJSON *string_schema(const char *description)
{
    cJSON *o = typed("string", description);
    cJSON_AddNumberToObject(o, "minLength", 1);
    return o;
}

static cJSON *string_or_null(const char *description)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(o, "type");
    cJSON_AddItemToArray(t, cJSON_CreateString("string"));
    cJSON_AddItemToArray(t, cJSON_CreateString("null"));
    if (description) cJSON_AddStringToObject(o, "description", description);
    return o;
}

static cJSON *bool_schema(const char *description, int def)
{
    cJSON *o = typed("boolean", description);
    cJSON_AddBoolToObject(o, "default", def);
    return o;
}

/* Bounds at the int64 extremes mean "none": a double cannot carry them exactly anyway. */
static cJSON *int_schema(const char *description, int64_t min, int64_t max)
{
    cJSON *o = typed("integer", description);
    if (min != INT64_MIN) cJSON_AddNumberToObject(o, "minimum", (double)min);
    if (max != INT64_MAX) cJSON_AddNumberToObject(o, "maximum", (double)max);
    return o;
}

static cJSON *enum_schema(const char *const *names, const char *description, const char *def)
{
    cJSON *o = typed("string", description);
    cJSON *e = cJSON_AddArrayToObject(o, "enum");
    for (size_t i = 0; names[i]; i++) cJSON_AddItemToArray(e, cJSON_CreateString(names[i]));
    if (def) cJSON_AddStringToObject(o, "default", def);
    return o;
}

static cJSON *ref(const char *target)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "$ref", target);
    return o;
}

static cJSON *array_of(cJSON *items, int min_items, const char *description)
{
    cJSON *o = typed("array", description);
    if (min_items) cJSON_AddNumberToObject(o, "minItems", min_items);
    cJSON_AddItemToObject(o, "items", items);
    return o;
}

static char *join_path(const char *path, const char *key)
{
    size_t a = strlen(path), b = strlen(key);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, path, a);
    p[a] = a ? '.' : '\0';
    memcpy(p + a + (a ? 1 : 0), key, b + 1);
    return p;
}

/* A closed object whose keys are exactly `keys` (the parser's list), typed from `table`. */
static cJSON *object_from_keys(gen *g, const char *path, const char *const *keys, const prop_entry *table,
                               const char *description)
{
    cJSON *o = typed("object", description);
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    for (size_t i = 0; keys[i]; i++) {
        const prop_entry *e = table;
        while (e->key && strcmp(e->key, keys[i]) != 0) e++;
        char *sub = join_path(path, keys[i]);
        if (e->key) {
            cJSON_AddItemToObject(props, keys[i], e->build(g, sub ? sub : keys[i]));
        } else {
            cJSON_AddItemToObject(props, keys[i], typed(NULL, "accepted by the host; not described by core/schema.c yet"));
            if (g->untyped)
                diag_add(g->untyped, sub ? sub : keys[i], "the config parser accepts this key but core/schema.c has no "
                                                          "type for it; add it to the table for its level");
        }
        free(sub);
    }
    cJSON_AddBoolToObject(o, "additionalProperties", 0);
    return o;
}

static void add_required(cJSON *o, const char *const *names)
{
    cJSON *r = cJSON_AddArrayToObject(o, "required");
    for (size_t i = 0; names[i]; i++) cJSON_AddItemToArray(r, cJSON_CreateString(names[i]));
}

/* ---- module options ---- */

static void add_choices(cJSON *o, const char *choices)
{
    cJSON *e = cJSON_AddArrayToObject(o, "enum");
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char *one = malloc(n + 1);
        if (one) {
            memcpy(one, p, n);
            one[n] = '\0';
            cJSON_AddItemToArray(e, cJSON_CreateString(one));
            free(one);
        }
        p += n + (bar ? 1 : 0);
    }
}

static cJSON *options_object_schema(const wee_option_spec *spec, const char *description);

/* A string option or list element: non-empty, one of the choices (where the table says so). */
static cJSON *string_value(const wee_option_spec *s, const char *choices, int nullable, const char *description)
{
    cJSON *o = nullable ? string_or_null(description) : typed("string", description);
    if (options_spec_flags(s) & WEE_OPTF_NONEMPTY) cJSON_AddNumberToObject(o, "minLength", 1);
    if (choices) add_choices(o, choices);
    return o;
}

static cJSON *option_schema(const wee_option_spec *s)
{
    cJSON *o;
    /* List elements have choices from ABI 1.3 on (options_build checks them only then). */
    const char *item_choices = options_spec_is_1_3(s) ? s->choices : NULL;
    switch (s->type) {
    case WEE_OPT_STRING:
        o = string_value(s, s->choices, (options_spec_flags(s) & WEE_OPTF_NULLABLE) != 0, s->description);
        break;
    case WEE_OPT_INT: {
        int64_t lo, hi;
        o = options_int_range(s, &lo, &hi) ? int_schema(s->description, lo, hi) : typed("integer", s->description);
        break;
    }
    case WEE_OPT_BOOL: o = typed("boolean", s->description); break;
    case WEE_OPT_STRING_LIST: {
        /* A single string is accepted as a list of one. */
        o = typed(NULL, s->description);
        cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
        cJSON_AddItemToArray(any, string_value(s, item_choices, 0, NULL));
        cJSON_AddItemToArray(any, array_of(string_value(s, item_choices, 0, NULL), 0, NULL));
        break;
    }
    case WEE_OPT_STRING_MAP:
        o = typed("object", s->description);
        cJSON_AddItemToObject(o, "additionalProperties", typed("string", NULL));
        break;
    case WEE_OPT_OBJECT_LIST:
        o = array_of(options_object_schema(options_spec_fields(s), NULL), 0, s->description);
        break;
    case WEE_OPT_OBJECT:
        if (options_spec_is_1_3(s)) {
            o = options_object_schema(options_spec_fields(s), s->description);
            break;
        }
        o = typed(NULL, s->description); /* type 8 in an older table: unknown to that module's ABI */
        break;
    default: /* WEE_OPT_JSON: any value */
        o = typed(NULL, s->description);
        break;
    }
    if (s->default_value) {
        cJSON *d = cJSON_Parse(s->default_value);
        if (d) cJSON_AddItemToObject(o, "default", d);
    }
    return o;
}

/* An object holding exactly the options of one table (object lists, module-wide sections). */
static cJSON *options_object_schema(const wee_option_spec *spec, const char *description)
{
    cJSON *o = typed("object", description);
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    cJSON *required = cJSON_CreateArray();
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        cJSON_AddItemToObject(props, s->name, option_schema(s));
        if (s->required) cJSON_AddItemToArray(required, cJSON_CreateString(s->name));
    }
    if (cJSON_GetArraySize(required)) cJSON_AddItemToObject(o, "required", required);
    else cJSON_Delete(required);
    cJSON_AddBoolToObject(o, "additionalProperties", 0);
    return o;
}

/* if {key: name} then {the host's own keys + the module's options, nothing else}. */
static cJSON *module_branch(const loaded_module *m, const char *key, const char *const *own_keys,
                            wee_module_kind kind)
{
    const wee_option_spec *spec = kind == WEE_MODULE_ACTION ? loader_action_options(&m->desc) : m->desc.options;
    cJSON *branch = cJSON_CreateObject();
    cJSON *cond = cJSON_AddObjectToObject(branch, "if");
    cJSON *cp = cJSON_AddObjectToObject(cond, "properties");
    cJSON *k = cJSON_AddObjectToObject(cp, key);
    cJSON_AddStringToObject(k, "const", m->desc.name);
    cJSON *req = cJSON_AddArrayToObject(cond, "required");
    cJSON_AddItemToArray(req, cJSON_CreateString(key));

    cJSON *then = cJSON_AddObjectToObject(branch, "then");
    if (m->desc.description) cJSON_AddStringToObject(then, "description", m->desc.description);
    cJSON *props = cJSON_AddObjectToObject(then, "properties");
    for (size_t i = 0; own_keys[i]; i++) cJSON_AddItemToObject(props, own_keys[i], cJSON_CreateObject());
    cJSON *required = cJSON_CreateArray();
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        if (cJSON_GetObjectItemCaseSensitive(props, s->name)) continue; /* a host key wins, as in options_build */
        cJSON_AddItemToObject(props, s->name, option_schema(s));
        if (s->required) cJSON_AddItemToArray(required, cJSON_CreateString(s->name));
    }
    if (cJSON_GetArraySize(required)) cJSON_AddItemToObject(then, "required", required);
    else cJSON_Delete(required);
    cJSON_AddBoolToObject(then, "additionalProperties", 0);
    /* An annotation (validators ignore it): what the source emits, for the console's rule form. */
    if (kind == WEE_MODULE_SOURCE && m->desc.event_types) {
        cJSON *types = cJSON_AddArrayToObject(then, "x-event-types");
        for (const char *const *t = m->desc.event_types; *t; t++) cJSON_AddItemToArray(types, cJSON_CreateString(*t));
    }
    return branch;
}

static int by_name(const void *a, const void *b)
{
    const loaded_module *x = *(const loaded_module *const *)a, *y = *(const loaded_module *const *)b;
    return strcmp(x->desc.name, y->desc.name);
}

/* The loaded modules of one kind, by name, so the output does not depend on directory order. */
static size_t modules_of(const module_registry *reg, wee_module_kind kind, const loaded_module ***out)
{
    const loaded_module **v = calloc(reg->count ? reg->count : 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < reg->count; i++)
        if (reg->mods[i]->desc.kind & kind) v[n++] = reg->mods[i];
    if (n > 1) qsort(v, n, sizeof *v, by_name);
    *out = v;
    return v ? n : 0;
}

/* Names of loaded modules are offered for completion; any other name is still valid JSON-wise (a module
 * of another platform), the host's `validate` is the judge of that. */
static cJSON *module_name_schema(const module_registry *reg, wee_module_kind kind, const char *description)
{
    const loaded_module **mods;
    size_t n = modules_of(reg, kind, &mods);
    cJSON *o = typed(NULL, description);
    cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
    cJSON *known = cJSON_CreateObject();
    cJSON *e = cJSON_AddArrayToObject(known, "enum");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(e, cJSON_CreateString(mods[i]->desc.name));
    cJSON_AddItemToArray(any, known);
    cJSON_AddItemToArray(any, string_schema(NULL));
    free(mods);
    return o;
}

/* Host keys plus one branch per loaded module; open at this level (the branches close it). */
static cJSON *module_object(gen *g, const char *path, const char *const *own_keys, const prop_entry *table,
                            const char *key, wee_module_kind kind, const char *description)
{
    cJSON *o = object_from_keys(g, path, own_keys, table, description);
    cJSON_DeleteItemFromObject(o, "additionalProperties");
    const char *req[] = { key, NULL };
    add_required(o, req);
    const loaded_module **mods;
    size_t n = modules_of(g->reg, kind, &mods);
    cJSON *all = cJSON_AddArrayToObject(o, "allOf");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(all, module_branch(mods[i], key, own_keys, kind));
    free(mods);
    return o;
}

/* ---- sources ---- */

static cJSON *p_source_id(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = string_schema("unique; events carry it as \"source\" (\"engine\" is reserved)");
    cJSON *not = cJSON_AddObjectToObject(o, "not");
    cJSON_AddStringToObject(not, "const", "engine");
    return o;
}
static cJSON *p_source_module(gen *g, const char *p)
{
    (void)p;
    return module_name_schema(g->reg, WEE_MODULE_SOURCE, "the source module (host modules lists them)");
}
static cJSON *p_source_enabled(gen *g, const char *p)
{
    (void)g; (void)p;
    return bool_schema("false: validated but not started", 1);
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
static cJSON *op_string(gen *g, const char *p) { (void)g; (void)p; return typed("string", NULL); }
static cJSON *op_int(gen *g, const char *p) { (void)g; (void)p; return typed("integer", NULL); }
static cJSON *op_in(gen *g, const char *p)
{
    (void)g; (void)p;
    return array_of(scalar_schema(NULL), 0, "equal to one of these values");
}
static const prop_entry op_table[] = {
    { "equals", op_scalar }, { "glob", op_string }, { "regex", op_string }, { "contains", op_string },
    { "starts_with", op_string }, { "ends_with", op_string }, { "in", op_in }, { "gt", op_int },
    { "gte", op_int }, { "lt", op_int }, { "lte", op_int }, { NULL, NULL }
};

/* One closed branch per operator of cond.c: exactly one operator, optionally with case_insensitive. */
static cJSON *operator_schema(gen *g)
{
    cJSON *o = typed("object", "one operator, optionally with \"case_insensitive\"");
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
            cJSON_AddItemToObject(props, name, typed(NULL, "accepted by the host; not described by core/schema.c yet"));
            if (g->untyped)
                diag_add(g->untyped, name, "cond.c accepts this operator but core/schema.c has no type for its value; "
                                           "add it to op_table");
        }
        /* Not an operator: the modifier compile_test in cond.c reads next to one. */
        cJSON_AddItemToObject(props, "case_insensitive",
                              typed("boolean", "compare ignoring case (default false; true for names and paths on Windows)"));
        const char *req[] = { name, NULL };
        add_required(branch, req);
        cJSON_AddBoolToObject(branch, "additionalProperties", 0);
        cJSON_AddItemToArray(one, branch);
    }
    return o;
}

static cJSON *p_match(gen *g, const char *p)
{
    (void)g; (void)p;
    return ref("#/definitions/match");
}
static cJSON *p_cond_list(gen *g, const char *p)
{
    (void)g; (void)p;
    return array_of(ref("#/definitions/condition"), 1, NULL);
}
static cJSON *p_cond_not(gen *g, const char *p)
{
    (void)g; (void)p;
    return ref("#/definitions/condition");
}
static cJSON *p_event(gen *g, const char *p)
{
    (void)g; (void)p;
    return string_schema("event type, exact (file.created) or a glob (file.*, *)");
}
static cJSON *p_when_source(gen *g, const char *p)
{
    (void)g; (void)p;
    return string_schema("only events from this source id (or \"engine\")");
}
static const prop_entry cond_table[] = {
    { "match", p_match }, { "all", p_cond_list }, { "any", p_cond_list }, { "not", p_cond_not },
    { "event", p_event }, { "source", p_when_source }, { NULL, NULL }
};

/* ---- rules and actions ---- */

static cJSON *p_rule_name(gen *g, const char *p) { (void)g; (void)p; return string_schema("unique, used in logs"); }
static cJSON *p_rule_enabled(gen *g, const char *p) { (void)g; (void)p; return bool_schema("false: validated but never fires", 1); }
static cJSON *p_when(gen *g, const char *p) { (void)g; (void)p; return ref("#/definitions/when"); }
static cJSON *p_do(gen *g, const char *p)
{
    (void)g; (void)p;
    return array_of(ref("#/definitions/action"), 1, "actions, run in order for each matching event");
}
static cJSON *p_throttle(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("at most one firing per window; further matches are counted and skipped", 0, WEE_DURATION_MS_MAX);
}
static cJSON *p_debounce(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("fire once, with the latest event, after matches have stopped for this long", 0, WEE_DURATION_MS_MAX);
}
static cJSON *p_concurrency(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("1: never run this rule's actions for two events at once", 0, 1);
}
static cJSON *p_allow_engine(gen *g, const char *p)
{
    (void)g; (void)p;
    return bool_schema("false: events caused by the engine's own actions are ignored", 0);
}
static cJSON *p_description(gen *g, const char *p) { (void)g; (void)p; return typed("string", "free text"); }

/* ---- rules that remember (config_memory.c) ---- */

static cJSON *p_within(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("the time window in milliseconds", 1, config_memory_within_max);
}
static cJSON *p_max_groups(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("at most this many groups are remembered; the least recently used is evicted (default 1000)", 1,
                      config_memory_groups_max);
}
static cJSON *p_fields(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = typed(NULL, "an event field name, or a list of 1 to 8: events with equal values share one group");
    cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
    cJSON_AddItemToArray(any, string_schema("a field name"));
    cJSON *list = array_of(string_schema("a field name"), 1, NULL);
    cJSON_AddNumberToObject(list, "maxItems", 8);
    cJSON_AddItemToArray(any, list);
    return o;
}
static cJSON *p_count(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("matching events needed within the window", 2, config_threshold_count_max);
}
static cJSON *p_steps(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *a = array_of(ref("#/definitions/when"), 2, "the events, in order; each like a rule's when");
    cJSON_AddNumberToObject(a, "maxItems", (double)config_sequence_steps_max);
    return a;
}
static cJSON *p_trigger(gen *g, const char *p)
{
    (void)g; (void)p;
    return ref("#/definitions/when");
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
    cJSON *o = object_from_keys(g, p, keys, table, description);
    const char *req[] = { needed, "within_ms", NULL };
    add_required(o, req);
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
    return int_schema("collect matching events this long, then run the actions once with all of them", 1,
                      config_batch_ms_max);
}
static cJSON *p_batch_max(gen *g, const char *p)
{
    (void)g; (void)p;
    return int_schema("run a batch as soon as it holds this many events (default 1000)", 1, config_batch_max_max);
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
    return module_name_schema(g->reg, WEE_MODULE_ACTION, "the action module (host modules lists them)");
}
static cJSON *p_on_error(gen *g, const char *p)
{
    (void)g; (void)p;
    return enum_schema(config_on_error_names, "stop: skip the rule's later actions; continue: run them",
                       config_on_error_names[0]);
}
static const prop_entry action_table[] = { { "action", p_action_name }, { "on_error", p_on_error }, { NULL, NULL } };

/* ---- top level ---- */

static cJSON *p_version(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = typed(NULL, "config format version");
    cJSON_AddNumberToObject(o, "const", 1);
    return o;
}
/* The engine section is an option table like a module's (config_engine.c): described by the same code. */
static cJSON *p_engine(gen *g, const char *p)
{
    (void)g; (void)p;
    return options_object_schema(config_engine_options, "engine settings");
}
static cJSON *p_sources(gen *g, const char *p)
{
    (void)g; (void)p;
    return array_of(ref("#/definitions/source"), 0, "event sources");
}
static cJSON *p_rules(gen *g, const char *p)
{
    (void)g; (void)p;
    return array_of(ref("#/definitions/rule"), 0, "rules: when an event matches, run the actions");
}
static cJSON *p_schema_ref(gen *g, const char *p)
{
    (void)g; (void)p;
    return typed("string", "where editors find this schema (ignored by the host)");
}
/* One property per loaded module that takes module-wide settings (ABI 1.2 config_options). */
static cJSON *p_modules(gen *g, const char *p)
{
    (void)p;
    const loaded_module **mods;
    size_t n = modules_of(g->reg, WEE_MODULE_SOURCE_ACTION, &mods);
    cJSON *o = typed("object", "module-wide settings, one object per module name (host modules --describe NAME)");
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    for (size_t i = 0; i < n; i++)
        if (mods[i]->desc.config_options)
            cJSON_AddItemToObject(props, mods[i]->desc.name,
                                  options_object_schema(mods[i]->desc.config_options, mods[i]->desc.description));
    free(mods);
    return o;
}
static cJSON *p_include(gen *g, const char *p)
{
    (void)g; (void)p;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "array");
    cJSON_AddStringToObject(o, "description", "rule files to include, relative to this config's folder: each is "
                                              "{\"sources\": [...], \"rules\": [...]} (docs/config.md)");
    cJSON *items = cJSON_AddObjectToObject(o, "items");
    cJSON_AddStringToObject(items, "type", "string");
    cJSON_AddNumberToObject(items, "minLength", 1);
    return o;
}
static const prop_entry top_table[] = {
    { "$schema", p_schema_ref }, { "version", p_version }, { "engine", p_engine }, { "sources", p_sources }, { "rules", p_rules }, { "modules", p_modules }, { "include", p_include }, { NULL, NULL }
};

static cJSON *build(gen *g)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", "http://json-schema.org/draft-07/schema#");
    cJSON_AddStringToObject(root, "title", "WinEventEngine config");
    cJSON_AddStringToObject(root, "$comment", "Generated by `host schema` from the host's config tables and the "
                                              "loaded modules' option tables; do not edit. Regenerate: host schema "
                                              "--out config/schema/wee.schema.json");
    cJSON *top = object_from_keys(g, "", config_top_keys, top_table, NULL);
    const char *req[] = { "version", NULL };
    add_required(top, req);
    for (cJSON *c = top->child; c;) {
        cJSON *next = c->next;
        cJSON_AddItemToObject(root, c->string, cJSON_DetachItemViaPointer(top, c));
        c = next;
    }
    cJSON_Delete(top);

    cJSON *defs = cJSON_AddObjectToObject(root, "definitions");
    cJSON_AddItemToObject(defs, "source", module_object(g, "sources[]", config_source_own_keys, source_table, "module",
                                                        WEE_MODULE_SOURCE, "a source: id, module and the module's options"));
    cJSON *rule = object_from_keys(g, "rules[]", config_rule_keys, rule_table, "a rule");
    const char *rreq[] = { "name", "do", NULL }; /* "when", unless a sequence or absence replaces it */
    add_required(rule, rreq);
    cJSON_AddItemToObject(defs, "rule", rule);
    cJSON *when = object_from_keys(g, "rules[].when", config_when_keys, cond_table, "which events the rule reacts to");
    const char *wreq[] = { "event", NULL };
    add_required(when, wreq);
    cJSON_AddItemToObject(defs, "when", when);
    cJSON *cond = object_from_keys(g, "rules[].when.all[]", config_cond_parts, cond_table,
                                   "a condition: match, all, any or not");
    cJSON_AddNumberToObject(cond, "minProperties", 1);
    cJSON_AddItemToObject(defs, "condition", cond);
    cJSON *match = typed("object", "field tests, all must pass: a bare value means equals");
    cJSON_AddItemToObject(match, "additionalProperties", ref("#/definitions/test"));
    cJSON_AddItemToObject(defs, "match", match);
    cJSON *test = cJSON_CreateObject();
    cJSON *any = cJSON_AddArrayToObject(test, "anyOf");
    cJSON_AddItemToArray(any, scalar_schema("equal to this value"));
    cJSON_AddItemToArray(any, ref("#/definitions/operator"));
    cJSON_AddItemToObject(defs, "test", test);
    cJSON_AddItemToObject(defs, "operator", operator_schema(g));
    cJSON_AddItemToObject(defs, "action", module_object(g, "rules[].do[]", config_action_own_keys, action_table, "action",
                                                        WEE_MODULE_ACTION, "an action: its module, on_error and the "
                                                                           "module's parameters (strings are templates)"));
    return root;
}

char *schema_generate(const module_registry *reg, diag_list *untyped)
{
    gen g = { reg, untyped };
    cJSON *root = build(&g);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) return NULL;
    /* cJSON indents with tabs and puts one after each colon; two spaces and one space read better in
     * editors and diffs. JSON strings cannot hold a raw tab, so every tab is layout. */
    size_t tabs = 0, n = strlen(text);
    for (size_t i = 0; i < n; i++) tabs += text[i] == '\t';
    char *out = malloc(n + tabs + 2);
    if (out) {
        size_t j = 0;
        int line_start = 1;
        for (size_t i = 0; i < n; i++) {
            if (text[i] == '\t' && line_start) { out[j++] = ' '; out[j++] = ' '; continue; }
            out[j++] = text[i] == '\t' ? ' ' : text[i];
            line_start = text[i] == '\n';
        }
        out[j++] = '\n';
        out[j] = '\0';
    }
    cJSON_free(text);
    return out;
}
