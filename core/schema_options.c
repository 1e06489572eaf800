/*
 * core/schema_options.c - option tables as JSON Schema: the engine section and every module's options
 * are described only from their wee_option_spec tables (type, range, choices, default, description),
 * by one function (option_schema), so they cannot drift from what the parser checks. Per module one
 * if/then branch, selected by the "module" / "action" name, closed over the host's own keys plus the
 * module's options. See schema_parts.h.
 */
#include "schema_parts.h"
#include <stdlib.h>
#include <string.h>
#include "options.h"

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

/* A string option or list element: non-empty, one of the choices (where the table says so). */
static cJSON *string_value(const wee_option_spec *s, const char *choices, int nullable, const char *description)
{
    cJSON *o = nullable ? schema_string_or_null(description) : schema_typed("string", description);
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
        o = options_int_range(s, &lo, &hi) ? schema_int(s->description, lo, hi) : schema_typed("integer", s->description);
        break;
    }
    case WEE_OPT_BOOL: o = schema_typed("boolean", s->description); break;
    case WEE_OPT_STRING_LIST: {
        /* A single string is accepted as a list of one. */
        o = schema_typed(NULL, s->description);
        cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
        cJSON_AddItemToArray(any, string_value(s, item_choices, 0, NULL));
        cJSON_AddItemToArray(any, schema_array_of(string_value(s, item_choices, 0, NULL), 0, NULL));
        break;
    }
    case WEE_OPT_STRING_MAP:
        o = schema_typed("object", s->description);
        cJSON_AddItemToObject(o, "additionalProperties", schema_typed("string", NULL));
        break;
    case WEE_OPT_OBJECT_LIST:
        o = schema_array_of(schema_options_object(options_spec_fields(s), NULL), 0, s->description);
        break;
    case WEE_OPT_OBJECT:
        if (options_spec_is_1_3(s)) {
            o = schema_options_object(options_spec_fields(s), s->description);
            break;
        }
        o = schema_typed(NULL, s->description); /* type 8 in an older table: unknown to that module's ABI */
        break;
    default: /* WEE_OPT_JSON: any value */
        o = schema_typed(NULL, s->description);
        break;
    }
    if (s->default_value) {
        cJSON *d = cJSON_Parse(s->default_value);
        if (d) cJSON_AddItemToObject(o, "default", d);
    }
    return o;
}

/* An object holding exactly the options of one table (object lists, module-wide sections). */
cJSON *schema_options_object(const wee_option_spec *spec, const char *description)
{
    cJSON *o = schema_typed("object", description);
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
size_t schema_modules_of(const module_registry *reg, wee_module_kind kind, const loaded_module ***out)
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
cJSON *schema_module_name(const module_registry *reg, wee_module_kind kind, const char *description)
{
    const loaded_module **mods;
    size_t n = schema_modules_of(reg, kind, &mods);
    cJSON *o = schema_typed(NULL, description);
    cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
    cJSON *known = cJSON_CreateObject();
    cJSON *e = cJSON_AddArrayToObject(known, "enum");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(e, cJSON_CreateString(mods[i]->desc.name));
    cJSON_AddItemToArray(any, known);
    cJSON_AddItemToArray(any, schema_string(NULL));
    free(mods);
    return o;
}

/* Host keys plus one branch per loaded module; open at this level (the branches close it). */
cJSON *schema_module_object(gen *g, const char *path, const char *const *own_keys, const prop_entry *table,
                            const char *key, wee_module_kind kind, const char *description)
{
    cJSON *o = schema_object_from_keys(g, path, own_keys, table, description);
    cJSON_DeleteItemFromObject(o, "additionalProperties");
    const char *req[] = { key, NULL };
    schema_add_required(o, req);
    const loaded_module **mods;
    size_t n = schema_modules_of(g->reg, kind, &mods);
    cJSON *all = cJSON_AddArrayToObject(o, "allOf");
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(all, module_branch(mods[i], key, own_keys, kind));
    free(mods);
    return o;
}
