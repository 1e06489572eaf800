/*
 * core/rule_state.h - per-rule runtime state owned by a rule (throttle clock, debounce slot, batch,
 * serial lock, and what a stateful rule remembers). Created by config compile (one per rule), freed with
 * the rule. Only the dispatcher reads or writes it (and host test, on its own copy of the config).
 */
#ifndef WEE_RULE_STATE_H
#define WEE_RULE_STATE_H
#include <stdatomic.h>
#include <stdint.h>
#include "platform/platform.h"
#include "wee/event.h"

typedef struct rule_state {
    atomic_uint_fast64_t last_fire_ns;  /* throttle: monotonic time of the last firing, 0 = never */
    plat_mutex serial_lock;             /* "concurrency": 1 - held while the rule's actions run */
    plat_mutex debounce_lock;           /* guards the debounce slot and the batch */
    wee_event *debounce_event;          /* latest event waiting for the quiet period; NULL = none */
    uint64_t debounce_deadline_ns;
    wee_event **batch;                  /* "batch_ms": events collected so far (batch_max slots) */
    size_t batch_count, batch_cap;
    uint64_t batch_deadline_ns;
    int timed_listed;                   /* on the dispatcher's timed list below (set/cleared under debounce_lock) */
    struct rule_memory *memory;         /* threshold/sequence/absence state (rule_memory.h); NULL otherwise */
    /* The dispatcher's list of rules with a debounce or batch pending, linked through the rules
     * themselves so scheduling never allocates (and so never loses a pending firing to an allocation
     * failure). Guarded by the dispatcher's lock; a listed rule holds a reference to its rule set. */
    struct rule_state *debounce_next;
    struct rule *debounce_rule;
    struct rule_set *debounce_set;
    atomic_uint_fast64_t fired;         /* times the actions ran */
    atomic_uint_fast64_t suppressed;    /* matches skipped by throttle or merged by debounce */
    atomic_int_fast64_t last_fired_ms;  /* wall clock of the last firing (the console's rule list), 0 = never */
} rule_state;

rule_state *rule_state_new(void);
void rule_state_free(rule_state *s);
#endif
