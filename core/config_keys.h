/*
 * core/config_keys.h - the key lists and limits the config parser checks against, exported from the
 * config_*.c file that defines each one (so there is one list per level, not a copy) for the JSON
 * Schema generator (schema.c). Lists are NULL-terminated.
 * A new key in one of these lists appears in the generated schema by itself; its type and meaning
 * belong in schema.c's table for that level (test_schema fails until they are there). A new nested
 * object with its own key list must be exported here too, or the schema cannot describe its keys.
 */
#ifndef WEE_CONFIG_KEYS_H
#define WEE_CONFIG_KEYS_H
#include <stddef.h>
#include <stdint.h>

/* config.c */
extern const char *const *const config_top_keys;
/* config_engine.c */
extern const char *const *const config_engine_keys;
extern const char *const *const config_engine_log_keys;
extern const char *const *const config_engine_control_keys;
extern const char *const *const config_engine_metrics_keys;
extern const char *const *const config_engine_console_keys;
extern const char *const *const config_overflow_names;   /* in overflow_policy order */
extern const char *const *const config_log_formats;
extern const int64_t config_workers_max, config_queue_default, config_queue_max;
extern const int64_t config_stop_grace_default, config_stop_grace_min, config_stop_grace_max;
extern const int64_t config_log_max_size_mb_max, config_log_keep_default, config_log_keep_max;
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
