/*
 * Rule conditions: compiled once from JSON into a small tree, evaluated per event without allocation
 * (except PCRE2 match data, created per regex evaluation: a per-thread cache would be freed by nobody
 * when a worker exits and would show up as a leak under LeakSanitizer).
 */
#include "util/strbuf.h"
#include "cond.h"
#include "cond_internal.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <pcre2.h>
#include "event.h"
#include "config_keys.h"
#include "field_traits.h"
#include "util/glob.h"
#include "util/double_int.h"

static const char *const op_names[] = { "equals", "glob", "regex", "contains", "starts_with", "ends_with",
                                        "in", "gt", "gte", "lt", "lte" };
#define OP_COUNT (sizeof op_names / sizeof op_names[0])
#define OP_LIST "equals, glob, regex, contains, starts_with, ends_with, in, gt, gte, lt, lte"
/* Exported for the schema generator (config_keys.h). */
const char *const *const cond_op_names = op_names;
const size_t cond_op_count = OP_COUNT;

/* What the loaded modules declared about the field (field_traits.h): caseless on Windows. */
static int default_case_insensitive(const char *f) { return field_traits_caseless(field_traits_of(f)); }

void cond_free(cond *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nkids; i++) cond_free(c->kids[i]);
    free(c->kids);
    free(c->field);
    free(c->v.s);
    for (size_t i = 0; i < c->nlist; i++) free(c->list[i].s);
    free(c->list);
    if (c->re) pcre2_code_free(c->re);
    free(c);
}

/* 1, 0 for a value of another type, -1 out of memory. */
static int json_to_val(const cJSON *j, cval *out)
{
    memset(out, 0, sizeof *out);
    if (cJSON_IsString(j)) { out->type = V_STR; out->s = str_dup(j->valuestring); return out->s ? 1 : -1; }
    if (cJSON_IsBool(j)) { out->type = V_BOOL; out->i = cJSON_IsTrue(j); return 1; }
    /* Range-checked before converting: casting 1e400 or 2^70 to int64_t is undefined behaviour. */
    if (cJSON_IsNumber(j) && double_to_int64(j->valuedouble, &out->i)) { out->type = V_INT; return 1; }
    return 0;
}

static cond *new_node(cond_kind k)
{
    cond *c = calloc(1, sizeof *c);
    if (c) c->kind = k;
    return c;
}

static int add_kid(cond *parent, cond *kid)
{
    cond **k = realloc(parent->kids, (parent->nkids + 1) * sizeof *k);
    if (!k) return 0;
    parent->kids = k;
    parent->kids[parent->nkids++] = kid;
    return 1;
}

/* A literal in the spelling the field's events carry (the module's normaliser, field_traits.h). Returns 0
 * when out of memory. */
static int normalise_literal(const char *field, char **s)
{
    int oom = 0;
    char *out = *s ? field_traits_normalise(field, *s, &oom) : NULL;
    if (out) { free(*s); *s = out; }
    return !oom;
}

static cond *compile_test(const char *field, const cJSON *spec, const char *path, diag_list *d)
{
    char sub[512], got[64];
    cond *c = new_node(C_TEST);
    if (!c) return NULL;
    c->field = str_dup(field);
    if (!c->field) { diag_add(d, path, "out of memory loading the config"); cond_free(c); return NULL; }
    c->ci = default_case_insensitive(field);
    if (!cJSON_IsObject(spec)) {
        c->op = OP_EQUALS;
        int got_val = json_to_val(spec, &c->v);
        if (got_val < 0) diag_add(d, path, "out of memory loading the config");
        if (got_val <= 0) {
            diag_describe_json(spec, got, sizeof got);
            diag_add(d, path, "expected a string, integer, boolean or an operator object such as {\"glob\": \"*.exe\"}, got %s", got);
            cond_free(c);
            return NULL;
        }
        if (c->v.type == V_STR && !normalise_literal(field, &c->v.s)) {
            diag_add(d, path, "out of memory");
            cond_free(c);
            return NULL;
        }
        return c;
    }
    const cJSON *opv = NULL;
    int nops = 0, ok = 1;
    for (const cJSON *it = spec->child; it; it = it->next) {
        if (strcmp(it->string, "case_insensitive") == 0) {
            if (!cJSON_IsBool(it)) {
                diag_describe_json(it, got, sizeof got);
                diag_add(d, diag_path_key(sub, sizeof sub, path, it->string), "expected true or false, got %s", got);
                ok = 0;
            } else c->ci = cJSON_IsTrue(it);
            continue;
        }
        size_t k = 0;
        while (k < OP_COUNT && strcmp(op_names[k], it->string) != 0) k++;
        if (k == OP_COUNT) {
            diag_add(d, diag_path_key(sub, sizeof sub, path, it->string), "unknown operator \"%s\" (expected one of %s)", it->string, OP_LIST);
            ok = 0;
            continue;
        }
        if (nops++) {
            diag_add(d, path, "more than one operator (\"%s\" and \"%s\"); combine tests with \"all\"", op_names[c->op], it->string);
            ok = 0;
            continue;
        }
        c->op = (cond_op)k;
        opv = it;
    }
    if (ok && !opv) {
        diag_add(d, path, "no operator; expected one of %s", OP_LIST);
        ok = 0;
    }
    if (!ok) { cond_free(c); return NULL; }
    const char *opath = diag_path_key(sub, sizeof sub, path, opv->string);
    diag_describe_json(opv, got, sizeof got);
    switch (c->op) {
    case OP_EQUALS:
        switch (json_to_val(opv, &c->v)) {
        case 1: break;
        case 0: diag_add(d, opath, "expected a string, integer or boolean, got %s", got); ok = 0; break;
        default: diag_add(d, opath, "out of memory loading the config"); ok = 0; break;
        }
        break;
    case OP_GLOB: case OP_REGEX: case OP_CONTAINS: case OP_STARTS: case OP_ENDS:
        if (!cJSON_IsString(opv)) { diag_add(d, opath, "expected a string, got %s", got); ok = 0; break; }
        c->v.type = V_STR;
        c->v.s = str_dup(opv->valuestring);
        if (!c->v.s) { diag_add(d, opath, "out of memory loading the config"); ok = 0; }
        break;
    case OP_IN:
        if (!cJSON_IsArray(opv)) { diag_add(d, opath, "expected an array of strings or integers, got %s", got); ok = 0; break; }
        c->list = calloc(cJSON_GetArraySize(opv) ? (size_t)cJSON_GetArraySize(opv) : 1, sizeof *c->list);
        if (!c->list) { diag_add(d, opath, "out of memory loading the config"); ok = 0; break; }
        c->nlist = (size_t)cJSON_GetArraySize(opv);
        {
            size_t i = 0;
            for (const cJSON *e = opv->child; e; e = e->next, i++) {
                int got_val = json_to_val(e, &c->list[i]);
                if (got_val <= 0) {
                    char ip[512];
                    diag_describe_json(e, got, sizeof got);
                    diag_add(d, diag_path_index(ip, sizeof ip, opath, i), got_val < 0 ? "out of memory loading the config" :
                             "expected a string, integer or boolean, got %s", got);
                    ok = 0;
                }
            }
        }
        break;
    default: /* gt gte lt lte */
        if (!cJSON_IsNumber(opv) || !double_to_int64(opv->valuedouble, &c->v.i)) {
            diag_add(d, opath, "expected an integer, got %s", got);
            ok = 0;
            break;
        }
        c->v.type = V_INT;
        break;
    }
    if (ok) {
        if (c->v.type == V_STR) ok = normalise_literal(field, &c->v.s);
        for (size_t i = 0; ok && i < c->nlist; i++)
            if (c->list[i].type == V_STR) ok = normalise_literal(field, &c->list[i].s);
        if (!ok) diag_add(d, path, "out of memory");
    }
    if (ok && c->op == OP_GLOB) {
        c->glob_flags = (c->ci ? GLOB_CASEFOLD : 0);
        if (field_traits_is_path(field)) {
            c->glob_flags |= GLOB_PATH;
#ifdef _WIN32
            c->glob_flags |= GLOB_PATHSEP_ANY;
#endif
        }
    }
    if (ok && c->op == OP_REGEX) {
        int err;
        PCRE2_SIZE off;
        /* MATCH_INVALID_UTF: event text is whatever the OS gave (a POSIX file name may hold any byte).
         * Without it one invalid byte makes every match fail - \.sh$ misses "\xff.sh" and a `not`
         * around it turns true; with it, invalid bytes match nothing but the valid text around them does. */
        c->re = pcre2_compile((PCRE2_SPTR)c->v.s, PCRE2_ZERO_TERMINATED,
                              (c->ci ? PCRE2_CASELESS : 0) | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
        if (!c->re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            diag_add(d, opath, "invalid regular expression at offset %zu: %s", (size_t)off, (const char *)msg);
            ok = 0;
        } else {
            pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter if JIT is unavailable */
        }
    }
    if (!ok) { cond_free(c); return NULL; }
    return c;
}

cond *cond_compile_match(const void *match_obj, const char *path, diag_list *d)
{
    const cJSON *m = match_obj;
    char got[64], sub[512];
    if (!cJSON_IsObject(m)) {
        diag_describe_json(m, got, sizeof got);
        diag_add(d, path, "expected an object of field tests such as {\"name\": {\"glob\": \"*.exe\"}}, got %s", got);
        return NULL;
    }
    cond *all = new_node(C_ALL);
    int ok = all != NULL;
    for (const cJSON *it = m->child; all && it; it = it->next) {
        cond *t = compile_test(it->string, it, diag_path_key(sub, sizeof sub, path, it->string), d);
        if (!t || !add_kid(all, t)) { cond_free(t); ok = 0; }
    }
    if (!ok) { cond_free(all); return NULL; }
    if (all->nkids == 1) { cond *only = all->kids[0]; all->nkids = 0; cond_free(all); return only; }
    return all;
}

cond *cond_compile(const void *obj, const char *path, diag_list *d)
{
    const cJSON *o = obj;
    char got[64], sub[512], ip[512];
    if (!cJSON_IsObject(o) || !o->child) {
        diag_describe_json(o, got, sizeof got);
        diag_add(d, path, "expected a condition object with one of match, all, any, not; got %s", got);
        return NULL;
    }
    cond *all = new_node(C_ALL);
    int ok = all != NULL;
    for (const cJSON *it = o->child; all && it; it = it->next) {
        const char *kp = diag_path_key(sub, sizeof sub, path, it->string);
        cond *c = NULL;
        if (strcmp(it->string, "match") == 0) {
            c = cond_compile_match(it, kp, d);
        } else if (strcmp(it->string, "not") == 0) {
            cond *inner = cond_compile(it, kp, d);
            if (inner) { c = new_node(C_NOT); if (!c || !add_kid(c, inner)) { cond_free(inner); cond_free(c); c = NULL; } }
        } else if (strcmp(it->string, "all") == 0 || strcmp(it->string, "any") == 0) {
            if (!cJSON_IsArray(it) || !it->child) {
                diag_describe_json(it, got, sizeof got);
                diag_add(d, kp, "expected a non-empty array of conditions, got %s", got);
            } else {
                c = new_node(it->string[1] == 'l' ? C_ALL : C_ANY);
                size_t i = 0;
                int kid_ok = c != NULL;
                for (const cJSON *e = it->child; c && e; e = e->next, i++) {
                    char kpath[512];
                    snprintf(kpath, sizeof kpath, "%s", diag_path_index(ip, sizeof ip, kp, i));
                    cond *k = cond_compile(e, kpath, d);
                    if (!k || !add_kid(c, k)) { cond_free(k); kid_ok = 0; }
                }
                if (!kid_ok) { cond_free(c); c = NULL; }
            }
        } else {
            diag_add(d, kp, "unknown condition \"%s\" (expected match, all, any or not)", it->string);
        }
        if (!c || !add_kid(all, c)) { cond_free(c); ok = 0; }
    }
    if (!ok) { cond_free(all); return NULL; }
    if (all->nkids == 1) { cond *only = all->kids[0]; all->nkids = 0; cond_free(all); return only; }
    return all;
}

/* ---- evaluation ---- */

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int ci_eq_n(const char *a, const char *b, size_t n, int ci)
{
    if (!ci) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++) if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
    return 1;
}

static const char *find_sub(const char *hay, const char *needle, int ci)
{
    if (!ci) return strstr(hay, needle);
    size_t n = strlen(needle);
    for (; *hay; hay++) if (ci_eq_n(hay, needle, n, 1)) return hay;
    return n == 0 ? hay : NULL;
}

static int val_equals(const event_field *f, const cval *v, int ci)
{
    switch (v->type) {
    case V_STR: return strlen(f->text) == strlen(v->s) && ci_eq_n(f->text, v->s, strlen(v->s), ci);
    case V_BOOL:
        if (f->type == WEE_VALUE_BOOL || f->type == WEE_VALUE_INT) return (f->ival != 0) == (v->i != 0);
        return strcmp(f->text, v->i ? "true" : "false") == 0;
    case V_INT: {
        if (f->type == WEE_VALUE_INT) return f->ival == v->i;
        char *end;
        long long x = strtoll(f->text, &end, 10);
        return *f->text && !*end && x == v->i;
    }
    }
    return 0;
}

static int field_int(const event_field *f, int64_t *out)
{
    if (f->type == WEE_VALUE_INT || f->type == WEE_VALUE_BOOL) { *out = f->ival; return 1; }
    char *end;
    long long x = strtoll(f->text, &end, 10);
    if (!*f->text || *end) return 0;
    *out = x;
    return 1;
}

static int test_eval(const cond *c, const event_field *f)
{
    if (!f) return 0;
    const char *t = f->text;
    switch (c->op) {
    case OP_EQUALS: return val_equals(f, &c->v, c->ci);
    case OP_GLOB: return glob_match(c->v.s, t, c->glob_flags);
    case OP_CONTAINS: return find_sub(t, c->v.s, c->ci) != NULL;
    case OP_STARTS: { size_t n = strlen(c->v.s); return strlen(t) >= n && ci_eq_n(t, c->v.s, n, c->ci); }
    case OP_ENDS: { size_t n = strlen(c->v.s), m = strlen(t); return m >= n && ci_eq_n(t + m - n, c->v.s, n, c->ci); }
    case OP_IN:
        for (size_t i = 0; i < c->nlist; i++) if (val_equals(f, &c->list[i], c->ci)) return 1;
        return 0;
    case OP_REGEX: {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        if (!md) return 0;
        int rc = pcre2_match(c->re, (PCRE2_SPTR)t, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
        pcre2_match_data_free(md);
        return rc >= 0;
    }
    default: {
        int64_t x;
        if (!field_int(f, &x)) return 0;
        return c->op == OP_GT ? x > c->v.i : c->op == OP_GTE ? x >= c->v.i : c->op == OP_LT ? x < c->v.i : x <= c->v.i;
    }
    }
}

int cond_eval(const cond *c, const wee_event *ev)
{
    switch (c->kind) {
    case C_TEST: return test_eval(c, event_find(ev, c->field));
    case C_NOT: return !cond_eval(c->kids[0], ev);
    case C_ALL:
        for (size_t i = 0; i < c->nkids; i++) if (!cond_eval(c->kids[i], ev)) return 0;
        return 1;
    case C_ANY:
        for (size_t i = 0; i < c->nkids; i++) if (cond_eval(c->kids[i], ev)) return 1;
        return 0;
    }
    return 0;
}

static void describe_val(const cval *v, char *buf, size_t n)
{
    if (v->type == V_STR) snprintf(buf, n, "\"%s\"", v->s);
    else if (v->type == V_BOOL) snprintf(buf, n, "%s", v->i ? "true" : "false");
    else snprintf(buf, n, "%" PRId64, v->i);
}

int cond_explain(const cond *c, const wee_event *ev, char *why, size_t n)
{
    if (cond_eval(c, ev)) return 1;
    switch (c->kind) {
    case C_TEST: {
        const event_field *f = event_find(ev, c->field);
        if (!f) { snprintf(why, n, "%s: field is missing", c->field); return 0; }
        char want[256];
        if (c->op == OP_IN) {
            snprintf(want, sizeof want, "the %zu listed value(s)", c->nlist);
            snprintf(why, n, "%s: \"%s\" is not one of %s", c->field, f->text, want);
        } else {
            describe_val(&c->v, want, sizeof want);
            const char *verb = c->op == OP_GLOB ? "does not match glob" : c->op == OP_REGEX ? "does not match regex"
                             : c->op == OP_EQUALS ? "does not equal" : c->op == OP_CONTAINS ? "does not contain"
                             : c->op == OP_STARTS ? "does not start with" : c->op == OP_ENDS ? "does not end with"
                             : c->op == OP_GT ? "is not >" : c->op == OP_GTE ? "is not >=" : c->op == OP_LT ? "is not <" : "is not <=";
            snprintf(why, n, "%s: \"%s\" %s %s%s", c->field, f->text, verb, want, c->ci ? " (case-insensitive)" : "");
        }
        return 0;
    }
    case C_NOT: snprintf(why, n, "not: inner condition matched"); return 0;
    case C_ALL:
        for (size_t i = 0; i < c->nkids; i++) if (!cond_eval(c->kids[i], ev)) return cond_explain(c->kids[i], ev, why, n);
        return 0;
    case C_ANY: {
        char first[256] = "";
        if (c->nkids) cond_explain(c->kids[0], ev, first, sizeof first);
        snprintf(why, n, "any: none of %zu alternatives matched (first: %s)", c->nkids, first);
        return 0;
    }
    }
    return 0;
}
