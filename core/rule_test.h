/*
 * core/rule_test.h - one event through every rule, explained: each rule's verdict with the reason a
 * condition failed, the action arguments rendered for the event and, when asked, the actions run with
 * their results. One evaluator for `host test` (cli_check.c prints the report) and the web console's
 * event tester (console_tester.c answers it as JSON); the conditions are the engine's own (cond.h).
 *
 * Stateful rules (threshold, sequence, absence) remember across the events of one rule_test run in
 * memories of their own: a test never feeds, nor reads, what the running engine remembers.
 * Threads: one rule_test per caller; the rule set is only read, so a running engine's set may be used
 * while workers dispatch (running actions then runs them concurrently with the workers, as a second
 * worker would).
 * Ownership: rule_test holds a reference on the rule set; reports are the caller's (cJSON_Delete).
 */
#ifndef WEE_RULE_TEST_H
#define WEE_RULE_TEST_H
#include <stdio.h>
#include "rules.h"

struct cJSON;
typedef struct rule_test rule_test;

/* worker: the worker index the actions run with (call_worker_index). Actions keep per-worker state (a
 * Lua state, a curl handle) without locks, so a running host's tester uses the index the dispatcher
 * keeps for it (action_call_worker_count() - 1, dispatcher.h) and runs one test at a time; `host test`
 * has no workers and uses 0. NULL without memory. */
rule_test *rule_test_new(rule_set *rs, unsigned worker);
void rule_test_free(rule_test *t);

/* Runs ev (given "source": "test" and a "time" when it has none) through every rule in config order.
 * run: also run the matched rules' actions. Returns the report, NULL without memory:
 *   {"event": {...}, "matched": n, "failed": n, "rules": [{"rule", "path", "verdict": "match" | "no match" |
 *    "no fire", "reason" (why not), "note" (what a stateful rule remembered), "running": [...] (what the
 *    running host does differently: "throttled", "debounced", "batched"), "actions": [{"path", "action",
 *    "args": {name: value}, and when run "ok", "error"}], "results" (when run: what the actions published)}]} */
struct cJSON *rule_test_event(rule_test *t, wee_event *ev, int run);

/* The report as `host test` prints it. */
void rule_test_print(const struct cJSON *report, FILE *out);
#endif
