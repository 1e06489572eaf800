/*
 * rule memory: thresholds, sequences and absences driven with explicit times (no sleeping), eviction
 * within max_groups, a randomized run of sequence groups against a reference model (the group table
 * inserts and deletes thousands of keys), config errors at their JSON paths, and batch events
 * ({{batch.each.FIELD}} expanding to one list element per collected event).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "module_fields.h"
#include "config.h"
#include "event.h"
#include "event_batch.h"
#include "options.h"
#include "rule_memory.h"
#include "rule_state.h"

static int noop_create(const wee_host_api *h, const wee_options *o, void **inst, char *e, size_t n)
{
    (void)h; (void)o; (void)e; (void)n;
    *inst = NULL;
    return 0;
}
static int noop_run(void *i, wee_action_call *c) { (void)i; (void)c; return 0; }
static const wee_option_spec noop_options[] = {
    WEE_OPTION(.name = "args", .type = WEE_OPT_STRING_LIST, .description = "list"),
    WEE_OPTION(.name = "message", .type = WEE_OPT_STRING, .description = "text"),
    WEE_OPTION_END
};
static loaded_module mod_noop = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION,
                                            .name = "noop", .kind = WEE_MODULE_ACTION, .options = noop_options,
                                            .action_create = noop_create, .action_run = noop_run } };
static loaded_module *mods[] = { &mod_noop };
static const module_registry registry = { mods, 1, 0 };

#define MS 1000000ull

static config *load_rule(const char *rule_json)
{
    char text[4096];
    snprintf(text, sizeof text, "{\"version\":1,\"rules\":[%s]}", rule_json);
    diag_list d = DIAG_INIT;
    config *c = config_load_text(text, "mem.json", &registry, NULL, 1, &d);
    for (size_t i = 0; i < d.count; i++) fprintf(stderr, "  %s: %s\n", d.items[i].path, d.items[i].message);
    assert_non_null(c);
    diag_free(&d);
    return c;
}

static wee_event *ev2(const char *type, const char *k1, const char *v1, const char *k2, const char *v2)
{
    wee_event *ev = event_new(type);
    assert_non_null(ev);
    event_set_string(ev, "source", "test");
    if (k1) event_set_string(ev, k1, v1);
    if (k2) event_set_string(ev, k2, v2);
    return ev;
}

/* Feeds ev to rule 0 at time t (ms); returns the firing event or NULL (and unrefs ev). */
static wee_event *feed(config *c, wee_event *ev, uint64_t t_ms)
{
    rule *r = rule_set_at(c->rules, 0);
    wee_event *fired = NULL;
    if (!r->when || cond_eval(r->when, ev)) fired = rule_memory_observe(r->state->memory, r, ev, t_ms * MS, NULL, 0);
    event_unref(ev);
    return fired;
}

static void threshold_fires_at_count_within_the_window_per_group(void **state)
{
    (void)state;
    config *c = load_rule("{\"name\":\"burst\",\"when\":{\"event\":\"file.deleted\"},\"threshold\":{\"count\":3,"
                          "\"within_ms\":1000,\"group_by\":\"dir\"},\"do\":[{\"action\":\"noop\"}]}");
    assert_null(feed(c, ev2("file.deleted", "dir", "/a", NULL, NULL), 0));
    assert_null(feed(c, ev2("file.deleted", "dir", "/a", NULL, NULL), 100));
    assert_null(feed(c, ev2("file.deleted", "dir", "/b", NULL, NULL), 200)); /* another group */
    wee_event *f = feed(c, ev2("file.deleted", "dir", "/a", NULL, NULL), 300);
    assert_non_null(f);
    assert_int_equal(event_get_int(f, "threshold.count", 0), 3);
    assert_string_equal(event_get_string(f, "group"), "/a");
    assert_string_equal(event_get_string(f, "dir"), "/a");
    event_unref(f);
    assert_null(feed(c, ev2("file.deleted", "dir", "/a", NULL, NULL), 400)); /* counting starts again */
    /* Events older than the window do not count: /b at 200, 1300, 1400 is not 3 within 1000 ms. */
    assert_null(feed(c, ev2("file.deleted", "dir", "/b", NULL, NULL), 1300));
    assert_null(feed(c, ev2("file.deleted", "dir", "/b", NULL, NULL), 1400));
    f = feed(c, ev2("file.deleted", "dir", "/b", NULL, NULL), 1500);
    assert_non_null(f);
    event_unref(f);
    config_free(c);
}

static const char *SEQ = "{\"name\":\"seq\",\"sequence\":{\"within_ms\":1000,\"join\":\"pid\",\"steps\":["
                         "{\"event\":\"process.started\",\"match\":{\"process\":{\"glob\":\"setup*.exe\"}}},"
                         "{\"event\":\"registry.value_set\",\"match\":{\"key\":{\"starts_with\":\"HKCU\\\\Run\"}}}]},"
                         "\"do\":[{\"action\":\"noop\"}]}";

static void sequence_fires_in_order_within_the_window_joined_on_fields(void **state)
{
    (void)state;
    config *c = load_rule(SEQ);
    rule *r = rule_set_at(c->rules, 0);
    assert_int_equal(r->memory.kind, MEMORY_SEQUENCE);
    /* Step 2 first: nothing. */
    assert_null(feed(c, ev2("registry.value_set", "key", "HKCU\\Run\\x", "pid", "7"), 0));
    assert_null(feed(c, ev2("process.started", "process", "setup64.exe", "pid", "7"), 10));
    /* Another pid's step 2 does not complete pid 7's sequence. */
    assert_null(feed(c, ev2("registry.value_set", "key", "HKCU\\Run\\x", "pid", "8"), 20));
    rule_memory_stats st;
    rule_memory_get_stats(r->state->memory, &st);
    assert_int_equal(st.groups, 1);
    wee_event *f = feed(c, ev2("registry.value_set", "key", "HKCU\\Run\\evil", "pid", "7"), 500);
    assert_non_null(f);
    assert_string_equal(event_get_string(f, "group"), "7");
    assert_int_equal(event_get_int(f, "seq.count", 0), 2);
    const char *events = event_get_string(f, "seq.events");
    assert_non_null(strstr(events, "setup64.exe"));
    assert_non_null(strstr(events, "HKCU\\\\Run\\\\evil"));
    event_unref(f);
    rule_memory_get_stats(r->state->memory, &st);
    assert_int_equal(st.groups, 0);
    /* Too late: step 2 1001 ms after step 1. */
    assert_null(feed(c, ev2("process.started", "process", "setupA.exe", "pid", "9"), 2000));
    assert_null(feed(c, ev2("registry.value_set", "key", "HKCU\\Run\\y", "pid", "9"), 3001));
    /* An event without the join field cannot take part. */
    assert_null(feed(c, ev2("process.started", "process", "setupB.exe", NULL, NULL), 4000));
    config_free(c);
}

static void sequence_groups_agree_with_a_reference_model(void **state)
{
    (void)state;
    config *c = load_rule(SEQ);
    rule *r = rule_set_at(c->rules, 0);
    enum { KEYS = 300 };
    unsigned char started[KEYS] = { 0 };
    uint64_t seed = 12345;
    size_t fired = 0, expected = 0;
    for (int i = 0; i < 20000; i++) {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
        unsigned k = (unsigned)(seed % KEYS);
        char pid[16];
        snprintf(pid, sizeof pid, "%u", k);
        if ((seed >> 20) & 1) {
            assert_null(feed(c, ev2("process.started", "process", "setup.exe", "pid", pid), 0));
            started[k] = 1;
        } else {
            wee_event *f = feed(c, ev2("registry.value_set", "key", "HKCU\\Run\\v", "pid", pid), 0);
            if (started[k]) expected++;
            if (f) { fired++; assert_true(started[k]); event_unref(f); }
            else assert_false(started[k]);
            started[k] = 0;
        }
    }
    size_t open = 0;
    for (unsigned k = 0; k < KEYS; k++) open += started[k];
    rule_memory_stats st;
    rule_memory_get_stats(r->state->memory, &st);
    assert_int_equal(st.groups, open);
    assert_int_equal(fired, expected);
    assert_int_equal(st.evicted, 0);
    config_free(c);
}

static void groups_beyond_max_groups_evict_the_least_recently_used(void **state)
{
    (void)state;
    config *c = load_rule("{\"name\":\"t\",\"when\":{\"event\":\"x.y\"},\"threshold\":{\"count\":2,\"within_ms\":100000,"
                          "\"group_by\":\"k\",\"max_groups\":2},\"do\":[{\"action\":\"noop\"}]}");
    rule *r = rule_set_at(c->rules, 0);
    assert_null(feed(c, ev2("x.y", "k", "a", NULL, NULL), 0));
    assert_null(feed(c, ev2("x.y", "k", "b", NULL, NULL), 1));
    assert_null(feed(c, ev2("x.y", "k", "c", NULL, NULL), 2)); /* evicts a */
    rule_memory_stats st;
    rule_memory_get_stats(r->state->memory, &st);
    assert_int_equal(st.groups, 2);
    assert_int_equal(st.evicted, 1);
    assert_null(feed(c, ev2("x.y", "k", "a", NULL, NULL), 3)); /* a starts over (evicts b) */
    wee_event *f = feed(c, ev2("x.y", "k", "c", NULL, NULL), 4); /* c was kept */
    assert_non_null(f);
    event_unref(f);
    config_free(c);
}

typedef struct fired_list { wee_event *ev[8]; size_t n; } fired_list;
static void collect(void *p, wee_event *ev)
{
    fired_list *l = p;
    assert_true(l->n < 8);
    l->ev[l->n++] = ev;
}
static void fired_free(fired_list *l)
{
    for (size_t i = 0; i < l->n; i++) event_unref(l->ev[i]);
    l->n = 0;
}

static void absence_after_fires_when_the_expected_event_does_not_come(void **state)
{
    (void)state;
    config *c = load_rule("{\"name\":\"job\",\"absence\":{\"within_ms\":1000,\"group_by\":\"job\","
                          "\"after\":{\"event\":\"job.started\"},\"expect\":{\"event\":\"job.done\"}},"
                          "\"do\":[{\"action\":\"noop\"}]}");
    rule *r = rule_set_at(c->rules, 0);
    fired_list l = { { NULL }, 0 };
    assert_null(feed(c, ev2("job.started", "job", "a", "path", "/a"), 0));
    assert_null(feed(c, ev2("job.started", "job", "b", NULL, NULL), 0));
    assert_null(feed(c, ev2("job.done", "job", "a", NULL, NULL), 500));
    uint64_t next = rule_memory_due(r->state->memory, r, 900 * MS, collect, &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(next, 1000 * MS);
    rule_memory_due(r->state->memory, r, 1000 * MS, collect, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(event_type(l.ev[0]), "rule.absence");
    assert_string_equal(event_get_string(l.ev[0], "group"), "b");
    assert_string_equal(event_get_string(l.ev[0], "rule"), "job");
    assert_int_equal(event_get_int(l.ev[0], "within_ms", 0), 1000);
    fired_free(&l);
    rule_memory_due(r->state->memory, r, 5000 * MS, collect, &l);
    assert_int_equal(l.n, 0); /* once per after event */
    config_free(c);
}

static void absence_without_after_fires_once_per_silence(void **state)
{
    (void)state;
    config *c = load_rule("{\"name\":\"quiet\",\"absence\":{\"within_ms\":1000,\"expect\":{\"event\":\"heart.beat\"}},"
                          "\"do\":[{\"action\":\"noop\"}]}");
    rule *r = rule_set_at(c->rules, 0);
    fired_list l = { { NULL }, 0 };
    uint64_t now = plat_monotonic_ns();
    rule_memory_due(r->state->memory, r, now + 500 * MS, collect, &l);
    assert_int_equal(l.n, 0);
    rule_memory_due(r->state->memory, r, now + 1001 * MS, collect, &l);
    assert_int_equal(l.n, 1);
    assert_non_null(event_get_string(l.ev[0], "absence.since"));
    rule_memory_due(r->state->memory, r, now + 9000 * MS, collect, &l);
    assert_int_equal(l.n, 1); /* not again until the next heartbeat */
    fired_free(&l);
    wee_event *hb = ev2("heart.beat", NULL, NULL, NULL, NULL);
    assert_null(rule_memory_observe(r->state->memory, r, hb, now + 9000 * MS, NULL, 0));
    event_unref(hb);
    rule_memory_due(r->state->memory, r, now + 9500 * MS, collect, &l);
    assert_int_equal(l.n, 0);
    rule_memory_due(r->state->memory, r, now + 10001 * MS, collect, &l);
    assert_int_equal(l.n, 1);
    fired_free(&l);
    config_free(c);
}

static void config_errors_name_their_paths(void **state)
{
    (void)state;
    static const struct { const char *rule, *path, *text; } cases[] = {
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"threshold\":{\"count\":1,\"within_ms\":10},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].threshold.count", "expected integer 2..100000" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"threshold\":{\"count\":5},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].threshold.within_ms", "missing" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"sequence\":{\"within_ms\":10,\"steps\":[{\"event\":\"a\"},{\"event\":\"b\"}]},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].when", "remove \"when\"" },
        { "{\"name\":\"a\",\"sequence\":{\"within_ms\":10,\"steps\":[{\"event\":\"a\"}]},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].sequence.steps", "2 to 16" },
        { "{\"name\":\"a\",\"sequence\":{\"within_ms\":10,\"steps\":[{\"event\":\"a\"},{\"evnt\":\"b\"}]},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].sequence.steps[1].evnt", "unknown key" },
        { "{\"name\":\"a\",\"absence\":{\"within_ms\":10,\"expect\":{\"event\":\"a\"},\"group_by\":\"x\"},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].absence.group_by", "needs \"after\"" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"threshold\":{\"count\":2,\"within_ms\":10},\"absence\":{},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].absence", "cannot be combined" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"batch_ms\":0,\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].batch_ms", "expected integer 1..3600000" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"batch_ms\":10,\"debounce_ms\":5,\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].batch_ms", "debounce_ms" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"batch_max\":10,\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].batch_max", "needs batch_ms" },
        { "{\"name\":\"a\",\"when\":{\"event\":\"x\"},\"threshold\":{\"count\":100000,\"within_ms\":10,\"max_groups\":100000},\"do\":[{\"action\":\"noop\"}]}",
          "rules[0].threshold", "lower max_groups" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, "{\"version\":1,\"rules\":[%s]}", cases[i].rule);
        diag_list d = DIAG_INIT;
        config *c = config_load_text(text, "mem.json", &registry, NULL, 1, &d);
        assert_null(c);
        int found = 0;
        for (size_t k = 0; k < d.count; k++)
            if (strcmp(d.items[k].path, cases[i].path) == 0 && strstr(d.items[k].message, cases[i].text)) found = 1;
        if (!found) {
            for (size_t k = 0; k < d.count; k++) fprintf(stderr, "  got %s: %s\n", d.items[k].path, d.items[k].message);
            fail_msg("case %zu: no error at %s containing \"%s\"", i, cases[i].path, cases[i].text);
        }
        diag_free(&d);
    }
}

static void batch_events_expand_each_placeholders(void **state)
{
    (void)state;
    config *c = load_rule("{\"name\":\"b\",\"when\":{\"event\":\"file.created\"},\"batch_ms\":100,"
                          "\"do\":[{\"action\":\"noop\",\"args\":[\"--\",\"{{batch.each.path}}\",\"n={{batch.count}}\"],"
                          "\"message\":\"{{batch.each.name}}\"}]}");
    rule *r = rule_set_at(c->rules, 0);
    wee_event **members = malloc(3 * sizeof *members);
    assert_non_null(members);
    const char *names[] = { "a b.txt", "-rf", "c\"d" };
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/in/%s", names[i]);
        members[i] = ev2("file.created", "path", path, "name", names[i]);
    }
    wee_event *ev = event_batch_new(members, 3);
    assert_non_null(ev);
    assert_int_equal(event_get_int(ev, "batch.count", 0), 3);
    assert_string_equal(event_get_string(ev, "batch.paths"), "/in/a b.txt\n/in/-rf\n/in/c\"d");
    assert_non_null(strstr(event_get_string(ev, "batch.events"), "\"c\\\"d\""));
    render_ctx ctx = { ev, NULL };
    wee_options *o = options_view_render(r->actions[0].params, &ctx);
    assert_int_equal(options_list_count(o, "args"), 5);
    assert_string_equal(options_list_at(o, "args", 0), "--");
    assert_string_equal(options_list_at(o, "args", 1), "/in/a b.txt");
    assert_string_equal(options_list_at(o, "args", 2), "/in/-rf");
    assert_string_equal(options_list_at(o, "args", 3), "/in/c\"d");
    assert_string_equal(options_list_at(o, "args", 4), "n=3");
    assert_null(options_list_at(o, "args", 5));
    assert_string_equal(options_string(o, "message"), "a b.txt\n-rf\nc\"d");
    char *json = options_json(o, "args");
    assert_string_equal(json, "[\"--\",\"/in/a b.txt\",\"/in/-rf\",\"/in/c\\\"d\",\"n=3\"]");
    free(json);
    options_view_free(o);
    /* An ordinary event leaves the placeholder as one (empty) element. */
    wee_event *plain = ev2("file.created", "path", "/x", NULL, NULL);
    render_ctx pctx = { plain, NULL };
    o = options_view_render(r->actions[0].params, &pctx);
    assert_int_equal(options_list_count(o, "args"), 3);
    assert_string_equal(options_list_at(o, "args", 1), "");
    options_view_free(o);
    event_unref(plain);
    event_unref(ev);
    config_free(c);
}

int main(void)
{
    test_init();
    module_fields_load(); /* batch.paths lists the subject field the file source declares */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threshold_fires_at_count_within_the_window_per_group),
        cmocka_unit_test(sequence_fires_in_order_within_the_window_joined_on_fields),
        cmocka_unit_test(sequence_groups_agree_with_a_reference_model),
        cmocka_unit_test(groups_beyond_max_groups_evict_the_least_recently_used),
        cmocka_unit_test(absence_after_fires_when_the_expected_event_does_not_come),
        cmocka_unit_test(absence_without_after_fires_once_per_silence),
        cmocka_unit_test(config_errors_name_their_paths),
        cmocka_unit_test(batch_events_expand_each_placeholders),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
