/*
 * core/dispatcher_worker.c - a worker of the dispatcher (see dispatcher_internal.h): takes one job at a
 * time, finds the rules the event reaches, applies conditions, memory, throttle, debounce and batches,
 * and runs the actions in order; shows what it did to the console's live view when someone watches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "dispatcher_internal.h"
#include "event.h"
#include "event_batch.h"
#include "host_api.h"
#include "log.h"
#include "rule_memory.h"

static void run_actions(worker *w, rule *r, const wee_event *ev)
{
    dispatcher *d = w->d;
    if (r->serial) plat_mutex_lock(&r->state->serial_lock);
    atomic_fetch_add_explicit(&r->state->fired, 1, memory_order_relaxed);
    atomic_store_explicit(&r->state->last_fired_ms, plat_wall_time_ms(), memory_order_relaxed);
    wee_event *results = event_new("results");
    for (size_t i = 0; i < r->action_count; i++) {
        rule_action *a = &r->actions[i];
        struct wee_action_call call;
        action_call_init(&call, a->params, ev, results, a->module->desc.name, r->name, w->index);
        call.emit = dispatcher_submit_from_action;
        call.emit_ctx = d;
        uint64_t t0 = plat_monotonic_ns();
        plat_mutex_lock(&w->doing_lock);
        w->doing_rule = r;
        w->doing_action = i;
        w->doing_event = ev->type;
        w->doing_since = t0 ? t0 : 1;
        plat_mutex_unlock(&w->doing_lock);
        int rc = action_call_run(&call, &a->module->desc, a->instance);
        plat_mutex_lock(&w->doing_lock);
        w->doing_since = 0;
        plat_mutex_unlock(&w->doing_lock);
        mtable_observe(&w->metrics[DM_ACTIONS], a->module->desc.name, rc == 0 ? "ok" : "error",
                       plat_monotonic_ns() - t0);
        const char *error = rc == 0 ? NULL : action_call_error_text(&call, rc);
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
        wee_event **full = dispatcher_collect_batch(w->d, r, c->rs, ev, &n);
        if (full) run_batch(w, r, full, n);
    } else if (r->debounce_ms > 0) {
        dispatcher_schedule_debounce(w->d, r, c->rs, ev);
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
    if (!strbuf_failed(&line)) event_tap_publish(tap, line.data, line.len);
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
    rule_set *rs = dispatcher_acquire_rules(w->d);
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

void dispatcher_worker_main(void *arg)
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
