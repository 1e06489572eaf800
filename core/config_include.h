/*
 * core/config_include.h - rule files included into the config: the files the top-level "include" list
 * names (written by a person) and the web console's own file (engine.console.rules_file, default
 * "automations.json" beside the config; read whenever the config has an "engine.console" object, and
 * skipped while it does not exist yet). docs/config.md, "Included rule files".
 *
 * Each file is { "$schema"?, "version"?: 1, "sources": [...], "rules": [...] }. Its sources and rules are
 * appended to the config's own arrays before those are loaded, so one pass checks everything (ids and
 * names unique across files, a rule may name a source of another file); afterwards the errors about
 * them are moved back to their file and index ("automations.json: rules[0].when.event").
 * Relative names are taken from the config file's folder (and so are relative paths inside them).
 */
#ifndef WEE_CONFIG_INCLUDE_H
#define WEE_CONFIG_INCLUDE_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "config.h"

#define CONFIG_CONSOLE_RULES_DEFAULT "automations.json"

/* Reads the included files (override_file, when not NULL, reads as override_text) and appends their
 * sources and rules to root's arrays; records each file in inc. Errors go to d with their file. */
void config_includes_merge(const char *config_file, cJSON *root, const char *override_file,
                           const char *override_text, config_includes *inc, diag_list *d);
/* Moves the errors from index `from` on that are about an included file's items to that file. */
void config_includes_attribute(const config_includes *inc, diag_list *d, size_t from);
void config_includes_free(config_includes *inc);
/* On a loaded config: the JSON paths its rules, actions and sources keep for run-time messages name
 * the included file they came from ("automations.json: rules[0].do[1]" rather than "rules[7].do[1]"). */
void config_includes_name_paths(config *c);
/* The console's file of c (NULL when the config has no engine.console). */
const config_include *config_console_include(const config *c);

/* The rule files a config file names (its "include" list, then the console's file when it has an
 * "engine.console" object), resolved, for fn: the same walk as config_includes_merge, without its
 * messages; entries that are not names are skipped. Nothing when the file cannot be read or parsed (its
 * load says why). admin_paths.c checks them like the config. */
void config_include_files(const char *config_file, void (*fn)(const char *file, void *ctx), void *ctx);

#endif
