/*
 * core/console_rules.h - what the console's Rules API files share (docs/console.md, "Rules"):
 *   console_rules.c         GET /api/rules: the rules and sources of every file, with their counts
 *   console_rules_schema.c  GET /api/rules/schema: the config schema the form is built from
 *   console_rules_offer.c   the sources a rule needs and no file declares (offered on check and save)
 *   console_rules_save.c    POST /api/rules/check and /api/rules/save: the one file the console owns
 * The hand-written config is only ever read by them.
 */
#ifndef WEE_CONSOLE_RULES_H
#define WEE_CONSOLE_RULES_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include "engine.h"

/* Copies of the running config's file names: the config, the console's file (NULL without
 * engine.console), and each included file with whether it is the console's. */
typedef struct rules_files { char *config; char *console; size_t count; char **included; int *editable; } rules_files;

void rules_files_take(engine *e, rules_files *f);
void rules_files_free(rules_files *f);
/* The parsed file, or NULL when it is missing or not JSON (its errors come from the check). */
cJSON *rules_read_doc(const char *file);

/* The source modules as [{"name", "description", "event_types"}], learnt from `schema` or, when it is
 * NULL, by running `host schema` once; kept until exit. NULL when the schema could not be had. */
const cJSON *console_source_modules(engine *e, const cJSON *schema);

/* For each rule of candidate whose trigger needs a source that neither candidate nor docs[0..n)
 * declares: [{"rule", "path", "why", "source": {"id", "module"}}]. mods: console_source_modules(). */
cJSON *console_missing_sources(const cJSON *candidate, const cJSON *const *docs, size_t n, const cJSON *mods);
#endif
