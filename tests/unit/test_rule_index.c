/*
 * rule index: it must never leave out a rule whose condition holds. A randomized differential test
 * compiles generated rules (every operator, folding, globs with "**", escapes and classes, regexes from
 * a small grammar, all/any/not) and compares, for generated events, the rules that match when every
 * rule is evaluated with those that match among the index's candidates. Events are built from the
 * rules' own literals, so most tests are close calls. WEE_INDEX_SEED=N replays one seed.
 * Targeted cases pin the corners the literal extraction must respect, and that the index prunes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "module_fields.h"
#include "event.h"
#include "rule_state.h"
#include "rules.h"
#include "util/strbuf.h"

/* ---- a deterministic generator ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}
static const char *pick(const char *const *list, size_t n) { return list[rnd((uint32_t)n)]; }

static const char *const fields[] = { "path", "name", "ext", "process", "title" };
/* Letters with case partners (k and s have non-ASCII ones under caseless UTF regexes), separators, the
 * dot, digits, a two-byte character and, in events, an invalid byte. */
static const char *const frags[] = { "a", "A", "b", "k", "K", "s", "S", "x", "/", "\\", ".", "1", "2",
                                     "_", "-", "\xc3\xa9", "ab", "kS", "/x/", ".txt", "\xe2\x84\xaa" };

static void random_text(strbuf *sb, size_t max_frags)
{
    size_t n = rnd((uint32_t)max_frags + 1);
    for (size_t i = 0; i < n; i++) strbuf_puts(sb, pick(frags, sizeof frags / sizeof frags[0]));
}

static void random_glob(strbuf *sb)
{
    static const char *const parts[] = { "*", "**", "?", "[ab]", "[!k]", "/**", "**/", "\\x", "/", "a", "k",
                                         ".txt", "S", "\\", "x/" };
    size_t n = 1 + rnd(4);
    for (size_t i = 0; i < n; i++) {
        if (rnd(2)) strbuf_puts(sb, pick(parts, sizeof parts / sizeof parts[0]));
        else random_text(sb, 2);
    }
}

static void random_regex(strbuf *sb, int depth)
{
    static const char *const atoms[] = { "a", "b", "k", "S", "x", "\\.", "\\/", ".", "[ab]", "[^k]", "\\d", "\\w",
                                         "\xc3\xa9", "-", "_", "1", "[]a]", "[[:alpha:]]", "\\b" };
    static const char *const quants[] = { "", "", "", "?", "*", "+", "{2}", "{0,1}", "{1,}", "+?", "*?" };
    size_t n = 1 + rnd(5);
    if (rnd(6) == 0) strbuf_putc(sb, '^');
    for (size_t i = 0; i < n; i++) {
        if (depth < 2 && rnd(6) == 0) {
            strbuf_puts(sb, rnd(2) ? "(" : "(?:");
            random_regex(sb, depth + 1);
            if (rnd(2)) { strbuf_putc(sb, '|'); random_regex(sb, depth + 1); }
            strbuf_putc(sb, ')');
        } else {
            strbuf_puts(sb, pick(atoms, sizeof atoms / sizeof atoms[0]));
        }
        strbuf_puts(sb, pick(quants, sizeof quants / sizeof quants[0]));
    }
    if (depth == 0 && rnd(8) == 0) { strbuf_putc(sb, '|'); strbuf_puts(sb, pick(atoms, sizeof atoms / sizeof atoms[0])); }
    if (rnd(6) == 0) strbuf_putc(sb, '$');
}

static cJSON *random_test(void)
{
    static const char *const ops[] = { "equals", "in", "starts_with", "ends_with", "contains", "glob", "glob",
                                       "regex", "regex", "gt" };
    const char *op = pick(ops, sizeof ops / sizeof ops[0]);
    cJSON *t = cJSON_CreateObject();
    strbuf sb = STRBUF_INIT;
    if (strcmp(op, "in") == 0) {
        cJSON *arr = cJSON_AddArrayToObject(t, "in");
        size_t n = rnd(4);
        for (size_t i = 0; i < n; i++) {
            strbuf_reset(&sb);
            random_text(&sb, 3);
            if (rnd(8) == 0) cJSON_AddItemToArray(arr, cJSON_CreateNumber(rnd(3)));
            else cJSON_AddItemToArray(arr, cJSON_CreateString(strbuf_cstr(&sb)));
        }
    } else if (strcmp(op, "gt") == 0) {
        cJSON_AddNumberToObject(t, "gt", rnd(3));
    } else {
        if (strcmp(op, "glob") == 0) random_glob(&sb);
        else if (strcmp(op, "regex") == 0) random_regex(&sb, 0);
        else random_text(&sb, 3);
        cJSON_AddStringToObject(t, op, strbuf_cstr(&sb));
    }
    if (rnd(3) == 0) cJSON_AddBoolToObject(t, "case_insensitive", rnd(2));
    strbuf_free(&sb);
    return t;
}

static cJSON *random_cond(int depth)
{
    cJSON *c = cJSON_CreateObject();
    uint32_t kind = depth >= 2 ? 0 : rnd(6);
    if (kind <= 2) {
        cJSON *m = cJSON_AddObjectToObject(c, "match");
        size_t n = 1 + rnd(2);
        for (size_t i = 0; i < n; i++) {
            const char *f = pick(fields, sizeof fields / sizeof fields[0]);
            if (!cJSON_GetObjectItemCaseSensitive(m, f)) cJSON_AddItemToObject(m, f, random_test());
        }
    } else if (kind == 3) {
        cJSON_AddItemToObject(c, "not", random_cond(depth + 1));
    } else {
        cJSON *arr = cJSON_AddArrayToObject(c, kind == 4 ? "all" : "any");
        size_t n = 1 + rnd(3);
        for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, random_cond(depth + 1));
    }
    return c;
}

/* ---- rule sets from condition JSON ---- */

static rule_set *set_from_conds(cJSON **conds, size_t n)
{
    rule *rules = calloc(n ? n : 1, sizeof *rules);
    assert_non_null(rules);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "rules[%zu].when", i);
        diag_list d = DIAG_INIT;
        rules[i].when = conds[i] ? cond_compile(conds[i], path, &d) : NULL;
        if (conds[i] && !rules[i].when) {
            /* A generated regex PCRE2 refuses: such a rule would not load, so it has no condition to
             * get wrong; keep it condition-less (always a candidate). */
            char *txt = cJSON_PrintUnformatted(conds[i]);
            assert_non_null(txt);
            assert_true(strstr(txt, "regex") != NULL);
            free(txt);
        }
        diag_free(&d);
        rules[i].name = str_dup("r");
        rules[i].enabled = 1;
        rules[i].event_pattern = str_dup(i % 7 == 6 ? "file.*" : "file.created");
        rules[i].event_is_glob = i % 7 == 6;
        rules[i].state = rule_state_new();
        assert_non_null(rules[i].state);
    }
    rule_set *rs = rule_set_new(rules, n);
    assert_non_null(rs);
    return rs;
}

typedef struct hits { unsigned char *matched; size_t visited; const wee_event *ev; } hits;

static int visit(rule *r, void *p)
{
    hits *h = p;
    h->visited++;
    if (!r->when || cond_eval(r->when, h->ev)) h->matched[r->index] = 1;
    return 0;
}

/* Returns how many candidates the index let through; fails when a matching rule was left out. */
static size_t compare_one(rule_set *rs, const wee_event *ev, cJSON **conds, uint64_t seed)
{
    size_t n = rule_set_count(rs);
    hits all = { calloc(n + 1, 1), 0, ev }, indexed = { calloc(n + 1, 1), 0, ev };
    assert_non_null(all.matched);
    assert_non_null(indexed.matched);
    rule_set_candidates(rs, "file.created", "src", NULL, visit, &all);
    rule_set_candidates(rs, "file.created", "src", ev, visit, &indexed);
    for (size_t i = 0; i < n; i++) {
        if (all.matched[i] != indexed.matched[i]) {
            char *c = conds[i] ? cJSON_PrintUnformatted(conds[i]) : NULL;
            char *e = event_to_json(ev);
            fail_msg("seed %llu rule %zu: evaluated %d, through the index %d\n  condition: %s\n  event: %s",
                     (unsigned long long)seed, i, all.matched[i], indexed.matched[i], c ? c : "(none)", e ? e : "?");
        }
    }
    free(all.matched);
    free(indexed.matched);
    return indexed.visited;
}

/* Event text from the rules' own strings (cut and glued), so tests land close to their literals. */
static void harvest(const cJSON *j, char ***pool, size_t *n)
{
    for (; j; j = j->next) {
        if (cJSON_IsString(j)) {
            *pool = realloc(*pool, (*n + 1) * sizeof **pool);
            assert_non_null(*pool);
            (*pool)[(*n)++] = j->valuestring;
        }
        harvest(j->child, pool, n);
    }
}

static void random_event_text(strbuf *sb, char **pool, size_t npool)
{
    size_t parts = rnd(4);
    for (size_t i = 0; i < parts; i++) {
        if (npool && rnd(3)) {
            const char *s = pool[rnd((uint32_t)npool)];
            size_t len = strlen(s), a = len ? rnd((uint32_t)len + 1) : 0, b = len ? rnd((uint32_t)len + 1) : 0;
            if (rnd(2)) a = 0, b = len; /* often whole */
            if (a > b) { size_t t = a; a = b; b = t; }
            strbuf_append(sb, s + a, b - a);
        } else if (rnd(8) == 0) {
            strbuf_puts(sb, "\xff"); /* invalid UTF-8: a file name can carry any byte */
        } else {
            random_text(sb, 2);
        }
    }
}

static void randomized_index_agrees_with_full_evaluation(void **state)
{
    (void)state;
    const char *env = getenv("WEE_INDEX_SEED");
    uint64_t first = env ? strtoull(env, NULL, 10) : 1, last = env ? first : 400;
    size_t events_checked = 0, candidates = 0, considered = 0;
    for (uint64_t seed = first; seed <= last; seed++) {
        rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
        size_t n = 1 + rnd(40);
        cJSON **conds = calloc(n, sizeof *conds);
        assert_non_null(conds);
        char **pool = NULL;
        size_t npool = 0;
        for (size_t i = 0; i < n; i++) {
            conds[i] = rnd(12) ? random_cond(0) : NULL;
            if (conds[i]) harvest(conds[i], &pool, &npool);
        }
        rule_set *rs = set_from_conds(conds, n);
        for (int e = 0; e < 40; e++) {
            wee_event *ev = event_new("file.created");
            assert_non_null(ev);
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                if (rnd(6) == 0) continue; /* a missing field */
                strbuf sb = STRBUF_INIT;
                random_event_text(&sb, pool, npool);
                assert_int_equal(event_set_string(ev, fields[f], strbuf_cstr(&sb)), 0);
                strbuf_free(&sb);
            }
            candidates += compare_one(rs, ev, conds, seed);
            considered += n;
            events_checked++;
            event_unref(ev);
        }
        rule_set_unref(rs);
        for (size_t i = 0; i < n; i++) cJSON_Delete(conds[i]);
        free(conds);
        free(pool);
    }
    print_message("index agreed on %zu events; %zu of %zu rule evaluations left after the index\n", events_checked,
                  candidates, considered);
    assert_true(events_checked > 0);
}

/* ---- corners ---- */

static size_t matches_through_index(const char *cond_json, const char *field, const char *value, size_t *visited)
{
    cJSON *c = cJSON_Parse(cond_json);
    assert_non_null(c);
    rule_set *rs = set_from_conds(&c, 1);
    wee_event *ev = event_new("file.created");
    assert_non_null(ev);
    assert_int_equal(event_set_string(ev, field, value), 0);
    hits h = { calloc(2, 1), 0, ev };
    assert_non_null(h.matched);
    size_t before = compare_one(rs, ev, &c, 0); /* also fails if the index disagrees */
    rule_set_candidates(rs, "file.created", "src", ev, visit, &h);
    size_t m = h.matched[0];
    if (visited) *visited = before;
    free(h.matched);
    event_unref(ev);
    rule_set_unref(rs);
    cJSON_Delete(c);
    return m;
}

static void glob_and_regex_corners_are_kept(void **state)
{
    (void)state;
    /* The trailing "**" also matches the folder itself: the separator before it is not required. */
    assert_int_equal(matches_through_index("{\"match\":{\"path\":{\"glob\":\"/data/**\"}}}", "path", "/data", NULL), 1);
    /* "**" + separator may match zero segments. */
    assert_int_equal(matches_through_index("{\"match\":{\"path\":{\"glob\":\"**/x.txt\"}}}", "path", "x.txt", NULL), 1);
    assert_int_equal(matches_through_index("{\"match\":{\"path\":{\"glob\":\"/a/**/b\"}}}", "path", "/a/b", NULL), 1);
    /* A caseless UTF regex's "k" also matches the Kelvin sign, which ASCII folding cannot see. */
    assert_int_equal(matches_through_index("{\"match\":{\"title\":{\"regex\":\"ok\",\"case_insensitive\":true}}}",
                                           "title", "O\xe2\x84\xaa", NULL), 1);
    /* Optional characters are not required; '+' ones are. */
    assert_int_equal(matches_through_index("{\"match\":{\"name\":{\"regex\":\"abc?d\"}}}", "name", "abd", NULL), 1);
    assert_int_equal(matches_through_index("{\"match\":{\"name\":{\"regex\":\"ab{0}c\"}}}", "name", "ac", NULL), 1);
    assert_int_equal(matches_through_index("{\"match\":{\"name\":{\"regex\":\"x(a|b)y|z\"}}}", "name", "z", NULL), 1);
    /* Folding applies to equality, prefixes, suffixes and substrings alike. */
    assert_int_equal(matches_through_index("{\"match\":{\"ext\":{\"equals\":\"PDF\",\"case_insensitive\":true}}}", "ext", "pdf", NULL), 1);
    assert_int_equal(matches_through_index("{\"match\":{\"name\":{\"ends_with\":\".TXT\",\"case_insensitive\":true}}}", "name", "a.txt", NULL), 1);
    /* Integers compare by value: "007" equals 7 and is never an index key. */
    assert_int_equal(matches_through_index("{\"match\":{\"name\":{\"in\":[7]}}}", "name", "007", NULL), 1);
}

/* 1000 rules on 1000 different extensions: an event reaches its own rule only. */
static void the_index_prunes_rules_that_cannot_match(void **state)
{
    (void)state;
    enum { N = 1000 };
    cJSON *conds[N];
    for (size_t i = 0; i < N; i++) {
        char json[96];
        snprintf(json, sizeof json, "{\"match\":{\"ext\":\"e%zu\"}}", i);
        conds[i] = cJSON_Parse(json);
        assert_non_null(conds[i]);
    }
    rule_set *rs = set_from_conds(conds, N);
    wee_event *ev = event_new("file.created");
    assert_non_null(ev);
    assert_int_equal(event_set_string(ev, "ext", "e512"), 0);
    size_t visited = compare_one(rs, ev, conds, 0);
    assert_int_equal(visited, 1);
    /* Without the event (host test's view) every rule of the type is a candidate. */
    hits h = { calloc(N + 1, 1), 0, ev };
    assert_non_null(h.matched);
    rule_set_candidates(rs, "file.created", "src", NULL, visit, &h);
    assert_int_equal(h.visited, N);
    free(h.matched);
    event_unref(ev);
    rule_set_unref(rs);
    for (size_t i = 0; i < N; i++) cJSON_Delete(conds[i]);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(randomized_index_agrees_with_full_evaluation),
        cmocka_unit_test(glob_and_regex_corners_are_kept),
        cmocka_unit_test(the_index_prunes_rules_that_cannot_match),
    };
    module_fields_load(); /* the traits the host gets from the modules it loads */
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
