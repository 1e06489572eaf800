/*
 * core/rules.h - a compiled, immutable rule set.
 *
 * Rules are indexed by event type (an exact "event" lands in a hash bucket, a glob ("file.*") in a list
 * checked by glob) and by the literals their conditions need (rule_index.h), so an event only meets
 * rules that can match it. The set is reference counted:
 * hot reload swaps in a new set while in-flight events finish on the old one.
 * Ownership: a rule set owns its rules, conditions, templates (via options trees) and action instances
 * (action_destroy is called when the last reference goes). Per-rule runtime state (throttle, debounce,
 * serial lock) lives in rule_state, owned by the rule.
 */
#ifndef WEE_RULES_H
#define WEE_RULES_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "cond.h"
#include "loader.h"
#include "options.h"

typedef enum { ON_ERROR_STOP = 0, ON_ERROR_CONTINUE = 1 } on_error_policy;

typedef struct rule_action {
    const loaded_module *module;
    options_tree *params;        /* templated */
    void *instance;              /* from action_create; NULL until created (or when the module needs none) */
    on_error_policy on_error;
    char *json_path;             /* "rules[2].do[1]" */
    int created;                 /* action_create succeeded: the module is held (loader_module_hold) */
} rule_action;

typedef struct rule_state rule_state; /* dispatcher-owned runtime state, see rule_state.h */

/* Which events one step of a stateful rule reacts to: the same parts as a rule's "when". */
typedef struct rule_step {
    char *event_pattern;         /* exact type or glob */
    int event_is_glob;
    char *source;                /* NULL: any source */
    cond *when;                  /* NULL: always */
} rule_step;

/* Rules that remember (rule_memory.h). Sequence and absence rules react through their steps, so the
 * rule itself matches every event type ("*") without a condition. */
typedef enum { MEMORY_NONE = 0, MEMORY_THRESHOLD, MEMORY_SEQUENCE, MEMORY_ABSENCE } memory_kind;

typedef struct rule_memory_spec {
    memory_kind kind;
    int64_t within_ms;
    int64_t count;               /* threshold: events needed in the window */
    int64_t max_groups;          /* bound on remembered groups; the least recently used is evicted */
    char **group_fields;         /* threshold/absence "group_by", sequence "join" */
    size_t ngroup;
    rule_step *steps;            /* sequence: the steps in order; absence: [0] expect, [1] after (optional) */
    size_t nsteps;
} rule_memory_spec;

typedef struct rule {
    char *name;
    int enabled;
    char *event_pattern;         /* exact type or glob */
    int event_is_glob;
    char *source;                /* NULL: any source */
    cond *when;                  /* NULL: always */
    int64_t throttle_ms;         /* 0: off */
    int64_t debounce_ms;         /* 0: off */
    int serial;                  /* "concurrency": 1 */
    int allow_engine_events;     /* "allow_engine_events": true -> also events caused by our own actions */
    rule_memory_spec memory;     /* kind MEMORY_NONE for ordinary rules */
    int64_t batch_ms;            /* 0: off; else collect matches this long and run the actions once */
    int64_t batch_max;           /* a batch runs as soon as it holds this many events */
    char *fingerprint;           /* the rule's JSON as written (compact): unchanged rules keep their memory on reload */
    rule_action *actions;
    size_t action_count;
    char *json_path;             /* "rules[2]" */
    size_t index;
    rule_state *state;
} rule;

typedef struct rule_set rule_set;

/* Builds the index over rules[0..count) and takes ownership of the array (allocated with malloc). */
rule_set *rule_set_new(rule *rules, size_t count);
rule_set *rule_set_ref(rule_set *rs);
void rule_set_unref(rule_set *rs);
size_t rule_set_count(const rule_set *rs);
rule *rule_set_at(const rule_set *rs, size_t i);
/* The rules that remember (memory.kind set), in config order: what the dispatcher's timer visits. */
size_t rule_set_stateful_count(const rule_set *rs);
rule *rule_set_stateful_at(const rule_set *rs, size_t i);
/* Calls fn for each enabled rule whose event pattern and source filter accept (type, source) and whose
 * condition the rule index (rule_index.h) cannot rule out for ev, in config order; conditions are NOT
 * evaluated here. ev NULL: no field filtering. Stops early when fn returns non-zero. */
typedef int (*rule_visit_fn)(rule *r, void *ctx);
void rule_set_candidates(const rule_set *rs, const char *type, const char *source, const wee_event *ev,
                         rule_visit_fn fn, void *ctx);
/* Frees one rule's members (used by rule_set_unref and by config on a failed build). */
void rule_free_members(rule *r);
/* Does ev pass step s (type, source, condition)? */
/* rule_step.c */
int rule_step_matches(const rule_step *s, const wee_event *ev);
void rule_step_free(rule_step *s);
#endif
