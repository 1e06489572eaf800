/*
 * rules: the rule set's index (exact types and globs visited together in config order), the enabled and
 * source filters, early stop, a table big enough to probe past collisions, and reference counting that
 * destroys action instances exactly once, on the last unref.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "rule_state.h"
#include "rules.h"

typedef struct spec_rule { const char *pattern; const char *source; int enabled; } spec_rule;

static char *dup_text(const char *s)
{
    if (!s) return NULL;
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    strcpy(p, s);
    return p;
}

/* Rules as config.c would leave them: every member malloc'd, one rule_state each. */
static rule_set *make_set(const spec_rule *specs, size_t n)
{
    rule *rules = calloc(n ? n : 1, sizeof *rules);
    assert_non_null(rules);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "r%zu", i);
        rules[i].name = dup_text(name);
        rules[i].enabled = specs[i].enabled;
        rules[i].event_pattern = dup_text(specs[i].pattern);
        rules[i].event_is_glob = strpbrk(specs[i].pattern, "*?[") != NULL;
        rules[i].source = dup_text(specs[i].source);
        rules[i].state = rule_state_new();
        assert_non_null(rules[i].state);
    }
    rule_set *rs = rule_set_new(rules, n);
    assert_non_null(rs);
    return rs;
}

typedef struct visits { size_t seen[64]; size_t count; size_t stop_after; } visits;

static int record(rule *r, void *ctx)
{
    visits *v = ctx;
    assert_true(v->count < 64);
    v->seen[v->count++] = r->index;
    return v->stop_after && v->count >= v->stop_after;
}

/* "0,1,5": easy to compare and to read in a failure message. */
static void expect_visits(const rule_set *rs, const char *type, const char *source, const char *want)
{
    visits v = { { 0 }, 0, 0 };
    char got[256] = "";
    rule_set_candidates(rs, type, source, NULL, record, &v);
    for (size_t i = 0; i < v.count; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", i ? "," : "", v.seen[i]);
    if (strcmp(got, want) != 0)
        fail_msg("candidates(%s, %s): got [%s], want [%s]", type, source ? source : "NULL", got, want);
}

static const spec_rule mixed[] = {
    { "file.created", NULL, 1 },        /* 0 */
    { "file.*", NULL, 1 },              /* 1 glob */
    { "timer.tick", NULL, 1 },          /* 2 */
    { "file.created", "downloads", 1 }, /* 3 source filter */
    { "*", NULL, 0 },                   /* 4 glob, disabled */
    { "file.created", NULL, 1 },        /* 5 */
    { "*.created", "other", 1 },        /* 6 glob + source filter */
    { "file.created", NULL, 0 },        /* 7 disabled */
    { "file.?eleted", NULL, 1 },        /* 8 glob with ? */
};

static void candidates_merge_exact_and_glob_in_config_order(void **state)
{
    (void)state;
    rule_set *rs = make_set(mixed, sizeof mixed / sizeof mixed[0]);
    expect_visits(rs, "file.created", "downloads", "0,1,3,5");
    expect_visits(rs, "file.created", NULL, "0,1,5");
    expect_visits(rs, "file.created", "other", "0,1,5,6");
    expect_visits(rs, "file.deleted", "x", "1,8");
    expect_visits(rs, "timer.tick", "x", "2");
    expect_visits(rs, "window.created", "other", "6");
    expect_visits(rs, "window.focused", "other", "");
    rule_set_unref(rs);
}

static void candidates_stop_when_the_visitor_says_so(void **state)
{
    (void)state;
    rule_set *rs = make_set(mixed, sizeof mixed / sizeof mixed[0]);
    visits v = { { 0 }, 0, 2 };
    rule_set_candidates(rs, "file.created", "downloads", NULL, record, &v);
    assert_int_equal(v.count, 2);
    assert_int_equal(v.seen[0], 0);
    assert_int_equal(v.seen[1], 1);
    rule_set_unref(rs);
}

/* 200 distinct types fill many slots, so lookups must probe past other types' slots to the right one. */
static void many_exact_types_each_find_only_their_rules(void **state)
{
    (void)state;
    enum { N = 200 };
    static char patterns[N][24];
    spec_rule specs[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(patterns[i], sizeof patterns[i], "t%zu.ev", i % 100); /* each type twice: i and i+100 */
        specs[i] = (spec_rule){ patterns[i], NULL, 1 };
    }
    rule_set *rs = make_set(specs, N);
    assert_int_equal(rule_set_count(rs), N);
    for (size_t i = 0; i < 100; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu,%zu", i, i + 100);
        expect_visits(rs, patterns[i], "s", want);
    }
    expect_visits(rs, "t100.ev", "s", "");
    rule_set_unref(rs);
}

static void empty_set_has_no_candidates(void **state)
{
    (void)state;
    rule_set *rs = rule_set_new(NULL, 0);
    assert_non_null(rs);
    assert_int_equal(rule_set_count(rs), 0);
    assert_null(rule_set_at(rs, 0));
    expect_visits(rs, "file.created", NULL, "");
    rule_set_unref(rs);
}

static int destroyed;
static void count_destroy(void *instance)
{
    destroyed++;
    free(instance);
}

static loaded_module counting_module = {
    .path = NULL,
    .desc = { .struct_size = sizeof(wee_module_desc), .name = "counting", .kind = WEE_MODULE_ACTION,
              .action_destroy = count_destroy },
};

static void last_unref_destroys_action_instances_once(void **state)
{
    (void)state;
    rule_set *rs = make_set(mixed, 2);
    for (size_t i = 0; i < 2; i++) {
        rule *r = rule_set_at(rs, i);
        r->action_count = 2;
        r->actions = calloc(2, sizeof *r->actions);
        assert_non_null(r->actions);
        for (size_t j = 0; j < 2; j++) {
            r->actions[j].module = &counting_module;
            r->actions[j].json_path = dup_text("rules[x].do[y]");
            /* rules[1].do[1] was never created: nothing to destroy there */
            r->actions[j].instance = (i == 1 && j == 1) ? NULL : malloc(4);
        }
    }
    destroyed = 0;
    assert_ptr_equal(rule_set_ref(rs), rs);
    assert_ptr_equal(rule_set_ref(rs), rs);
    rule_set_unref(rs);
    rule_set_unref(rs);
    assert_int_equal(destroyed, 0);
    assert_string_equal(rule_set_at(rs, 1)->name, "r1");
    rule_set_unref(rs);
    assert_int_equal(destroyed, 3);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(candidates_merge_exact_and_glob_in_config_order),
        cmocka_unit_test(candidates_stop_when_the_visitor_says_so),
        cmocka_unit_test(many_exact_types_each_find_only_their_rules),
        cmocka_unit_test(empty_set_has_no_candidates),
        cmocka_unit_test(last_unref_destroys_action_instances_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
