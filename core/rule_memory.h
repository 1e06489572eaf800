/*
 * core/rule_memory.h - what a stateful rule remembers between events: sequences, thresholds, absences.
 *
 *   threshold  at least `count` matching events within `within_ms`, per group (group_by fields)
 *   sequence   step 1, then step 2 (then ...) within `within_ms` of step 1, per join key (join fields,
 *              which every step's event must carry); a new step-1 event restarts the group
 *   absence    `expect` did not come within `within_ms`: after an `after` event of the same group, or,
 *              without `after`, since the rule was loaded or since the last `expect` (fires once per
 *              silence, and again only after the next `expect` re-arms it)
 * State is per group, at most `max_groups` groups (the least recently used is evicted and counted).
 * The event a firing runs the actions with is the last event, cloned, plus what matched:
 * threshold.count, seq.events (JSON array), seq.count, group, and for absence a "rule.absence" event
 * carrying the `after` event's fields (if any), absence.since and within_ms.
 * Ownership: reference counted, so a hot reload can hand the memory of an unchanged rule to the new
 * rule set while the old one finishes its events. All functions are thread-safe.
 */
#ifndef WEE_RULE_MEMORY_H
#define WEE_RULE_MEMORY_H
#include <stddef.h>
#include <stdint.h>
#include "rules.h"
#include "wee/event.h"

typedef struct rule_memory rule_memory;

typedef struct rule_memory_stats { uint64_t groups, evicted, fired; } rule_memory_stats;

/* NULL when out of memory. now_ns starts an absence rule's first silence. */
rule_memory *rule_memory_new(const rule_memory_spec *spec, uint64_t now_ns);
rule_memory *rule_memory_ref(rule_memory *m);
void rule_memory_unref(rule_memory *m);

/* ev reached rule r (its type, source and, for thresholds, condition already passed). Returns the
 * event to run r's actions with (caller unrefs) or NULL. note (may be NULL): what happened, one line,
 * for host test. */
wee_event *rule_memory_observe(rule_memory *m, const rule *r, const wee_event *ev, uint64_t now_ns, char *note,
                               size_t note_size);

/* Passes time: forgets expired partial groups and fires absences whose deadline passed, handing each
 * firing event to fire (which takes it). Returns the next deadline (monotonic ns; UINT64_MAX if none). */
typedef void (*rule_memory_fire_fn)(void *ctx, wee_event *ev);
uint64_t rule_memory_due(rule_memory *m, const rule *r, uint64_t now_ns, rule_memory_fire_fn fire, void *ctx);

void rule_memory_get_stats(rule_memory *m, rule_memory_stats *out);
const char *rule_memory_kind_name(memory_kind k);
#endif
