/*
 * core/schema_parts.h - what the files that build the config's JSON Schema share (schema.h is the
 * public side):
 *   schema.c          the top level and the text (schema_generate)
 *   schema_build.c    small builders: typed values, references, closed objects from the parser's key lists
 *   schema_options.c  option tables (the engine section, every module's) and one branch per module
 *   schema_rules.c    the rule structure: sources, conditions, rules, rules that remember, actions
 * Every builder returns a new cJSON the caller owns (NULL only when out of memory).
 */
#ifndef WEE_SCHEMA_PARTS_H
#define WEE_SCHEMA_PARTS_H
#include <stdint.h>
#include <cjson/cJSON.h>
#include "loader.h"
#include "util/diag.h"

typedef struct gen {
    const module_registry *reg;
    diag_list *untyped;
} gen;

/* One key's schema at one level of the rule structure, built for its JSON path. */
typedef cJSON *(*prop_fn)(gen *g, const char *path);
typedef struct prop_entry { const char *key; prop_fn build; } prop_entry;

/* schema_build.c */
cJSON *schema_typed(const char *type, const char *description);   /* type NULL: any value */
cJSON *schema_string(const char *description);                     /* non-empty */
cJSON *schema_string_or_null(const char *description);
cJSON *schema_bool(const char *description, int def);
/* Bounds at the int64 extremes mean "none". */
cJSON *schema_int(const char *description, int64_t min, int64_t max);
cJSON *schema_enum(const char *const *names, const char *description, const char *def);
cJSON *schema_ref(const char *target);
cJSON *schema_array_of(cJSON *items, int min_items, const char *description);
/* A closed object whose keys are exactly `keys` (the parser's list), typed from `table`; a key missing
 * from the table accepts any value and is reported in g->untyped. */
cJSON *schema_object_from_keys(gen *g, const char *path, const char *const *keys, const prop_entry *table,
                               const char *description);
void schema_add_required(cJSON *o, const char *const *names);

/* schema_options.c */
/* An object holding exactly the options of one table (object lists, module-wide sections, engine). */
cJSON *schema_options_object(const wee_option_spec *spec, const char *description);
/* The loaded modules of one kind, by name (*out: free it). */
size_t schema_modules_of(const module_registry *reg, wee_module_kind kind, const loaded_module ***out);
/* A module name: the loaded ones offered, any other string still valid (another platform's module). */
cJSON *schema_module_name(const module_registry *reg, wee_module_kind kind, const char *description);
/* The host's own keys plus one if/then branch per loaded module of kind, selected by `key`. */
cJSON *schema_module_object(gen *g, const char *path, const char *const *own_keys, const prop_entry *table,
                            const char *key, wee_module_kind kind, const char *description);

/* schema_rules.c: source, rule, when, condition, match, test, operator and action into defs. */
void schema_add_definitions(gen *g, cJSON *defs);
#endif
