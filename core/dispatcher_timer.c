/*
 * core/dispatcher_timer.c - the dispatcher's timer thread and what it watches (see dispatcher_internal.h):
 * debounced rules and batches until they come due, stateful rules' deadlines (absences), and the
 * rate-limited report of dropped events. Firings go to the workers as direct jobs.
 */
#include <stdlib.h>
#include "dispatcher_internal.h"
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "rule_memory.h"

static void add_timed_entry(dispatcher *d, rule *r, rule_set *rs);

void dispatcher_schedule_debounce(dispatcher *d, rule *r, rule_set *rs, wee_event *ev)
{
    rule_state *st = r->state;
    int need_entry;
    plat_mutex_lock(&st->debounce_lock);
    if (st->debounce_event) {
        event_unref(st->debounce_event);
        atomic_fetch_add_explicit(&st->suppressed, 1, memory_order_relaxed);
    }
    need_entry = !st->timed_listed;
    st->timed_listed = 1;
    st->debounce_event = event_ref(ev);
    st->debounce_deadline_ns = plat_monotonic_ns() + (uint64_t)r->debounce_ms * 1000000ull;
    plat_mutex_unlock(&st->debounce_lock);
    if (need_entry) add_timed_entry(d, r, rs);
}

/* The timer thread watches r's pending debounce or batch from now on. Called only by whoever set
 * timed_listed (under debounce_lock); the timer clears it when it unlists the rule: a rule is listed
 * at most once. */
static void add_timed_entry(dispatcher *d, rule *r, rule_set *rs)
{
    rule_state *st = r->state;
    plat_mutex_lock(&d->lock);
    st->debounce_rule = r;
    st->debounce_set = rule_set_ref(rs);
    st->debounce_next = d->debounce_head;
    d->debounce_head = st;
    d->debounce_count++;
    plat_cond_signal(&d->timer_wake);
    plat_mutex_unlock(&d->lock);
}

/* Adds ev to r's batch. Returns the whole batch when it just reached batch_max (the caller runs it),
 * else NULL; the first event of a batch starts its batch_ms clock. */
wee_event **dispatcher_collect_batch(dispatcher *d, rule *r, rule_set *rs, wee_event *ev, size_t *count)
{
    rule_state *st = r->state;
    wee_event **full = NULL;
    plat_mutex_lock(&st->debounce_lock);
    if (st->batch_count == st->batch_cap) {
        size_t cap = st->batch_cap ? st->batch_cap * 2 : 16;
        if (cap > (size_t)r->batch_max) cap = (size_t)r->batch_max;
        wee_event **b = realloc(st->batch, cap * sizeof *b);
        if (!b) {
            plat_mutex_unlock(&st->debounce_lock);
            atomic_fetch_add(&d->dropped, 1); /* out of memory: a loss, counted */
            return NULL;
        }
        st->batch = b;
        st->batch_cap = cap;
    }
    if (st->batch_count == 0) st->batch_deadline_ns = plat_monotonic_ns() + (uint64_t)r->batch_ms * 1000000ull;
    st->batch[st->batch_count++] = event_ref(ev);
    if (st->batch_count == (size_t)r->batch_max) {
        full = st->batch;
        *count = st->batch_count;
        st->batch = NULL;
        st->batch_count = st->batch_cap = 0;
    }
    int need_entry = !full && !st->timed_listed; /* a taken batch leaves nothing for the timer */
    if (need_entry) st->timed_listed = 1;
    plat_mutex_unlock(&st->debounce_lock);
    if (need_entry) add_timed_entry(d, r, rs);
    return full;
}

/* Caller holds d->lock. */
void dispatcher_report_drops(dispatcher *d, uint64_t now)
{
    uint64_t dropped = atomic_load(&d->dropped);
    if (dropped == d->dropped_reported || now - d->last_drop_report_ns < DROP_REPORT_INTERVAL_NS) return;
    wee_event *ev = event_new("engine.events_dropped");
    if (!ev) return;
    uint64_t n = dropped - d->dropped_reported;
    d->dropped_reported = dropped;
    d->last_drop_report_ns = now;
    host_api_stamp(ev, "engine");
    event_set_int(ev, "count", (int64_t)n);
    event_set_string(ev, "reason", d->policy == OVERFLOW_DROP_OLDEST ? "queue full; oldest events dropped"
                     : d->policy == OVERFLOW_DROP_NEWEST ? "queue full; new events dropped"
                     : "engine stopping or out of memory");
    log_write(WEE_LOG_WARN, "dispatcher", "%llu event(s) dropped since the last report (%s); raise "
              "engine.queue_capacity or engine.workers, or use \"overflow\": \"block\"",
              (unsigned long long)n, event_get_string(ev, "reason"));
    atomic_fetch_add(&d->received, 1);
    dispatcher_push_direct(d, ev, NULL, NULL);
}

/* Caller holds d->lock. Fires due (or, when flushing, all) debounced rules and batches; returns the next
 * deadline. */
uint64_t dispatcher_fire_debounced(dispatcher *d, uint64_t now, int flush)
{
    uint64_t next = now + DROP_REPORT_INTERVAL_NS;
    for (rule_state **link = &d->debounce_head; *link;) {
        rule_state *st = *link;
        wee_event *ev = NULL, **batch = NULL;
        size_t batch_count = 0;
        int pending;
        plat_mutex_lock(&st->debounce_lock);
        pending = st->debounce_event != NULL || st->batch_count > 0;
        uint64_t deadline = st->debounce_event ? st->debounce_deadline_ns : st->batch_deadline_ns;
        if (pending && (flush || deadline <= now)) {
            ev = st->debounce_event;
            st->debounce_event = NULL;
            if (st->batch_count) {
                batch = st->batch;
                batch_count = st->batch_count;
                st->batch = NULL;
                st->batch_count = st->batch_cap = 0;
            }
        } else if (pending && deadline < next) {
            next = deadline;
        }
        int unlist = ev || batch || !pending;
        if (unlist) st->timed_listed = 0;
        plat_mutex_unlock(&st->debounce_lock);
        if (unlist) {
            rule *r = st->debounce_rule;
            rule_set *set = st->debounce_set;
            *link = st->debounce_next;
            st->debounce_next = NULL;
            st->debounce_rule = NULL;
            st->debounce_set = NULL;
            d->debounce_count--;
            if (ev || batch) dispatcher_push_direct_job(d, ev, r, set, batch, batch_count);
            else rule_set_unref(set);
            continue;
        }
        link = &st->debounce_next;
    }
    return next;
}

typedef struct due_ctx { dispatcher *d; rule *r; rule_set *rs; } due_ctx;

static void fire_remembered(void *p, wee_event *ev)
{
    due_ctx *c = p;
    dispatcher_push_direct(c->d, ev, c->r, rule_set_ref(c->rs));
}

/* Caller holds d->lock. Lets stateful rules see time pass (absences fire, stale groups go); returns the
 * earliest deadline among them. */
static uint64_t pass_time(dispatcher *d, uint64_t now, uint64_t next)
{
    rule_set *rs = dispatcher_acquire_rules(d);
    for (size_t i = 0; i < rule_set_stateful_count(rs); i++) {
        rule *r = rule_set_stateful_at(rs, i);
        if (!r->enabled || !r->state->memory) continue;
        due_ctx c = { d, r, rs };
        uint64_t due = rule_memory_due(r->state->memory, r, now, fire_remembered, &c);
        if (due < next) next = due;
    }
    rule_set_unref(rs);
    return next;
}

void dispatcher_timer_main(void *arg)
{
    dispatcher *d = arg;
    plat_mutex_lock(&d->lock);
    while (!d->timer_stop) {
        uint64_t now = plat_monotonic_ns();
        uint64_t next = pass_time(d, now, dispatcher_fire_debounced(d, now, 0));
        dispatcher_report_drops(d, now);
        int64_t wait_ms = (int64_t)((next - now) / 1000000ull) + 1;
        plat_cond_timedwait(&d->timer_wake, &d->lock, wait_ms);
    }
    plat_mutex_unlock(&d->lock);
}
