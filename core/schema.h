/*
 * core/schema.h - the config file's JSON Schema (draft-07), generated from the tables the host itself
 * checks against: the key lists and limits of the config parser (config_keys.h) and the option table of
 * every loaded module. config/schema/wee.schema.json is this output for the repository's modules;
 * regenerate it with `host schema --out config/schema/wee.schema.json`.
 */
#ifndef WEE_SCHEMA_H
#define WEE_SCHEMA_H
#include "loader.h"
#include "util/diag.h"

/* Returns the schema as indented JSON text ending with a newline (caller frees), NULL without memory.
 * untyped (optional) receives one entry per key the parser accepts but schema.c cannot yet describe
 * (the key is in the schema, accepting any value, until its type is added to schema.c). */
char *schema_generate(const module_registry *reg, diag_list *untyped);
#endif
