/*
 * Dispatcher: queue accounting under each overflow policy, each event handled exactly once, serial
 * rules, throttle, debounce, on_error, and the synthetic engine.events_dropped event.
 * Rules are built by hand around an in-process action module (a static descriptor), so these tests
 * exercise the real dispatcher, rule index and action-call path without any file system.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "dispatcher.h"
#include "event.h"
#include "host_api.h"
#include "platform/platform.h"
#include "rule_state.h"
#include "wee/wee.h"

/* --- the test action: counts runs, can block on a gate, tracks concurrency --- */
typedef struct probe {
    atomic_int runs, active, max_active, fail;
    atomic_llong last_seq, first_seq;
    plat_mutex gate_lock;
    plat_cond gate_cond;
    int gate_closed;
    int sleep_ms;
} probe;

static probe P1, P2;

static int probe_run(void *inst, wee_action_call *call)
{
    probe *p = inst;
    const wee_host_api *h = host_api_get();
    int now = atomic_fetch_add(&p->active, 1) + 1;
    int prev = atomic_load(&p->max_active);
    while (now > prev && !atomic_compare_exchange_weak(&p->max_active, &prev, now)) {}
    plat_mutex_lock(&p->gate_lock);
    while (p->gate_closed) plat_cond_wait(&p->gate_cond, &p->gate_lock);
    plat_mutex_unlock(&p->gate_lock);
    if (p->sleep_ms) plat_sleep_ms(p->sleep_ms);
    int64_t n = h->event_get_int(h->call_event(call), "n", -1);
    atomic_store(&p->last_seq, n);
    if (atomic_fetch_add(&p->runs, 1) == 0) atomic_store(&p->first_seq, n);
    atomic_fetch_sub(&p->active, 1);
    if (atomic_load(&p->fail)) { h->call_set_error(call, "probe failing on purpose"); return WEE_EFAILED; }
    return 0;
}
static int probe_create(const wee_host_api *h, const wee_options *o, void **inst, char *e, size_t n) { (void)h; (void)o; (void)inst; (void)e; (void)n; return 0; }
static void probe_destroy(void *inst) { (void)inst; }

static loaded_module PROBE_MOD = {
    .path = "(in-process)",
    .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, .name = "probe",
              .kind = WEE_MODULE_ACTION, .action_create = probe_create, .action_run = probe_run,
              .action_destroy = probe_destroy },
};

static void probe_reset(probe *p)
{
    memset(p, 0, sizeof *p);
    plat_mutex_init(&p->gate_lock);
    plat_cond_init(&p->gate_cond);
}

static void gate(probe *p, int closed)
{
    plat_mutex_lock(&p->gate_lock);
    p->gate_closed = closed;
    plat_cond_broadcast(&p->gate_cond);
    plat_mutex_unlock(&p->gate_lock);
}

static char *xstrdup(const char *s) { size_t n = strlen(s) + 1; char *p = malloc(n); memcpy(p, s, n); return p; }

/* One rule on `event` running the given probes in order. */
static void make_rule(rule *r, size_t index, const char *event, probe *a, probe *b, on_error_policy on_err)
{
    memset(r, 0, sizeof *r);
    r->name = xstrdup("r");
    r->enabled = 1;
    r->event_pattern = xstrdup(event);
    r->event_is_glob = strchr(event, '*') != NULL;
    r->index = index;
    r->json_path = xstrdup("rules[0]");
    r->state = rule_state_new();
    r->action_count = b ? 2 : 1;
    r->actions = calloc(r->action_count, sizeof *r->actions);
    r->actions[0] = (rule_action){ &PROBE_MOD, NULL, a, on_err, xstrdup("rules[0].do[0]") };
    if (b) r->actions[1] = (rule_action){ &PROBE_MOD, NULL, b, ON_ERROR_STOP, xstrdup("rules[0].do[1]") };
}

static rule_set *one_rule_set(const char *event, probe *a, probe *b, on_error_policy on_err, void (*tweak)(rule *))
{
    rule *rules = calloc(1, sizeof *rules);
    make_rule(&rules[0], 0, event, a, b, on_err);
    if (tweak) tweak(&rules[0]);
    return rule_set_new(rules, 1);
}

static void submit_n(dispatcher *d, int n)
{
    for (int i = 0; i < n; i++) {
        wee_event *ev = event_new("test.event");
        event_set_int(ev, "n", i);
        event_set_string(ev, "source", "t");
        dispatcher_submit(d, ev);
    }
}

static void check_accounting(dispatcher *d, dispatcher_stats *st)
{
    dispatcher_drain_and_stop(d);
    dispatcher_get_stats(d, st);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->received, st->processed + st->dropped);
}

static void test_block_each_event_exactly_once(void **s)
{
    (void)s;
    probe_reset(&P1);
    dispatcher *d = dispatcher_new(4, 8, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, NULL));
    submit_n(d, 10000);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.processed, 10000);
    assert_int_equal(atomic_load(&P1.runs), 10000); /* not once per worker */
    dispatcher_free(d);
}

static void overflow_case(overflow_policy policy)
{
    probe_reset(&P1);
    gate(&P1, 1);
    dispatcher *d = dispatcher_new(1, 4, policy, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, NULL));
    submit_n(d, 100);
    gate(&P1, 0);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_true(st.dropped >= 90);
    assert_true(st.dropped <= 96);
    assert_int_equal(atomic_load(&P1.runs), (int)(st.processed - (st.received - 100)));
    /* drop_oldest never drops the newest event; drop_newest never drops the first one (the queue was
     * empty). Which events in between survive depends on when the worker frees a slot. */
    if (policy == OVERFLOW_DROP_OLDEST) assert_int_equal(atomic_load(&P1.last_seq), 99);
    else assert_int_equal(atomic_load(&P1.first_seq), 0);
    dispatcher_free(d);
}

static void test_drop_newest_accounting(void **s) { (void)s; overflow_case(OVERFLOW_DROP_NEWEST); }
static void test_drop_oldest_accounting(void **s) { (void)s; overflow_case(OVERFLOW_DROP_OLDEST); }

static void make_serial(rule *r) { r->serial = 1; }

static void test_serial_rule_never_overlaps(void **s)
{
    (void)s;
    probe_reset(&P1);
    P1.sleep_ms = 2;
    dispatcher *d = dispatcher_new(4, 64, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, make_serial));
    submit_n(d, 40);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_int_equal(atomic_load(&P1.runs), 40);
    assert_int_equal(atomic_load(&P1.max_active), 1);
    dispatcher_free(d);
}

static void test_parallel_rule_does_overlap(void **s)
{
    /* The control for the serial test: without "concurrency": 1 the same load does run in parallel. */
    (void)s;
    probe_reset(&P1);
    P1.sleep_ms = 20;
    dispatcher *d = dispatcher_new(4, 64, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, NULL));
    submit_n(d, 16);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_true(atomic_load(&P1.max_active) > 1);
    dispatcher_free(d);
}

static void make_throttled(rule *r) { r->throttle_ms = 60000; }

static void test_throttle_fires_once_per_window(void **s)
{
    (void)s;
    probe_reset(&P1);
    dispatcher *d = dispatcher_new(2, 256, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, make_throttled));
    submit_n(d, 100);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_int_equal(atomic_load(&P1.runs), 1);
    assert_int_equal(st.rules_matched, 100);
    assert_int_equal(st.suppressed, 99);
    dispatcher_free(d);
}

static void make_debounced(rule *r) { r->debounce_ms = 150; }

static void test_debounce_fires_once_with_last_event(void **s)
{
    (void)s;
    probe_reset(&P1);
    dispatcher *d = dispatcher_new(1, 256, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, make_debounced));
    submit_n(d, 20);
    assert_int_equal(dispatcher_wait_idle(d, 5000), 0);
    assert_int_equal(atomic_load(&P1.runs), 0);  /* still inside the quiet period */
    uint64_t until = plat_monotonic_ns() + 3000000000ull;
    while (atomic_load(&P1.runs) == 0 && plat_monotonic_ns() < until) plat_sleep_ms(10);
    assert_int_equal(atomic_load(&P1.runs), 1);
    assert_int_equal(atomic_load(&P1.last_seq), 19);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_int_equal(atomic_load(&P1.runs), 1);
    dispatcher_free(d);
}

static void test_debounce_flushed_at_stop(void **s)
{
    (void)s;
    probe_reset(&P1);
    dispatcher *d = dispatcher_new(1, 256, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, NULL, ON_ERROR_STOP, make_debounced));
    submit_n(d, 3);
    dispatcher_stats st;
    check_accounting(d, &st);  /* stop right away: the pending firing must still run */
    assert_int_equal(atomic_load(&P1.runs), 1);
    dispatcher_free(d);
}

static void test_on_error_stop_and_continue(void **s)
{
    (void)s;
    probe_reset(&P1); probe_reset(&P2);
    atomic_store(&P1.fail, 1);
    dispatcher *d = dispatcher_new(1, 16, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, &P2, ON_ERROR_STOP, NULL));
    submit_n(d, 3);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_int_equal(atomic_load(&P1.runs), 3);
    assert_int_equal(atomic_load(&P2.runs), 0);
    assert_int_equal(st.actions_failed, 3);
    dispatcher_free(d);

    probe_reset(&P1); probe_reset(&P2);
    atomic_store(&P1.fail, 1);
    d = dispatcher_new(1, 16, OVERFLOW_BLOCK, one_rule_set("test.event", &P1, &P2, ON_ERROR_CONTINUE, NULL));
    submit_n(d, 3);
    check_accounting(d, &st);
    assert_int_equal(atomic_load(&P2.runs), 3);
    assert_int_equal(st.actions_ok, 3);
    dispatcher_free(d);
}

static void test_drops_raise_engine_event(void **s)
{
    (void)s;
    probe_reset(&P1); probe_reset(&P2);
    gate(&P1, 1);
    rule *rules = calloc(2, sizeof *rules);
    make_rule(&rules[0], 0, "test.event", &P1, NULL, ON_ERROR_STOP);
    make_rule(&rules[1], 1, "engine.events_dropped", &P2, NULL, ON_ERROR_STOP);
    dispatcher *d = dispatcher_new(1, 4, OVERFLOW_DROP_NEWEST, rule_set_new(rules, 2));
    submit_n(d, 50);
    gate(&P1, 0);
    uint64_t until = plat_monotonic_ns() + 5000000000ull;
    while (atomic_load(&P2.runs) == 0 && plat_monotonic_ns() < until) plat_sleep_ms(10);
    assert_true(atomic_load(&P2.runs) >= 1);
    dispatcher_stats st;
    check_accounting(d, &st);
    assert_true(st.dropped >= 40);
    dispatcher_free(d);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_each_event_exactly_once),
        cmocka_unit_test(test_drop_newest_accounting),
        cmocka_unit_test(test_drop_oldest_accounting),
        cmocka_unit_test(test_serial_rule_never_overlaps),
        cmocka_unit_test(test_parallel_rule_does_overlap),
        cmocka_unit_test(test_throttle_fires_once_per_window),
        cmocka_unit_test(test_debounce_fires_once_with_last_event),
        cmocka_unit_test(test_debounce_flushed_at_stop),
        cmocka_unit_test(test_on_error_stop_and_continue),
        cmocka_unit_test(test_drops_raise_engine_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
