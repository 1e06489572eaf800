/*
 * fuzz_cond - rule conditions: compile any JSON, evaluate on generated events (invalid UTF-8, edge
 * integers, fields the condition names).
 * Input: condition JSON text, a NUL, then the bytes fuzz_event turns into an event.
 * Invariants: eval and explain agree; {"not": c} is the negation of c; {"all": [c]} and {"any": [c]}
 * equal c; a string test on a plain field (no path rules, no case folding) agrees with a reference.
 */
#include <string.h>
#include <cjson/cJSON.h>
#include "cond.h"
#include "fuzz_input.h"

#define MAX_NAMES 32

/* The field names the condition mentions, so generated events carry them. */
static void collect_names(const cJSON *j, const char **names, size_t *count)
{
    for (const cJSON *it = j ? j->child : NULL; it; it = it->next) {
        if (it->string && *count < MAX_NAMES && strcmp(it->string, "match") && strcmp(it->string, "all") &&
            strcmp(it->string, "any") && strcmp(it->string, "not"))
            names[(*count)++] = it->string;
        collect_names(it, names, count);
    }
}

static cond *compile_wrapped(const char *wrapper, cJSON *inner)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *copy = cJSON_Duplicate(inner, 1);
    if (!o || !copy) abort();
    if (strcmp(wrapper, "not") == 0) {
        cJSON_AddItemToObject(o, wrapper, copy);
    } else {
        cJSON *arr = cJSON_AddArrayToObject(o, wrapper);
        cJSON_AddItemToArray(arr, copy);
    }
    diag_list d = DIAG_INIT;
    cond *c = cond_compile(o, "rules[0].when", &d);
    diag_free(&d);
    cJSON_Delete(o);
    return c;
}

/* Reference semantics of the plain string operators (case-sensitive, byte-wise). */
static void check_reference(fuzz_input *in)
{
    static const char *const ops[] = { "equals", "contains", "starts_with", "ends_with" };
    uint8_t op = fuzz_byte(in) % 4;
    char *want = fuzz_str(in), *have = fuzz_str(in);
    cJSON *root = cJSON_CreateObject(), *match = cJSON_AddObjectToObject(root, "match");
    cJSON *test = cJSON_AddObjectToObject(match, "title");
    cJSON_AddStringToObject(test, ops[op], want);
    diag_list d = DIAG_INIT;
    cond *c = cond_compile(root, "rules[0].when", &d);
    if (c) {
        wee_event *ev = event_new("window.focused");
        event_set_string(ev, "title", have);
        size_t hl = strlen(have), wl = strlen(want);
        int expect = op == 0 ? strcmp(have, want) == 0
                   : op == 1 ? strstr(have, want) != NULL
                   : op == 2 ? strncmp(have, want, wl) == 0
                   : hl >= wl && memcmp(have + hl - wl, want, wl) == 0;
        FUZZ_CHECK(!!cond_eval(c, ev) == expect, "%s \"%s\" on \"%s\"", ops[op], want, have);
        event_unref(ev);
        cond_free(c);
    }
    diag_free(&d);
    cJSON_Delete(root);
    free(want);
    free(have);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *text = fuzz_until_nul(&in);
    cJSON *json = cJSON_Parse(text);
    free(text);
    if (!json) {
        check_reference(&in);
        return 0;
    }
    diag_list d = DIAG_INIT;
    cond *c = cond_compile(json, "rules[0].when", &d);
    FUZZ_CHECK((c != NULL) == (d.count == 0), "compile returned %p with %zu error(s)", (void *)c, d.count);
    diag_free(&d);
    if (c) {
        const char *names[MAX_NAMES];
        size_t name_count = 0;
        collect_names(json, names, &name_count);
        cond *neg = compile_wrapped("not", json), *all = compile_wrapped("all", json),
             *any = compile_wrapped("any", json);
        FUZZ_CHECK(neg && all && any, "a valid condition failed to compile when wrapped");
        for (int round = 0; round < 4 && in.n; round++) {
            wee_event *ev = fuzz_event(&in, names, name_count);
            char why[512];
            int r = !!cond_eval(c, ev);
            FUZZ_CHECK(!!cond_explain(c, ev, why, sizeof why) == r, "explain disagrees with eval");
            FUZZ_CHECK(!!cond_eval(neg, ev) == !r, "not(c) is not the negation of c");
            FUZZ_CHECK(!!cond_eval(all, ev) == r, "all([c]) differs from c");
            FUZZ_CHECK(!!cond_eval(any, ev) == r, "any([c]) differs from c");
            event_unref(ev);
        }
        cond_free(neg);
        cond_free(all);
        cond_free(any);
        cond_free(c);
    }
    cJSON_Delete(json);
    return 0;
}
