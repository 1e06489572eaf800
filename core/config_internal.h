/*
 * core/config_internal.h - shared between the config_*.c files that load one section each
 * (config.c: document and top level; config_values.c: keys and typed values; config_engine.c;
 * config_sources.c; config_rules.c, config_trigger.c, config_memory.c and config_actions.c). Not used
 * outside config loading.
 * Ownership: everything built goes into ctx->c (or ctx->rules until the rule set exists); on any error
 * config.c frees it all. cJSON pointers borrowed here live only while the document is loaded.
 */
#ifndef WEE_CONFIG_INTERNAL_H
#define WEE_CONFIG_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "config.h"

/* Deep enough for "rules[123].do[45].headers.Authorization" with room to spare. */
#define CONFIG_PATH_SIZE 256

typedef struct config_ctx {
    const module_registry *reg;
    const wee_host_api *api;
    diag_list *d;
    config *c;
    /* Every source id written in the file (enabled or not), for checking rules' when.source. */
    const char **source_ids;
    size_t source_id_count;
    /* Rules compiled so far; handed to rule_set_new only when the whole file is valid. */
    rule *rules;
    size_t rule_count;
} config_ctx;

/* calloc / strdup for config loading: NULL when out of memory, after reporting it in x->d at path, so
 * the load fails (with its path) and config.c frees what was built; the caller stops what it was doing. */
void *config_calloc(config_ctx *x, const char *path, size_t n, size_t size);
char *config_strdup(config_ctx *x, const char *path, const char *s);

/* Reports each key of obj not in allowed (NULL-terminated), listing the allowed ones, and each key that
 * appears twice (cJSON would silently keep only one). */
/* "invalid JSON at line L, column C ..." for text that cJSON stopped reading at stop. */
void config_report_syntax(const char *text, const char *stop, diag_list *d);
void config_check_keys(const cJSON *obj, const char *path, const char *const *allowed, diag_list *d);

/* Typed getters for obj[key] at path "<path>.<key>". Each returns 1 when the key is present and valid
 * (*out set), 0 when absent (*out untouched, so callers preset the default), -1 after reporting an error. */
int config_get_int(const cJSON *obj, const char *key, const char *path, int64_t min, int64_t max, int64_t *out,
                   diag_list *d);
int config_get_bool(const cJSON *obj, const char *key, const char *path, int *out, diag_list *d);
/* A non-empty string. */
int config_get_string(const cJSON *obj, const char *key, const char *path, const char **out, diag_list *d);
/* A string that is one of choices (NULL-terminated); *out is its index. */
int config_get_choice(const cJSON *obj, const char *key, const char *path, const char *const *choices, int *out,
                      diag_list *d);
/* "file, timer": the loaded modules of one kind, for "no module named ..." messages. */
void config_list_modules(const module_registry *reg, wee_module_kind kind, char *buf, size_t size);
/* Reports "<path>.<key>: missing ..." with a hint. */
void config_missing(const char *path, const char *key, const char *hint, diag_list *d);

void config_load_engine(config_ctx *x, const cJSON *engine, const char *path);
void config_load_sources(config_ctx *x, const cJSON *sources, const char *path);
void config_load_rules(config_ctx *x, const cJSON *rules, const char *path);
/* One trigger object ({"event", "source", "match", "all", "any", "not"}) into *t (config_trigger.c). */
void config_load_trigger(config_ctx *x, rule_step *t, const cJSON *when, const char *wpath);
/* "threshold", "sequence" or "absence" of a rule into r->memory (config_memory.c). Returns 1 when the
 * rule is a sequence or absence rule (it then has no "when" of its own), else 0. */
int config_load_memory(config_ctx *x, rule *r, const cJSON *obj, const char *path);
/* "batch_ms" and "batch_max" (config_memory.c). */
void config_load_batch(config_ctx *x, rule *r, const cJSON *obj, const char *path);
/* Compiles one rule's "do" array into r->actions (config_actions.c). */
void config_load_actions(config_ctx *x, rule *r, const cJSON *actions, const char *path);
/* action_create for every action of the set; returns 0 if all succeeded (failures are reported). */
int config_create_actions(config_ctx *x, rule_set *rs);

void config_free_sources(config *c);
/* config_modules.c: validates the "modules" section; then (on an otherwise valid config, before actions
 * are created) hands each used or configured module its settings via module_configure. */
void config_check_modules(config_ctx *x, const cJSON *modules, const char *path);
int config_configure_modules(config_ctx *x, const cJSON *modules, const char *path);
#endif
