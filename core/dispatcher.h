/*
 * core/dispatcher.h - bounded event queue + worker pool that evaluates rules and runs actions.
 *
 * Each event is taken by exactly one worker. Actions of one rule run in order for that event. A rule
 * with "concurrency": 1 runs its actions under a per-rule lock. Throttle and debounce are applied
 * after the conditions match; debounced events fire from the timer thread as direct jobs.
 * Accounting: received == processed + dropped + (in queue) at every instant; once drained,
 * received == processed + dropped exactly.
 * Ownership: dispatcher_submit takes the event in every case. The dispatcher holds a reference to the
 * current rule set; swap_rules takes the caller's reference.
 */
#ifndef WEE_DISPATCHER_H
#define WEE_DISPATCHER_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "rules.h"
#include "wee/event.h"

typedef struct dispatcher dispatcher;
typedef struct mtable mtable;

/* Labelled figures each worker keeps (metrics_table.h): events by (source, type), matches by rule,
 * action runs by (module, "ok"|"error") with their durations, and the processing time of each event. */
typedef enum { DM_EVENTS = 0, DM_RULES, DM_ACTIONS, DM_PROCESSING, DM_COUNT } dispatcher_metric;

typedef struct dispatcher_stats {
    uint64_t received, processed, dropped, queued;
    uint64_t rules_evaluated, rules_matched, actions_ok, actions_failed, suppressed;
} dispatcher_stats;

/* rules: reference handed over (may be NULL: events are counted and discarded). NULL when memory or a
 * thread could not be had (logged); every thread that did start is stopped and joined, and `rules`
 * is then still the caller's. */
dispatcher *dispatcher_new(unsigned workers, size_t capacity, overflow_policy policy, rule_set *rules);
/* Returns 0, WEE_EFULL (dropped and counted) or WEE_ESTOPPED (counted as dropped). */
int dispatcher_submit(dispatcher *d, wee_event *ev);
/* Installs a new rule set (takes the reference); in-flight events finish on the old one. */
void dispatcher_swap_rules(dispatcher *d, rule_set *rules);
void dispatcher_get_stats(dispatcher *d, dispatcher_stats *out);
/* Stops accepting, runs every queued event and pending debounce, joins the workers. */
void dispatcher_drain_and_stop(dispatcher *d);
/* The same, but gives up once a worker has been in one action for grace_ms since the stop began (an
 * action stuck in C cannot be interrupted): logs each such worker (rule, action path, module, event)
 * and returns how many, without joining them. The dispatcher must then be left as it is (never freed:
 * the stuck threads still use it) and the process end. 0: stopped as dispatcher_drain_and_stop.
 * grace_ms <= 0 waits without limit. */
unsigned dispatcher_stop_within(dispatcher *d, int64_t grace_ms);
void dispatcher_free(dispatcher *d);
/* The workers' tables of one metric, for readers (any thread, while the dispatcher exists). */
size_t dispatcher_metric_tables(dispatcher *d, dispatcher_metric m, mtable **out, size_t max);
unsigned dispatcher_worker_count(const dispatcher *d);
/* The console's view of dispatch (event_tap.h), owned by the dispatcher; never NULL once it runs
 * unless memory ran out (then NULL: nothing is tapped). */
struct event_tap *dispatcher_tap(dispatcher *d);
/* Blocks until the queue is empty and no worker is busy, or timeout; 0 when idle. For tests/bench. */
int dispatcher_wait_idle(dispatcher *d, int64_t timeout_ms);
#endif
