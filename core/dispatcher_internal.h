/*
 * core/dispatcher_internal.h - the dispatcher's state, shared by its files (not for other units):
 *   dispatcher.c         start, stop, stats, teardown;
 *   dispatcher_queue.c   the bounded queue and the direct jobs (debounce/batch/absence firings, drop
 *                        reports, events raised by actions), the current rule set;
 *   dispatcher_worker.c  a worker: evaluating an event's rules, throttle, batches, running actions;
 *   dispatcher_timer.c   the timer thread: debounces and batches that come due, stateful rules' time,
 *                        drop reports.
 * Calls go one way: dispatcher.c -> worker, timer -> queue (and worker -> timer to schedule).
 * Locking: d->lock guards the queue, the direct jobs, the timed list and the counters of queued work;
 * rules_lock the rule set pointer; each rule's debounce_lock its pending debounce/batch.
 */
#ifndef WEE_DISPATCHER_INTERNAL_H
#define WEE_DISPATCHER_INTERNAL_H
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include "dispatcher.h"
#include "event_tap.h"
#include "metrics_table.h"
#include "platform/platform.h"
#include "rule_state.h"

/* Drop reports are rate-limited to one per second so a flood of drops cannot itself flood the queue. */
#define DROP_REPORT_INTERVAL_NS 1000000000ull

typedef struct job {
    wee_event *ev;
    rule *direct;          /* debounce, batch or absence firing: run this rule's actions, skip evaluation */
    rule_set *direct_set;  /* keeps `direct` alive */
    wee_event **batch;     /* a batch firing: the collected events (ev is NULL), built into one on a worker */
    size_t batch_count;
    struct job *next;
} job;

/* Counters are per worker and written only by their worker, so counting needs no shared cache line
 * and no lock; readers sum them. */
typedef struct worker {
    plat_thread thread;
    struct dispatcher *d;
    unsigned index;
    atomic_uint_fast64_t processed, evaluated, matched, ok, failed, suppressed;
    mtable *metrics;           /* DM_COUNT tables, labelled counts and timings (metrics_table.h) */
    /* The action this worker is in, for the report of a stop that gives up on it (doing_lock). */
    plat_mutex doing_lock;
    const rule *doing_rule;
    size_t doing_action;
    const char *doing_event;   /* the event's type; the worker holds the event while this is set */
    uint64_t doing_since;      /* monotonic ns; 0: not in an action */
    /* While someone watches the tap (event_tap.h): the rules the current event matched, and the
     * actions array of the rule running now. NULL otherwise. */
    cJSON *tap_rules, *tap_actions;
    char pad[64];
} worker;

struct dispatcher {
    plat_mutex lock;
    plat_cond not_empty, not_full, idle, timer_wake;
    job *ring;                 /* bounded queue of source events */
    size_t capacity, head, count;
    job *direct_head, *direct_tail; /* unbounded: debounce firings, drop reports, events from actions */
    overflow_policy policy;
    int accepting, stopping, timer_stop;
    unsigned busy;
    worker *workers;
    unsigned nworkers;
    plat_thread timer;
    rule_state *debounce_head;  /* rules with a debounce pending (linked through rule_state) */
    size_t debounce_count;
    plat_mutex rules_lock;
    rule_set *rules;
    atomic_uint_fast64_t received, dropped;
    event_tap *tap;             /* the console's view of dispatch */
    uint64_t dropped_reported, last_drop_report_ns;
};

/* dispatcher_queue.c */
rule_set *dispatcher_acquire_rules(dispatcher *d);   /* new reference or NULL; caller unrefs */
void dispatcher_release_batch(wee_event **batch, size_t count);
/* Caller holds d->lock. Takes ev, batch and set in every case (out of memory: counted as dropped). */
void dispatcher_push_direct_job(dispatcher *d, wee_event *ev, rule *r, rule_set *set, wee_event **batch,
                                size_t batch_count);
void dispatcher_push_direct(dispatcher *d, wee_event *ev, rule *r, rule_set *set);
/* The emit of an action's call: never waits on the queue its own worker drains. */
int dispatcher_submit_from_action(void *ctx, wee_event *ev);

/* dispatcher_worker.c */
void dispatcher_worker_main(void *arg);  /* arg: its worker */

/* dispatcher_timer.c */
void dispatcher_timer_main(void *arg);   /* arg: the dispatcher */
/* Keeps ev as r's pending debounce (the one before is suppressed) until r->debounce_ms pass. */
void dispatcher_schedule_debounce(dispatcher *d, rule *r, rule_set *rs, wee_event *ev);
/* Adds ev to r's batch; returns the whole batch when it just reached batch_max (the caller runs it). */
wee_event **dispatcher_collect_batch(dispatcher *d, rule *r, rule_set *rs, wee_event *ev, size_t *count);
/* Caller holds d->lock. Fires due (flush: all) debounces and batches; returns the next deadline. */
uint64_t dispatcher_fire_debounced(dispatcher *d, uint64_t now, int flush);
/* Caller holds d->lock. An engine.events_dropped event at most once a second. */
void dispatcher_report_drops(dispatcher *d, uint64_t now);
#endif
