/* core/schema_build.c - the small builders every part of the schema uses; see schema_parts.h. */
#include "schema_parts.h"
#include <stdlib.h>
#include <string.h>

cJSON *schema_typed(const char *type, const char *description)
{
    cJSON *o = cJSON_CreateObject();
    if (type) cJSON_AddStringToObject(o, "type", type);
    if (description) cJSON_AddStringToObject(o, "description", description);
    return o;
}

cJSON *schema_string(const char *description)
{
    cJSON *o = schema_typed("string", description);
    cJSON_AddNumberToObject(o, "minLength", 1);
    return o;
}

cJSON *schema_string_or_null(const char *description)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(o, "type");
    cJSON_AddItemToArray(t, cJSON_CreateString("string"));
    cJSON_AddItemToArray(t, cJSON_CreateString("null"));
    if (description) cJSON_AddStringToObject(o, "description", description);
    return o;
}

cJSON *schema_bool(const char *description, int def)
{
    cJSON *o = schema_typed("boolean", description);
    cJSON_AddBoolToObject(o, "default", def);
    return o;
}

/* Bounds at the int64 extremes mean "none": a double cannot carry them exactly anyway. */
cJSON *schema_int(const char *description, int64_t min, int64_t max)
{
    cJSON *o = schema_typed("integer", description);
    if (min != INT64_MIN) cJSON_AddNumberToObject(o, "minimum", (double)min);
    if (max != INT64_MAX) cJSON_AddNumberToObject(o, "maximum", (double)max);
    return o;
}

cJSON *schema_enum(const char *const *names, const char *description, const char *def)
{
    cJSON *o = schema_typed("string", description);
    cJSON *e = cJSON_AddArrayToObject(o, "enum");
    for (size_t i = 0; names[i]; i++) cJSON_AddItemToArray(e, cJSON_CreateString(names[i]));
    if (def) cJSON_AddStringToObject(o, "default", def);
    return o;
}

cJSON *schema_ref(const char *target)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "$ref", target);
    return o;
}

cJSON *schema_array_of(cJSON *items, int min_items, const char *description)
{
    cJSON *o = schema_typed("array", description);
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
cJSON *schema_object_from_keys(gen *g, const char *path, const char *const *keys, const prop_entry *table,
                               const char *description)
{
    cJSON *o = schema_typed("object", description);
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    for (size_t i = 0; keys[i]; i++) {
        const prop_entry *e = table;
        while (e->key && strcmp(e->key, keys[i]) != 0) e++;
        char *sub = join_path(path, keys[i]);
        if (e->key) {
            cJSON_AddItemToObject(props, keys[i], e->build(g, sub ? sub : keys[i]));
        } else {
            cJSON_AddItemToObject(props, keys[i], schema_typed(NULL, "accepted by the host; not described by the schema tables yet"));
            if (g->untyped)
                diag_add(g->untyped, sub ? sub : keys[i], "the config parser accepts this key but the schema has no type "
                                                          "for it; add it to the table for its level (core/schema_rules.c, "
                                                          "top level: core/schema.c)");
        }
        free(sub);
    }
    cJSON_AddBoolToObject(o, "additionalProperties", 0);
    return o;
}

void schema_add_required(cJSON *o, const char *const *names)
{
    cJSON *r = cJSON_AddArrayToObject(o, "required");
    for (size_t i = 0; names[i]; i++) cJSON_AddItemToArray(r, cJSON_CreateString(names[i]));
}
