/*
 * core/config_keys.h - the key lists and limits the config parser checks against, exported from the
 * config_*.c file that defines each one (so there is one list per level, not a copy) for the JSON
 * Schema generator (schema.c). Lists are NULL-terminated.
 * A new key in one of these lists appears in the generated schema by itself; its type and meaning
 * belong in schema.c's table for that level (test_schema fails until they are there). A new nested
 * object with its own key list must be exported here too, or the schema cannot describe its keys.
 * The engine section is not a key list but an option table: schema.c describes it from that alone.
 */
#ifndef WEE_CONFIG_KEYS_H
#define WEE_CONFIG_KEYS_H
#include <stddef.h>
#include <stdint.h>
#include "wee/options.h"

/* config.c */
extern const char *const *const config_top_keys;
/* config_engine.c: the engine section's option table (the same kind as a module's; nested sections are
 * WEE_OPT_OBJECT entries with their own tables) */
extern const wee_option_spec *const config_engine_options;
/* config_sources.c: the host's own keys of a source object; the rest is the module's option table. */
extern const char *const *const config_source_own_keys;
/* config_rules.c */
extern const char *const *const config_rule_keys;
/* config_trigger.c */
extern const char *const *const config_when_keys;
extern const char *const *const config_cond_parts;       /* match, all, any, not */
/* config_memory.c: a rule's "threshold", "sequence" and "absence" objects, and their limits */
extern const char *const *const config_threshold_keys;
extern const char *const *const config_sequence_keys;
extern const char *const *const config_absence_keys;
extern const int64_t config_memory_within_max, config_memory_groups_default, config_memory_groups_max;
extern const int64_t config_threshold_count_max, config_sequence_steps_max;
extern const int64_t config_batch_ms_max, config_batch_max_default, config_batch_max_max;
/* config_actions.c: the host's own keys of an action object; the rest is the module's option table. */
extern const char *const *const config_action_own_keys;
extern const char *const *const config_on_error_names;
/* cond.c: the field-test operators (not NULL-terminated: cond_op_count of them). */
extern const char *const *const cond_op_names;
extern const size_t cond_op_count;
#endif
