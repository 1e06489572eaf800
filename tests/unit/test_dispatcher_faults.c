/*
 * Dispatcher under resource failures, injected with the linker's --wrap (tests/CMakeLists.txt):
 *  - realloc failing while a debounce is scheduled must not silence the rule for good (the pending
 *    firing used to be lost with its table entry, and the rule's slot then looked busy forever);
 *  - a worker or the timer thread that cannot start: dispatcher_new fails cleanly, joining only
 *    the threads that did start.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "dispatcher.h"
#include "event.h"
#include "host_api.h"
#include "platform/platform.h"
#include "rule_state.h"
#include "wee/wee.h"

/* --- fault injection --- */
static atomic_int realloc_fails;        /* non-zero: every realloc from the engine's code fails */
static atomic_int thread_start_calls;   /* plat_thread_start calls since the last reset */
static atomic_int thread_start_fail_at; /* 1-based call that fails; 0: none */

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
    if (atomic_load(&realloc_fails)) return NULL;
    return __real_realloc(p, n);
}

int __real_plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg);
int __wrap_plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg);
int __wrap_plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg)
{
    int n = atomic_fetch_add(&thread_start_calls, 1) + 1;
    if (n == atomic_load(&thread_start_fail_at)) {
        t->handle = 0;
        return WEE_ENOMEM;
    }
    return __real_plat_thread_start(t, fn, arg);
}

/* --- a counting action --- */
#define RULES 9   /* one more than the old table's first capacity (8), so scheduling the 9th grew it */
static atomic_int runs[RULES];

static int count_run(void *inst, wee_action_call *call)
{
    (void)call;
    atomic_fetch_add(&runs[(intptr_t)inst], 1);
    return 0;
}
static int count_create(const wee_host_api *h, const wee_options *o, void **inst, char *e, size_t n) { (void)h; (void)o; (void)inst; (void)e; (void)n; return 0; }
static void count_destroy(void *inst) { (void)inst; }

static loaded_module COUNT_MOD = {
    .path = "(in-process)",
    .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, .name = "count",
              .kind = WEE_MODULE_ACTION, .action_create = count_create, .action_run = count_run,
              .action_destroy = count_destroy },
};

static char *xstrdup(const char *s) { size_t n = strlen(s) + 1; char *p = malloc(n); memcpy(p, s, n); return p; }

/* Rule i: event "t.<i>", debounced by 50 ms, counting into runs[i]. */
static rule_set *debounced_rules(void)
{
    rule *rules = calloc(RULES, sizeof *rules);
    for (int i = 0; i < RULES; i++) {
        char name[32];
        rule *r = &rules[i];
        snprintf(name, sizeof name, "t.%d", i);
        r->event_pattern = xstrdup(name);
        r->name = xstrdup(name);
        r->enabled = 1;
        r->index = (size_t)i;
        r->json_path = xstrdup("rules[i]");
        r->state = rule_state_new();
        r->debounce_ms = 50;
        r->action_count = 1;
        r->actions = calloc(1, sizeof *r->actions);
        r->actions[0] = (rule_action){ &COUNT_MOD, NULL, (void *)(intptr_t)i, ON_ERROR_STOP, xstrdup("rules[i].do[0]") };
    }
    return rule_set_new(rules, RULES);
}

static wee_event *ev_for(int i)
{
    char type[32];
    snprintf(type, sizeof type, "t.%d", i);
    wee_event *ev = event_new(type);
    event_set_string(ev, "source", "t");
    return ev;
}

static int wait_runs(int i, int want, int timeout_ms)
{
    uint64_t until = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    while (atomic_load(&runs[i]) < want && plat_monotonic_ns() < until) plat_sleep_ms(5);
    return atomic_load(&runs[i]) >= want;
}

static void test_debounce_survives_allocation_failure(void **s)
{
    (void)s;
    for (int i = 0; i < RULES; i++) atomic_store(&runs[i], 0);
    dispatcher *d = dispatcher_new(1, 64, OVERFLOW_BLOCK, debounced_rules());
    assert_non_null(d);
    /* One at a time first: every rule has fired once (and every per-rule figure exists). */
    for (int i = 0; i < RULES; i++) {
        assert_int_equal(dispatcher_submit(d, ev_for(i)), 0);
        assert_true(wait_runs(i, 1, 5000));
    }
    /* Now all nine pending at once while no memory can be had. */
    wee_event *evs[RULES];
    for (int i = 0; i < RULES; i++) evs[i] = ev_for(i);
    atomic_store(&realloc_fails, 1);
    for (int i = 0; i < RULES; i++) assert_int_equal(dispatcher_submit(d, evs[i]), 0);
    assert_int_equal(dispatcher_wait_idle(d, 5000), 0);
    atomic_store(&realloc_fails, 0);
    for (int i = 0; i < RULES; i++) {
        if (!wait_runs(i, 2, 5000)) fail_msg("rule t.%d did not fire after its debounce (%d run(s))", i, atomic_load(&runs[i]));
    }
    /* And each still fires afterwards. */
    for (int i = 0; i < RULES; i++) assert_int_equal(dispatcher_submit(d, ev_for(i)), 0);
    for (int i = 0; i < RULES; i++) assert_true(wait_runs(i, 3, 5000));
    dispatcher_free(d);
    for (int i = 0; i < RULES; i++) assert_int_equal(atomic_load(&runs[i]), 3);
}

static void test_thread_start_failures(void **s)
{
    (void)s;
    /* 4 workers then the timer: fail the 1st, a middle one, the last worker, then the timer. */
    static const int fail_at[] = { 1, 3, 4, 5 };
    for (size_t k = 0; k < sizeof fail_at / sizeof fail_at[0]; k++) {
        rule_set *rs = debounced_rules();
        atomic_store(&thread_start_calls, 0);
        atomic_store(&thread_start_fail_at, fail_at[k]);
        dispatcher *d = dispatcher_new(4, 16, OVERFLOW_BLOCK, rs);
        atomic_store(&thread_start_fail_at, 0);
        if (d) fail_msg("dispatcher_new succeeded although thread start %d failed", fail_at[k]);
        assert_int_equal(atomic_load(&thread_start_calls), fail_at[k]); /* none started after the failure */
        rule_set_unref(rs);  /* still ours */
    }
    /* Nothing left behind: a normal one works. */
    dispatcher *d = dispatcher_new(4, 16, OVERFLOW_BLOCK, debounced_rules());
    assert_non_null(d);
    dispatcher_free(d);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debounce_survives_allocation_failure),
        cmocka_unit_test(test_thread_start_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
