#include "dispatcher.h"
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "event.h"
#include "event_batch.h"
#include "event_tap.h"
#include "host_api.h"
#include "log.h"
#include "metrics_table.h"
#include "options.h"
#include "platform/platform.h"
#include "rule_memory.h"
#include "rule_state.h"
#include "wee/errors.h"

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

static rule_set *acquire_rules(dispatcher *d)
{
    plat_mutex_lock(&d->rules_lock);
    rule_set *rs = d->rules ? rule_set_ref(d->rules) : NULL;
    plat_mutex_unlock(&d->rules_lock);
    return rs;
}

rule_set *dispatcher_rules(dispatcher *d) { return acquire_rules(d); }

void dispatcher_swap_rules(dispatcher *d, rule_set *rules)
{
    plat_mutex_lock(&d->rules_lock);
    rule_set *old = d->rules;
    d->rules = rules;
    plat_mutex_unlock(&d->rules_lock);
    if (old) rule_set_unref(old);
}

static void release_batch(wee_event **batch, size_t count)
{
    for (size_t i = 0; i < count; i++) event_unref(batch[i]);
    free(batch);
}

/* Caller holds d->lock. */
static void push_direct_job(dispatcher *d, wee_event *ev, rule *r, rule_set *set, wee_event **batch, size_t batch_count)
{
    job *j = malloc(sizeof *j);
    if (!j) {
        /* Out of memory: count it as a drop rather than lose it silently. */
        atomic_fetch_add(&d->dropped, 1);
        event_unref(ev);
        release_batch(batch, batch_count);
        if (set) rule_set_unref(set);
        return;
    }
    *j = (job){ ev, r, set, batch, batch_count, NULL };
    if (d->direct_tail) d->direct_tail->next = j; else d->direct_head = j;
    d->direct_tail = j;
    plat_cond_signal(&d->not_empty);
}

static void push_direct(dispatcher *d, wee_event *ev, rule *r, rule_set *set) { push_direct_job(d, ev, r, set, NULL, 0); }

static int submit(dispatcher *d, wee_event *ev, int may_block)
{
    atomic_fetch_add(&d->received, 1);
    plat_mutex_lock(&d->lock);
    if (!d->accepting) {
        plat_mutex_unlock(&d->lock);
        atomic_fetch_add(&d->dropped, 1);
        event_unref(ev);
        return WEE_ESTOPPED;
    }
    if (d->count == d->capacity) {
        if (!may_block) {
            /* Events raised by actions must not wait on the queue their own worker drains. */
            push_direct(d, ev, NULL, NULL);
            plat_mutex_unlock(&d->lock);
            return 0;
        }
        if (d->policy == OVERFLOW_BLOCK) {
            while (d->count == d->capacity && d->accepting) plat_cond_wait(&d->not_full, &d->lock);
            if (!d->accepting) {
                plat_mutex_unlock(&d->lock);
                atomic_fetch_add(&d->dropped, 1);
                event_unref(ev);
                return WEE_ESTOPPED;
            }
        } else if (d->policy == OVERFLOW_DROP_NEWEST) {
            plat_mutex_unlock(&d->lock);
            atomic_fetch_add(&d->dropped, 1);
            event_unref(ev);
            plat_cond_signal(&d->timer_wake);
            return WEE_EFULL;
        } else {
            job *old = &d->ring[d->head];
            event_unref(old->ev);
            d->head = (d->head + 1) % d->capacity;
            d->count--;
            atomic_fetch_add(&d->dropped, 1);
            plat_cond_signal(&d->timer_wake);
        }
    }
    d->ring[(d->head + d->count) % d->capacity] = (job){ ev, NULL, NULL, NULL, 0, NULL };
    d->count++;
    plat_cond_signal(&d->not_empty);
    plat_mutex_unlock(&d->lock);
    return 0;
}

int dispatcher_submit(dispatcher *d, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    return submit(d, ev, 1);
}

static int submit_from_action(void *ctx, wee_event *ev) { return submit(ctx, ev, 0); }

static void run_actions(worker *w, rule *r, const wee_event *ev)
{
    dispatcher *d = w->d;
    if (r->serial) plat_mutex_lock(&r->state->serial_lock);
    atomic_fetch_add_explicit(&r->state->fired, 1, memory_order_relaxed);
    wee_event *results = event_new("results");
    for (size_t i = 0; i < r->action_count; i++) {
        rule_action *a = &r->actions[i];
        struct wee_action_call call;
        action_call_init(&call, a->params, ev, results, a->module->desc.name, r->name, w->index);
        call.emit = submit_from_action;
        call.emit_ctx = d;
        uint64_t t0 = plat_monotonic_ns();
        plat_mutex_lock(&w->doing_lock);
        w->doing_rule = r;
        w->doing_action = i;
        w->doing_event = ev->type;
        w->doing_since = t0 ? t0 : 1;
        plat_mutex_unlock(&w->doing_lock);
        int rc = a->module->desc.action_run(a->instance, &call);
        plat_mutex_lock(&w->doing_lock);
        w->doing_since = 0;
        plat_mutex_unlock(&w->doing_lock);
        mtable_observe(&w->metrics[DM_ACTIONS], a->module->desc.name, rc == 0 ? "ok" : "error",
                       plat_monotonic_ns() - t0);
        const char *error = rc == 0 ? NULL : call.error.len ? strbuf_cstr(&call.error) : wee_strerror(rc);
        if (w->tap_actions) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "action", a->module->desc.name);
            cJSON_AddStringToObject(o, "path", a->json_path);
            cJSON_AddBoolToObject(o, "ok", rc == 0);
            if (error) cJSON_AddStringToObject(o, "error", error);
            event_tap_add_results(o, results, a->module->desc.name);
            cJSON_AddItemToArray(w->tap_actions, o);
        }
        if (rc == 0) {
            atomic_fetch_add_explicit(&w->ok, 1, memory_order_relaxed);
        } else {
            atomic_fetch_add_explicit(&w->failed, 1, memory_order_relaxed);
            event_tap_failure(d->tap, r->name, a->json_path, a->module->desc.name, ev->type, error);
            log_write(WEE_LOG_WARN, a->module->desc.name, "rule '%s' %s (%s) failed on %s: %s%s", r->name,
                      a->json_path, a->module->desc.name, ev->type, error,
                      a->on_error == ON_ERROR_STOP && i + 1 < r->action_count ? "; later actions skipped (on_error: stop)" : "");
        }
        action_call_finish(&call);
        if (rc != 0 && a->on_error == ON_ERROR_STOP) break;
    }
    event_unref(results);
    if (r->serial) plat_mutex_unlock(&r->state->serial_lock);
}

/* 1 if the throttle window lets this firing through (and claims it). */
static int throttle_admits(rule *r)
{
    if (r->throttle_ms <= 0) return 1;
    uint64_t now = plat_monotonic_ns(), window = (uint64_t)r->throttle_ms * 1000000ull;
    uint64_t last = atomic_load(&r->state->last_fire_ns);
    for (;;) {
        /* now < last: another worker, which read the clock after us, fired first; unsigned now - last
         * would wrap and admit a second firing (seen under ThreadSanitizer's timing in test_dispatcher). */
        if (last != 0 && (now < last || now - last < window)) return 0;
        if (atomic_compare_exchange_weak(&r->state->last_fire_ns, &last, now ? now : 1)) return 1;
    }
}

static void add_timed_entry(dispatcher *d, rule *r, rule_set *rs);

static void schedule_debounce(dispatcher *d, rule *r, rule_set *rs, wee_event *ev)
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
static wee_event **collect_batch(dispatcher *d, rule *r, rule_set *rs, wee_event *ev, size_t *count)
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

static void run_if_admitted(worker *w, rule *r, const wee_event *ev)
{
    if (!throttle_admits(r)) {
        atomic_fetch_add_explicit(&w->suppressed, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&r->state->suppressed, 1, memory_order_relaxed);
        return;
    }
    run_actions(w, r, ev);
}

/* A batch that is complete: one event carrying all of them (event_batch.h), the actions run once. */
static void run_batch(worker *w, rule *r, wee_event **batch, size_t count)
{
    wee_event *ev = event_batch_new(batch, count);
    if (!ev) {
        atomic_fetch_add(&w->d->dropped, count); /* out of memory: every collected event is a loss */
        return;
    }
    run_if_admitted(w, r, ev);
    event_unref(ev);
}

typedef struct visit_ctx { worker *w; wee_event *ev; rule_set *rs; } visit_ctx;

static int visit_rule(rule *r, void *p)
{
    visit_ctx *c = p;
    worker *w = c->w;
    atomic_fetch_add_explicit(&w->evaluated, 1, memory_order_relaxed);
    if (c->ev->by_engine && !r->allow_engine_events) return 0;
    if (r->when && !cond_eval(r->when, c->ev)) return 0;
    wee_event *fired = NULL; /* a stateful rule fires with its own event (rule_memory.h) */
    if (r->memory.kind != MEMORY_NONE &&
        !(fired = rule_memory_observe(r->state->memory, r, c->ev, plat_monotonic_ns(), NULL, 0)))
        return 0;
    wee_event *ev = fired ? fired : c->ev;
    atomic_fetch_add_explicit(&w->matched, 1, memory_order_relaxed);
    mtable_add(&w->metrics[DM_RULES], r->name, NULL, 1);
    if (w->tap_rules) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", r->name);
        if (r->batch_ms > 0) cJSON_AddStringToObject(o, "deferred", "batch");
        else if (r->debounce_ms > 0) cJSON_AddStringToObject(o, "deferred", "debounce");
        w->tap_actions = cJSON_AddArrayToObject(o, "actions");
        cJSON_AddItemToArray(w->tap_rules, o);
    }
    if (r->batch_ms > 0) {
        size_t n = 0;
        wee_event **full = collect_batch(w->d, r, c->rs, ev, &n);
        if (full) run_batch(w, r, full, n);
    } else if (r->debounce_ms > 0) {
        schedule_debounce(w->d, r, c->rs, ev);
    } else {
        run_if_admitted(w, r, ev);
    }
    event_unref(fired);
    return 0;
}

/* One line for the live view: {"time": ..., "event": {...}, "rules": [...]}. An event too large for
 * the tap is shown by its type with "truncated": true. */
static void publish(event_tap *tap, const wee_event *ev, cJSON *rules)
{
    char when[40];
    plat_format_rfc3339(plat_wall_time_ms(), when, sizeof when);
    char *event_json = event_to_json(ev);
    char *rules_json = cJSON_PrintUnformatted(rules);
    strbuf line = STRBUF_INIT;
    strbuf_printf(&line, "{\"time\":\"%s\",\"rules\":%s,\"event\":", when, rules_json ? rules_json : "[]");
    if (event_json && strlen(event_json) + line.len + 2 <= TAP_ITEM_MAX) {
        strbuf_puts(&line, event_json);
    } else {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "type", ev->type);
        cJSON_AddBoolToObject(t, "truncated", 1);
        char *short_json = cJSON_PrintUnformatted(t);
        strbuf_puts(&line, short_json ? short_json : "{}");
        free(short_json);
        cJSON_Delete(t);
    }
    strbuf_putc(&line, '}');
    event_tap_publish(tap, line.data, line.len);
    strbuf_free(&line);
    free(rules_json);
    free(event_json);
}

static void process_job(worker *w, job *j)
{
    if (j->direct) {
        /* A debounce, batch or absence firing reaches the live view too, with what its actions returned. */
        const wee_event *shown = j->ev ? j->ev : j->batch_count ? j->batch[0] : NULL;
        if (shown && event_tap_watched(w->d->tap) && (w->tap_rules = cJSON_CreateArray())) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "rule", j->direct->name);
            cJSON_AddStringToObject(o, "fired", j->batch ? "batch" : j->direct->debounce_ms > 0 ? "debounce" : "memory");
            if (j->batch) cJSON_AddNumberToObject(o, "events", (double)j->batch_count);
            w->tap_actions = cJSON_AddArrayToObject(o, "actions");
            cJSON_AddItemToArray(w->tap_rules, o);
        }
        wee_event *keep = shown && w->tap_rules ? event_ref((wee_event *)shown) : NULL; /* run_batch takes the batch */
        if (j->batch) run_batch(w, j->direct, j->batch, j->batch_count);
        else run_if_admitted(w, j->direct, j->ev);
        if (w->tap_rules) publish(w->d->tap, keep, w->tap_rules);
        cJSON_Delete(w->tap_rules);
        w->tap_rules = w->tap_actions = NULL;
        event_unref(keep);
        event_unref(j->ev);
        rule_set_unref(j->direct_set);
        return;
    }
    uint64_t t0 = plat_monotonic_ns();
    const char *source = event_get_string(j->ev, "source");
    rule_set *rs = acquire_rules(w->d);
    if (event_tap_watched(w->d->tap)) w->tap_rules = cJSON_CreateArray();
    if (rs) {
        visit_ctx c = { w, j->ev, rs };
        rule_set_candidates(rs, j->ev->type, source, j->ev, visit_rule, &c);
        rule_set_unref(rs);
    }
    if (w->tap_rules) publish(w->d->tap, j->ev, w->tap_rules);
    cJSON_Delete(w->tap_rules);
    w->tap_rules = w->tap_actions = NULL;
    mtable_add(&w->metrics[DM_EVENTS], source ? source : "", j->ev->type, 1);
    mtable_observe(&w->metrics[DM_PROCESSING], NULL, NULL, plat_monotonic_ns() - t0);
    event_unref(j->ev);
    atomic_fetch_add_explicit(&w->processed, 1, memory_order_release);
}

static void worker_main(void *arg)
{
    worker *w = arg;
    dispatcher *d = w->d;
    plat_mutex_lock(&d->lock);
    for (;;) {
        while (!d->direct_head && d->count == 0 && !d->stopping) plat_cond_wait(&d->not_empty, &d->lock);
        job j, *heap_job = NULL;
        if (d->direct_head) {
            heap_job = d->direct_head;
            d->direct_head = heap_job->next;
            if (!d->direct_head) d->direct_tail = NULL;
            j = *heap_job;
        } else if (d->count) {
            j = d->ring[d->head];
            d->head = (d->head + 1) % d->capacity;
            d->count--;
            plat_cond_signal(&d->not_full);
        } else {
            break; /* stopping and nothing left */
        }
        d->busy++;
        plat_mutex_unlock(&d->lock);
        free(heap_job);
        process_job(w, &j);
        plat_mutex_lock(&d->lock);
        d->busy--;
        if (d->busy == 0 && d->count == 0 && !d->direct_head) plat_cond_broadcast(&d->idle);
    }
    plat_mutex_unlock(&d->lock);
}

/* Caller holds d->lock. */
static void maybe_report_drops(dispatcher *d, uint64_t now)
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
    push_direct(d, ev, NULL, NULL);
}

/* Caller holds d->lock. Fires due (or, when flushing, all) debounced rules and batches; returns the next
 * deadline. */
static uint64_t fire_debounced(dispatcher *d, uint64_t now, int flush)
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
            if (ev || batch) push_direct_job(d, ev, r, set, batch, batch_count);
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
    push_direct(c->d, ev, c->r, rule_set_ref(c->rs));
}

/* Caller holds d->lock. Lets stateful rules see time pass (absences fire, stale groups go); returns the
 * earliest deadline among them. */
static uint64_t pass_time(dispatcher *d, uint64_t now, uint64_t next)
{
    rule_set *rs = acquire_rules(d);
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

static void timer_main(void *arg)
{
    dispatcher *d = arg;
    plat_mutex_lock(&d->lock);
    while (!d->timer_stop) {
        uint64_t now = plat_monotonic_ns();
        uint64_t next = pass_time(d, now, fire_debounced(d, now, 0));
        maybe_report_drops(d, now);
        int64_t wait_ms = (int64_t)((next - now) / 1000000ull) + 1;
        plat_cond_timedwait(&d->timer_wake, &d->lock, wait_ms);
    }
    plat_mutex_unlock(&d->lock);
}

/* The dispatcher's locks and conditions, and the first `workers` workers' doing_lock. */
static void destroy_sync(dispatcher *d, unsigned workers)
{
    for (unsigned i = 0; i < workers; i++) plat_mutex_destroy(&d->workers[i].doing_lock);
    plat_cond_destroy(&d->not_empty);
    plat_cond_destroy(&d->not_full);
    plat_cond_destroy(&d->idle);
    plat_cond_destroy(&d->timer_wake);
    plat_mutex_destroy(&d->lock);
    plat_mutex_destroy(&d->rules_lock);
}

dispatcher *dispatcher_new(unsigned workers, size_t capacity, overflow_policy policy, rule_set *rules)
{
    if (workers == 0) workers = plat_cpu_count();
    if (capacity == 0) capacity = 4096;
    dispatcher *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->ring = calloc(capacity, sizeof *d->ring);
    d->workers = calloc(workers, sizeof *d->workers);
    mtable *tables = calloc((size_t)workers * DM_COUNT, sizeof *tables);
    if (!d->ring || !d->workers || !tables) { free(d->ring); free(d->workers); free(tables); free(d); return NULL; }
    for (unsigned i = 0; i < workers; i++) d->workers[i].metrics = tables + (size_t)i * DM_COUNT;
    d->capacity = capacity;
    d->policy = policy;
    d->accepting = 1;
    d->rules = rules;
    d->nworkers = workers;
    d->tap = event_tap_new();
    atomic_init(&d->received, 0);
    atomic_init(&d->dropped, 0);
    plat_mutex_init(&d->lock);
    plat_mutex_init(&d->rules_lock);
    plat_cond_init(&d->not_empty);
    plat_cond_init(&d->not_full);
    plat_cond_init(&d->idle);
    plat_cond_init(&d->timer_wake);
    /* One index more than the workers: the last is for actions run outside them, by the console's
     * event tester (rule_test.h, one run at a time), so it never shares a worker's per-worker state. */
    action_call_set_worker_count(workers + 1);
    unsigned started = 0;
    int timer_started = 0;
    for (; started < workers; started++) {
        worker *w = &d->workers[started];
        w->d = d;
        w->index = started;
        plat_mutex_init(&w->doing_lock);
        if (plat_thread_start(&w->thread, worker_main, w) != 0) break;
    }
    if (started == workers) timer_started = plat_thread_start(&d->timer, timer_main, d) == 0;
    if (!timer_started) {
        /* Out of threads: stop the ones that did start and join only those (joining a thread that
         * never started is undefined). The caller keeps its reference to `rules`. */
        log_write(WEE_LOG_ERROR, "dispatcher", "cannot start %s (%u of %u worker thread(s) started)",
                  started < workers ? "a worker thread" : "the timer thread", started, workers);
        plat_mutex_lock(&d->lock);
        d->stopping = 1;
        d->accepting = 0;
        plat_cond_broadcast(&d->not_empty);
        plat_mutex_unlock(&d->lock);
        for (unsigned i = 0; i < started; i++) plat_thread_join(&d->workers[i].thread);
        destroy_sync(d, started + (started < workers));
        free(tables);
        free(d->ring);
        free(d->workers);
        event_tap_free(d->tap);
        free(d);
        return NULL;
    }
    return d;
}

void dispatcher_get_stats(dispatcher *d, dispatcher_stats *s)
{
    memset(s, 0, sizeof *s);
    for (unsigned i = 0; i < d->nworkers; i++) {
        worker *w = &d->workers[i];
        s->processed += atomic_load_explicit(&w->processed, memory_order_acquire);
        s->rules_evaluated += atomic_load_explicit(&w->evaluated, memory_order_relaxed);
        s->rules_matched += atomic_load_explicit(&w->matched, memory_order_relaxed);
        s->actions_ok += atomic_load_explicit(&w->ok, memory_order_relaxed);
        s->actions_failed += atomic_load_explicit(&w->failed, memory_order_relaxed);
        s->suppressed += atomic_load_explicit(&w->suppressed, memory_order_relaxed);
    }
    s->dropped = atomic_load(&d->dropped);
    s->received = atomic_load(&d->received);
    plat_mutex_lock(&d->lock);
    s->queued = d->count;
    for (job *j = d->direct_head; j; j = j->next) if (!j->direct) s->queued++;
    plat_mutex_unlock(&d->lock);
}

int dispatcher_wait_idle(dispatcher *d, int64_t timeout_ms)
{
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    plat_mutex_lock(&d->lock);
    while (d->busy || d->count || d->direct_head) {
        uint64_t now = plat_monotonic_ns();
        if (now >= deadline) { plat_mutex_unlock(&d->lock); return WEE_ETIMEOUT; }
        plat_cond_timedwait(&d->idle, &d->lock, (int64_t)((deadline - now) / 1000000ull) + 1);
    }
    plat_mutex_unlock(&d->lock);
    return 0;
}

/* Workers that have been in one action for grace_ns, counted from the later of the action's start and
 * the stop's: each is logged with its rule, action and event. Returns how many. */
static unsigned report_stuck(dispatcher *d, uint64_t stop_ns, uint64_t grace_ns, int log_them)
{
    uint64_t now = plat_monotonic_ns();
    unsigned stuck = 0;
    for (unsigned i = 0; i < d->nworkers; i++) {
        worker *w = &d->workers[i];
        plat_mutex_lock(&w->doing_lock);
        uint64_t since = w->doing_since, from = since > stop_ns ? since : stop_ns;
        if (since && now - from >= grace_ns) {
            stuck++;
            if (log_them) {
                const rule_action *a = &w->doing_rule->actions[w->doing_action];
                const char *file = options_string(options_static_view(a->params), "file");
                log_write(WEE_LOG_ERROR, "engine", "stop: worker %u has been in rule '%s' %s (%s%s%s%s) on %s for "
                          "%llu ms, %llu ms after the stop began; giving up on it", i, w->doing_rule->name,
                          a->json_path, a->module->desc.name, file ? ", file \"" : "", file ? file : "",
                          file ? "\"" : "", w->doing_event, (unsigned long long)((now - since) / 1000000u),
                          (unsigned long long)((now - stop_ns) / 1000000u));
            }
        }
        plat_mutex_unlock(&w->doing_lock);
    }
    return stuck;
}

/* Waits until no event is queued and no worker busy; with grace_ms > 0 gives up once a worker is stuck
 * (report_stuck) and returns how many are. */
static unsigned wait_idle_or_stuck(dispatcher *d, uint64_t stop_ns, int64_t grace_ms)
{
    if (grace_ms <= 0) {
        dispatcher_wait_idle(d, INT64_MAX / 2000000);
        return 0;
    }
    uint64_t grace_ns = (uint64_t)grace_ms * 1000000u;
    while (dispatcher_wait_idle(d, 50) != 0)
        if (report_stuck(d, stop_ns, grace_ns, 0)) return report_stuck(d, stop_ns, grace_ns, 1);
    return 0;
}

unsigned dispatcher_stop_within(dispatcher *d, int64_t grace_ms)
{
    uint64_t stop_ns = plat_monotonic_ns();
    plat_mutex_lock(&d->lock);
    if (d->stopping) { plat_mutex_unlock(&d->lock); return 0; }
    d->timer_stop = 1;
    plat_cond_signal(&d->timer_wake);
    plat_mutex_unlock(&d->lock);
    plat_thread_join(&d->timer);
    /* Queued events may still schedule debounces, and flushed debounces may raise events that do:
     * drain and flush until both are empty, so a pending firing is never lost at stop. */
    for (;;) {
        unsigned stuck = wait_idle_or_stuck(d, stop_ns, grace_ms);
        if (stuck) {
            plat_mutex_lock(&d->lock);
            d->accepting = 0; /* the stuck workers are left as they are: not joined, nothing freed */
            size_t queued = d->count;
            for (job *j = d->direct_head; j; j = j->next) queued++;
            plat_mutex_unlock(&d->lock);
            log_write(WEE_LOG_ERROR, "engine", "stop: %u worker(s) stuck past engine.stop_grace_ms (%lld ms); %zu "
                      "queued event(s) not processed", stuck, (long long)grace_ms, queued);
            return stuck;
        }
        plat_mutex_lock(&d->lock);
        int pending = d->debounce_count > 0;
        if (pending) fire_debounced(d, plat_monotonic_ns(), 1);
        maybe_report_drops(d, plat_monotonic_ns() + DROP_REPORT_INTERVAL_NS * 2);
        int more = pending || d->direct_head != NULL;
        plat_mutex_unlock(&d->lock);
        if (!more) break;
    }
    plat_mutex_lock(&d->lock);
    d->accepting = 0;
    d->stopping = 1;
    plat_cond_broadcast(&d->not_empty);
    plat_cond_broadcast(&d->not_full);
    plat_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nworkers; i++) plat_thread_join(&d->workers[i].thread);
    return 0;
}

void dispatcher_drain_and_stop(dispatcher *d) { (void)dispatcher_stop_within(d, 0); }

void dispatcher_free(dispatcher *d)
{
    if (!d) return;
    dispatcher_drain_and_stop(d);
    for (size_t i = 0; i < d->count; i++) event_unref(d->ring[(d->head + i) % d->capacity].ev);
    while (d->direct_head) {
        job *j = d->direct_head;
        d->direct_head = j->next;
        event_unref(j->ev);
        release_batch(j->batch, j->batch_count);
        if (j->direct_set) rule_set_unref(j->direct_set);
        free(j);
    }
    while (d->debounce_head) {
        rule_state *st = d->debounce_head;
        d->debounce_head = st->debounce_next;
        st->debounce_next = NULL;
        rule_set_unref(st->debounce_set);
    }
    if (d->rules) rule_set_unref(d->rules);
    event_tap_free(d->tap);
    destroy_sync(d, d->nworkers);
    for (unsigned i = 0; i < d->nworkers; i++)
        for (int m = 0; m < DM_COUNT; m++) mtable_free_keys(&d->workers[i].metrics[m]);
    free(d->workers[0].metrics);
    free(d->ring);
    free(d->workers);
    free(d);
}

size_t dispatcher_metric_tables(dispatcher *d, dispatcher_metric m, mtable **out, size_t max)
{
    size_t n = 0;
    for (unsigned i = 0; i < d->nworkers && n < max; i++) out[n++] = &d->workers[i].metrics[m];
    return n;
}

event_tap *dispatcher_tap(dispatcher *d) { return d->tap; }

unsigned dispatcher_worker_count(const dispatcher *d) { return d->nworkers; }
