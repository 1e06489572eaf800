/*
 * Index options of a compiled condition (see cond_keys.h). Each string test yields the literal its
 * operator needs; globs yield their literal ends (glob_literal_*_len) and regexes each literal run
 * every match contains (regex_required_literals), each its own option. "all" offers every child's options, "any" one option
 * joining a chosen option of every child, "not" none.
 */
#include "cond_keys.h"
#include <stdlib.h>
#include <string.h>
#include "cond_internal.h"
#include "util/glob.h"
#include "util/regex_literal.h"

static void option_free(index_option *o)
{
    for (size_t i = 0; i < o->count; i++) free(o->keys[i].literal);
    free(o->keys);
    o->keys = NULL;
    o->count = 0;
}

void index_options_free(index_options *o)
{
    for (size_t i = 0; i < o->count; i++) option_free(&o->items[i]);
    free(o->items);
    o->items = NULL;
    o->count = 0;
}

static int add_key(index_option *o, const char *field, index_key_kind kind, int casefold, int sepnorm,
                   const char *text, size_t len)
{
    index_key *k = realloc(o->keys, (o->count + 1) * sizeof *k);
    if (!k) return -1;
    o->keys = k;
    char *lit = malloc(len + 1);
    if (!lit) return -1;
    for (size_t i = 0; i < len; i++) lit[i] = (char)index_key_fold((unsigned char)text[i], casefold, sepnorm);
    lit[len] = '\0';
    o->keys[o->count++] = (index_key){ field, kind, (unsigned char)casefold, (unsigned char)sepnorm, lit };
    return 0;
}

/* Moves *o into out (o is left empty). */
static int push_option(index_options *out, index_option *o)
{
    index_option *items = realloc(out->items, (out->count + 1) * sizeof *items);
    if (!items) { option_free(o); return -1; }
    out->items = items;
    out->items[out->count++] = *o;
    o->keys = NULL;
    o->count = 0;
    return 0;
}

static int single(index_options *out, const cond *c, index_key_kind kind, int casefold, int sepnorm,
                  const char *text, size_t len)
{
    index_option o = { NULL, 0 };
    if (add_key(&o, c->field, kind, casefold, sepnorm, text, len) != 0) { option_free(&o); return -1; }
    return push_option(out, &o);
}

typedef struct regex_ctx { index_options *out; const cond *c; int failed; } regex_ctx;

static void regex_run(void *p, const char *run, size_t len)
{
    regex_ctx *rc = p;
    if (!rc->failed && single(rc->out, rc->c, IKEY_SUBSTR, rc->c->ci, 0, run, len) != 0) rc->failed = 1;
}

static int test_options(const cond *c, index_options *out)
{
    const char *v = c->v.s;
    switch (c->op) {
    case OP_EQUALS:
        return c->v.type == V_STR ? single(out, c, IKEY_EXACT, c->ci, 0, v, strlen(v)) : 0;
    case OP_IN: {
        /* Integers and booleans compare by value ("007" equals 7): only all-string lists are keys. */
        for (size_t i = 0; i < c->nlist; i++) if (c->list[i].type != V_STR) return 0;
        index_option o = { NULL, 0 };
        for (size_t i = 0; i < c->nlist; i++)
            if (add_key(&o, c->field, IKEY_EXACT, c->ci, 0, c->list[i].s, strlen(c->list[i].s)) != 0) {
                option_free(&o);
                return -1;
            }
        return push_option(out, &o);
    }
    case OP_STARTS: return *v ? single(out, c, IKEY_PREFIX, c->ci, 0, v, strlen(v)) : 0;
    case OP_ENDS: return *v ? single(out, c, IKEY_SUFFIX, c->ci, 0, v, strlen(v)) : 0;
    case OP_CONTAINS: return *v ? single(out, c, IKEY_SUBSTR, c->ci, 0, v, strlen(v)) : 0;
    case OP_GLOB: {
        int fold = (c->glob_flags & GLOB_CASEFOLD) != 0, sep = (c->glob_flags & GLOB_PATHSEP_ANY) != 0;
        size_t len = strlen(v), pre = glob_literal_prefix_len(v, c->glob_flags), suf = glob_literal_suffix_len(v, c->glob_flags);
        if (pre == len && suf == len) return single(out, c, IKEY_EXACT, fold, sep, v, len);
        if (pre && single(out, c, IKEY_PREFIX, fold, sep, v, pre) != 0) return -1;
        if (suf && single(out, c, IKEY_SUFFIX, fold, sep, v + len - suf, suf) != 0) return -1;
        return 0;
    }
    case OP_REGEX: {
        regex_ctx rc = { out, c, 0 };
        regex_required_literals(v, c->ci, regex_run, &rc);
        return rc.failed ? -1 : 0;
    }
    default:
        return 0; /* gt/gte/lt/lte: numeric */
    }
}

/* Without knowing other rules: fewer keys first, then the more selective kind, then longer literals. */
static long option_cost(const index_option *o)
{
    long cost = 0;
    for (size_t i = 0; i < o->count; i++) {
        long len = (long)strlen(o->keys[i].literal);
        cost += 1000 + (o->keys[i].kind == IKEY_SUBSTR ? 200 : o->keys[i].kind == IKEY_EXACT ? 0 : 100) - (len < 64 ? len : 64);
    }
    return cost;
}

static int collect(const cond *c, index_options *out);

static int any_option(const cond *c, index_options *out)
{
    index_option joined = { NULL, 0 };
    for (size_t i = 0; i < c->nkids; i++) {
        index_options kid = { NULL, 0 };
        if (collect(c->kids[i], &kid) != 0) { option_free(&joined); return -1; }
        if (kid.count == 0) { option_free(&joined); return 0; } /* one unindexable branch: none */
        size_t best = 0;
        for (size_t k = 1; k < kid.count; k++) if (option_cost(&kid.items[k]) < option_cost(&kid.items[best])) best = k;
        const index_option *b = &kid.items[best];
        for (size_t k = 0; k < b->count; k++) {
            const index_key *key = &b->keys[k];
            /* The literal is already folded; folding again changes nothing. */
            if (add_key(&joined, key->field, key->kind, key->casefold, key->sepnorm, key->literal, strlen(key->literal)) != 0) {
                index_options_free(&kid);
                option_free(&joined);
                return -1;
            }
        }
        index_options_free(&kid);
    }
    return push_option(out, &joined);
}

static int collect(const cond *c, index_options *out)
{
    switch (c->kind) {
    case C_TEST: return test_options(c, out);
    case C_NOT: return 0;
    case C_ANY: return any_option(c, out);
    case C_ALL:
        for (size_t i = 0; i < c->nkids; i++) if (collect(c->kids[i], out) != 0) return -1;
        return 0;
    }
    return 0;
}

int cond_index_options(const cond *c, index_options *out)
{
    out->items = NULL;
    out->count = 0;
    if (!c) return 0;
    if (collect(c, out) != 0) { index_options_free(out); return -1; }
    return 0;
}
