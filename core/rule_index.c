/*
 * The rule index (see rule_index.h). Tries keep their children as a byte string of labels searched
 * with memchr plus a parallel array of node numbers: small, and fast for the short fan-outs of file
 * names and paths. Rules hang off nodes as lists of rule numbers: `pass` fires when a walk reaches
 * the node, `end` only when the text ends there (equality).
 */
#include "rule_index.h"
#include <stdlib.h>
#include <string.h>
#include "cond_keys.h"
#include "event.h"
#include "util/hash.h"

#define NO_NODE UINT32_MAX

typedef struct id_list { uint32_t *ids; uint32_t count, cap; } id_list;

typedef struct tnode {
    unsigned char *labels;
    uint32_t *kids;
    uint32_t nkids, capkids;
    id_list pass, end;
    uint32_t fail, out;   /* Aho-Corasick: failure link; next node on the fail chain with pass ids */
} tnode;

typedef struct trie { tnode *nodes; uint32_t count, cap; } trie;

typedef struct field_index {
    const char *field;
    unsigned char casefold, sepnorm;
    trie fwd, rev, sub;   /* exact + prefix; suffix (reversed text); substring */
} field_index;

struct rule_index {
    size_t words;
    uint64_t *always;     /* rules without a usable literal */
    field_index *fields;
    size_t nfields;
};

static int ids_add(id_list *l, uint32_t id)
{
    if (l->count && l->ids[l->count - 1] == id) return 0; /* the same rule twice on one node */
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 2;
        uint32_t *ids = realloc(l->ids, cap * sizeof *ids);
        if (!ids) return -1;
        l->ids = ids;
        l->cap = cap;
    }
    l->ids[l->count++] = id;
    return 0;
}

static uint32_t trie_child(const trie *t, uint32_t n, unsigned char c)
{
    const tnode *nd = &t->nodes[n];
    const unsigned char *hit = nd->nkids ? memchr(nd->labels, c, nd->nkids) : NULL;
    return hit ? nd->kids[hit - nd->labels] : NO_NODE;
}

static uint32_t trie_new_node(trie *t)
{
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        tnode *nodes = realloc(t->nodes, cap * sizeof *nodes);
        if (!nodes) return NO_NODE;
        t->nodes = nodes;
        t->cap = cap;
    }
    memset(&t->nodes[t->count], 0, sizeof t->nodes[t->count]);
    t->nodes[t->count].out = NO_NODE;
    return t->count++;
}

/* The node for literal (reversed when `reverse`), created as needed; NO_NODE when out of memory. */
static uint32_t trie_insert(trie *t, const char *lit, int reverse)
{
    if (t->count == 0 && trie_new_node(t) == NO_NODE) return NO_NODE;
    size_t len = strlen(lit);
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)lit[reverse ? len - 1 - i : i];
        uint32_t k = trie_child(t, n, c);
        if (k == NO_NODE) {
            k = trie_new_node(t);
            if (k == NO_NODE) return NO_NODE;
            tnode *nd = &t->nodes[n];
            if (nd->nkids == nd->capkids) {
                uint32_t cap = nd->capkids ? nd->capkids * 2 : 2;
                unsigned char *labels = realloc(nd->labels, cap);
                if (!labels) return NO_NODE;
                nd->labels = labels;
                uint32_t *kids = realloc(nd->kids, cap * sizeof *kids);
                if (!kids) return NO_NODE;
                nd->kids = kids;
                nd->capkids = cap;
            }
            nd->labels[nd->nkids] = c;
            nd->kids[nd->nkids++] = k;
        }
        n = k;
    }
    return n;
}

static void trie_free(trie *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        free(t->nodes[i].labels);
        free(t->nodes[i].kids);
        free(t->nodes[i].pass.ids);
        free(t->nodes[i].end.ids);
    }
    free(t->nodes);
}

/* Failure and output links, breadth first (a node's fail target is always shallower). */
static int ac_link(trie *t)
{
    if (t->count == 0) return 0;
    uint32_t *queue = malloc(t->count * sizeof *queue), head = 0, tail = 0;
    if (!queue) return -1;
    t->nodes[0].fail = 0;
    queue[tail++] = 0;
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t i = 0; i < t->nodes[u].nkids; i++) {
            unsigned char c = t->nodes[u].labels[i];
            uint32_t v = t->nodes[u].kids[i], f = NO_NODE;
            if (u != 0) {
                for (uint32_t g = t->nodes[u].fail;; g = t->nodes[g].fail) {
                    f = trie_child(t, g, c);
                    if (f != NO_NODE || g == 0) break;
                }
            }
            tnode *nv = &t->nodes[v];
            nv->fail = f == NO_NODE ? 0 : f;
            nv->out = t->nodes[nv->fail].pass.count ? nv->fail : t->nodes[nv->fail].out;
            queue[tail++] = v;
        }
    }
    free(queue);
    return 0;
}

static void set_ids(uint64_t *bits, const id_list *l)
{
    for (uint32_t i = 0; i < l->count; i++) bits[l->ids[i] >> 6] |= 1ull << (l->ids[i] & 63);
}

static void walk_fwd(const field_index *fi, const char *text, uint64_t *bits)
{
    const trie *t = &fi->fwd;
    uint32_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        set_ids(bits, &t->nodes[n].pass);
        if (!*p) { set_ids(bits, &t->nodes[n].end); return; }
        n = trie_child(t, n, index_key_fold(*p, fi->casefold, fi->sepnorm));
        if (n == NO_NODE) return;
    }
}

static void walk_rev(const field_index *fi, const char *text, uint64_t *bits)
{
    const trie *t = &fi->rev;
    uint32_t n = 0;
    for (size_t i = strlen(text);;) {
        set_ids(bits, &t->nodes[n].pass);
        if (i == 0) return;
        n = trie_child(t, n, index_key_fold((unsigned char)text[--i], fi->casefold, fi->sepnorm));
        if (n == NO_NODE) return;
    }
}

static void walk_sub(const field_index *fi, const char *text, uint64_t *bits)
{
    const trie *t = &fi->sub;
    uint32_t s = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = index_key_fold(*p, fi->casefold, fi->sepnorm);
        uint32_t k;
        while ((k = trie_child(t, s, c)) == NO_NODE && s != 0) s = t->nodes[s].fail;
        s = k == NO_NODE ? 0 : k;
        for (uint32_t o = t->nodes[s].pass.count ? s : t->nodes[s].out; o != NO_NODE; o = t->nodes[o].out)
            set_ids(bits, &t->nodes[o].pass);
    }
}

void rule_index_candidates(const rule_index *ix, const wee_event *ev, uint64_t *bits)
{
    for (size_t w = 0; w < ix->words; w++) bits[w] |= ix->always[w];
    for (size_t i = 0; i < ix->nfields; i++) {
        const field_index *fi = &ix->fields[i];
        const event_field *f = event_find(ev, fi->field);
        if (!f) continue; /* every test on a missing field fails */
        if (fi->fwd.count) walk_fwd(fi, f->text, bits);
        if (fi->rev.count) walk_rev(fi, f->text, bits);
        if (fi->sub.count) walk_sub(fi, f->text, bits);
    }
}

/* ---- building ---- */

static field_index *field_for(rule_index *ix, const index_key *k)
{
    for (size_t i = 0; i < ix->nfields; i++) {
        field_index *fi = &ix->fields[i];
        if (fi->casefold == k->casefold && fi->sepnorm == k->sepnorm && strcmp(fi->field, k->field) == 0) return fi;
    }
    field_index *fields = realloc(ix->fields, (ix->nfields + 1) * sizeof *fields);
    if (!fields) return NULL;
    ix->fields = fields;
    field_index *fi = &ix->fields[ix->nfields++];
    memset(fi, 0, sizeof *fi);
    fi->field = k->field;
    fi->casefold = k->casefold;
    fi->sepnorm = k->sepnorm;
    return fi;
}

static int insert_key(rule_index *ix, const index_key *k, uint32_t id)
{
    field_index *fi = field_for(ix, k);
    if (!fi) return -1;
    trie *t = k->kind == IKEY_SUFFIX ? &fi->rev : k->kind == IKEY_SUBSTR ? &fi->sub : &fi->fwd;
    uint32_t n = trie_insert(t, k->literal, k->kind == IKEY_SUFFIX);
    if (n == NO_NODE) return -1;
    return ids_add(k->kind == IKEY_EXACT ? &t->nodes[n].end : &t->nodes[n].pass, id);
}

/* How many rules offer a key: a small open-addressing table of key hashes. A collision only makes a
 * choice less good, never wrong. */
typedef struct key_counts { uint64_t *hash; uint32_t *count; size_t mask; } key_counts;

static uint64_t key_hash(const index_key *k)
{
    uint64_t h = fnv1a_step(fnv1a_step(fnv1a_step(FNV1A_SEED, (unsigned char)k->kind), k->casefold), k->sepnorm);
    h = fnv1a_bytes(h, k->field, strlen(k->field) + 1);
    h = fnv1a_bytes(h, k->literal, strlen(k->literal));
    return h | 1; /* 0 marks an empty slot */
}

static uint32_t *count_slot(key_counts *kc, uint64_t h)
{
    size_t i = (size_t)h & kc->mask;
    while (kc->hash[i] && kc->hash[i] != h) i = (i + 1) & kc->mask;
    kc->hash[i] = h;
    return &kc->count[i];
}

/* Expected work if this option is chosen: rules sharing its literals, shorter literals slightly worse. */
static uint64_t option_cost(key_counts *kc, const index_option *o)
{
    uint64_t cost = 0;
    for (size_t i = 0; i < o->count; i++) {
        size_t len = strlen(o->keys[i].literal);
        uint64_t kind = o->keys[i].kind == IKEY_EXACT ? 0 : o->keys[i].kind == IKEY_SUBSTR ? 2 : 1;
        cost += (uint64_t)*count_slot(kc, key_hash(&o->keys[i])) * 256 + kind * 64 + (len < 64 ? 64 - len : 0);
    }
    return cost;
}

static int build(rule_index *ix, const rule *rules, size_t count, index_options *opts, key_counts *kc)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (!rules[i].when) continue;
        if (cond_index_options(rules[i].when, &opts[i]) != 0) return -1;
        for (size_t o = 0; o < opts[i].count; o++) total += opts[i].items[o].count;
    }
    size_t cap = 16;
    while (cap < total * 2) cap *= 2;
    kc->hash = calloc(cap, sizeof *kc->hash);
    kc->count = calloc(cap, sizeof *kc->count);
    if (!kc->hash || !kc->count) return -1;
    kc->mask = cap - 1;
    for (size_t i = 0; i < count; i++)
        for (size_t o = 0; o < opts[i].count; o++)
            for (size_t k = 0; k < opts[i].items[o].count; k++) (*count_slot(kc, key_hash(&opts[i].items[o].keys[k])))++;

    for (size_t i = 0; i < count; i++) {
        if (opts[i].count == 0) {
            ix->always[i >> 6] |= 1ull << (i & 63);
            continue;
        }
        size_t best = 0;
        uint64_t best_cost = option_cost(kc, &opts[i].items[0]);
        for (size_t o = 1; o < opts[i].count; o++) {
            uint64_t c = option_cost(kc, &opts[i].items[o]);
            if (c < best_cost) best = o, best_cost = c;
        }
        const index_option *b = &opts[i].items[best];
        for (size_t k = 0; k < b->count; k++) if (insert_key(ix, &b->keys[k], (uint32_t)i) != 0) return -1;
    }
    for (size_t f = 0; f < ix->nfields; f++) if (ac_link(&ix->fields[f].sub) != 0) return -1;
    return 0;
}

rule_index *rule_index_build(const rule *rules, size_t count)
{
    if (count > UINT32_MAX - 1) return NULL;
    rule_index *ix = calloc(1, sizeof *ix);
    index_options *opts = calloc(count ? count : 1, sizeof *opts);
    key_counts kc = { NULL, NULL, 0 };
    int ok = ix && opts;
    if (ok) {
        ix->words = (count + 63) / 64;
        ix->always = calloc(ix->words ? ix->words : 1, sizeof *ix->always);
        ok = ix->always && build(ix, rules, count, opts, &kc) == 0;
    }
    if (opts) for (size_t i = 0; i < count; i++) index_options_free(&opts[i]);
    free(opts);
    free(kc.hash);
    free(kc.count);
    if (!ok) { rule_index_free(ix); return NULL; }
    return ix;
}

void rule_index_free(rule_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->nfields; i++) {
        trie_free(&ix->fields[i].fwd);
        trie_free(&ix->fields[i].rev);
        trie_free(&ix->fields[i].sub);
    }
    free(ix->fields);
    free(ix->always);
    free(ix);
}
