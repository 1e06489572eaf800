/*
 * core/dispatcher.c - starting and stopping the dispatcher (see dispatcher.h; its parts are listed in
 * dispatcher_internal.h): the worker and timer threads, the stop that drains and flushes or gives up on
 * stuck workers, the figures, teardown.
 */
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "dispatcher_internal.h"
#include "event.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "wee/errors.h"

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
        if (plat_thread_start(&w->thread, dispatcher_worker_main, w) != 0) break;
    }
    if (started == workers) timer_started = plat_thread_start(&d->timer, dispatcher_timer_main, d) == 0;
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

/* The file an action runs (a script: its WEE_OPTF_WATCHED_FILE option, as hot reload watches it), for
 * the stuck-worker report; NULL if none. */
static const char *watched_file(const rule_action *a)
{
    const char *file = NULL;
    options_watched_files(a->params, loader_action_options(&a->module->desc), &file, 1);
    return file;
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
                const char *file = watched_file(a);
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
        if (pending) dispatcher_fire_debounced(d, plat_monotonic_ns(), 1);
        dispatcher_report_drops(d, plat_monotonic_ns() + DROP_REPORT_INTERVAL_NS * 2);
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
        dispatcher_release_batch(j->batch, j->batch_count);
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
