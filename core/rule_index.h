/*
 * core/rule_index.h - which rules an event can possibly match, found without evaluating them.
 *
 * Built once per rule set from each rule's condition (cond_keys.h): per event field (and folding),
 * one trie for equality and prefixes, one over reversed text for suffixes, and an Aho-Corasick
 * automaton for substrings (contains, literals of regexes). A rule with no usable literal is always a
 * candidate. A lookup walks each indexed field's text once, so its cost depends on the event, not on
 * the number of rules. Candidates are a superset of the matching rules: the caller still evaluates
 * each one (tests/unit/test_rule_index.c checks that no matching rule is ever left out).
 * Ownership: the index borrows field names from the rules' conditions; free it before them.
 * Thread safety: read-only after build; lookups from any thread.
 */
#ifndef WEE_RULE_INDEX_H
#define WEE_RULE_INDEX_H
#include <stddef.h>
#include <stdint.h>
#include "rules.h"

typedef struct rule_index rule_index;

/* NULL when out of memory. */
rule_index *rule_index_build(const rule *rules, size_t count);
void rule_index_free(rule_index *ix);
/* Sets in bits (one per rule, (count + 63) / 64 words, not cleared here) every rule that may match. */
void rule_index_candidates(const rule_index *ix, const wee_event *ev, uint64_t *bits);
#endif
