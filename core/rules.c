/*
 * core/rules.c - the compiled rule set: which rules an event can reach, and the set's lifetime.
 *
 * Candidates are kept as bit sets over the rule numbers, so walking them in ascending order is config
 * order. Exact event types go into a small open-addressing hash table whose slots each hold the bits
 * of their rules; glob patterns ("file.*") share one bit set checked by glob. The rule index
 * (rule_index.h) narrows those bits further by the event's fields before any condition runs.
 */
#include "rules.h"
#include <stdlib.h>
#include <string.h>
#include "rule_index.h"
#include "event.h"
#include "rule_state.h"
#include "util/glob.h"
#include "util/hash.h"

typedef struct index_slot {
    const char *type;      /* NULL: empty; points at a rule's event_pattern */
    uint64_t *bits;        /* rules with exactly this type */
} index_slot;

struct rule_set {
    atomic_size_t refs;
    rule *rules;
    size_t count;
    size_t words;          /* (count + 63) / 64 */
    index_slot *slots;
    size_t slot_mask;      /* slot count - 1; the count is a power of two */
    uint64_t *type_bits;   /* the slots' bit sets, back to back */
    uint64_t *glob_bits;   /* rules whose event pattern is a glob */
    rule_index *fields;    /* NULL when there are no rules */
    size_t *stateful;      /* indices of rules that remember (memory.kind set), for the timer */
    size_t stateful_count;
};

static index_slot *find_slot(const rule_set *rs, const char *type)
{
    for (size_t i = (size_t)fnv1a_str(type) & rs->slot_mask;; i = (i + 1) & rs->slot_mask) {
        index_slot *s = &rs->slots[i];
        /* At most half the slots are used, so the probe always reaches an empty one. */
        if (!s->type || strcmp(s->type, type) == 0) return s;
    }
}

static void set_bit(uint64_t *bits, size_t i) { bits[i >> 6] |= 1ull << (i & 63); }

/* Returns 0, or -1 when out of memory. */
static int build_index(rule_set *rs)
{
    size_t types = 0, cap = 8, w = rs->words ? rs->words : 1;
    for (size_t i = 0; i < rs->count; i++) types += !rs->rules[i].event_is_glob;
    while (cap < types * 2) cap *= 2;
    rs->slots = calloc(cap, sizeof *rs->slots);
    rs->glob_bits = calloc(w, sizeof *rs->glob_bits);
    if (!rs->slots || !rs->glob_bits) return -1;
    rs->slot_mask = cap - 1;
    size_t used = 0;
    for (size_t i = 0; i < rs->count; i++) {
        rule *r = &rs->rules[i];
        if (r->event_is_glob) continue;
        index_slot *s = find_slot(rs, r->event_pattern);
        if (!s->type) { s->type = r->event_pattern; used++; }
    }
    rs->type_bits = calloc(used ? used * w : 1, sizeof *rs->type_bits);
    if (!rs->type_bits) return -1;
    size_t next = 0;
    for (size_t i = 0; i <= rs->slot_mask; i++)
        if (rs->slots[i].type) { rs->slots[i].bits = rs->type_bits + next * w; next++; }
    for (size_t i = 0; i < rs->count; i++) {
        rule *r = &rs->rules[i];
        set_bit(r->event_is_glob ? rs->glob_bits : find_slot(rs, r->event_pattern)->bits, i);
    }
    rs->stateful = calloc(rs->count ? rs->count : 1, sizeof *rs->stateful);
    if (!rs->stateful) return -1;
    for (size_t i = 0; i < rs->count; i++)
        if (rs->rules[i].memory.kind != MEMORY_NONE) rs->stateful[rs->stateful_count++] = i;
    rs->fields = rule_index_build(rs->rules, rs->count);
    return rs->fields ? 0 : -1;
}

static void rule_set_free(rule_set *rs)
{
    for (size_t i = 0; i < rs->count; i++) rule_free_members(&rs->rules[i]);
    free(rs->rules);
    rule_index_free(rs->fields);
    free(rs->stateful);
    free(rs->slots);
    free(rs->type_bits);
    free(rs->glob_bits);
    free(rs);
}

rule_set *rule_set_new(rule *rules, size_t count)
{
    rule_set *rs = calloc(1, sizeof *rs);
    if (!rs) {
        for (size_t i = 0; i < count; i++) rule_free_members(&rules[i]);
        free(rules);
        return NULL;
    }
    atomic_init(&rs->refs, 1);
    rs->rules = rules;
    rs->count = count;
    rs->words = (count + 63) / 64;
    for (size_t i = 0; i < count; i++) rules[i].index = i;
    if (build_index(rs) != 0) {
        rule_set_free(rs);
        return NULL;
    }
    return rs;
}

rule_set *rule_set_ref(rule_set *rs)
{
    /* Relaxed: taking a reference needs no ordering, only the final release does. */
    if (rs) atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
    return rs;
}

void rule_set_unref(rule_set *rs)
{
    if (!rs) return;
    /* acq_rel: every other holder's last use happens before the thread that frees the set. */
    if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) == 1) rule_set_free(rs);
}

size_t rule_set_count(const rule_set *rs) { return rs ? rs->count : 0; }

rule *rule_set_at(const rule_set *rs, size_t i) { return (rs && i < rs->count) ? &rs->rules[i] : NULL; }

size_t rule_set_stateful_count(const rule_set *rs) { return rs ? rs->stateful_count : 0; }

rule *rule_set_stateful_at(const rule_set *rs, size_t i)
{
    return (rs && i < rs->stateful_count) ? &rs->rules[rs->stateful[i]] : NULL;
}

static int accepts(const rule *r, const char *source)
{
    return r->enabled && (!r->source || (source && strcmp(r->source, source) == 0));
}

/* Index of the lowest set bit (x != 0), by de Bruijn multiplication: portable C, no intrinsics. */
static unsigned lowest_bit(uint64_t x)
{
    static const unsigned char table[64] = {
        0, 1, 2, 53, 3, 7, 54, 27, 4, 38, 41, 8, 34, 55, 48, 28, 62, 5, 39, 46, 44, 42, 22, 9, 24, 35, 59, 56,
        49, 18, 29, 11, 63, 52, 6, 26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10, 51, 25, 36, 32, 60, 20,
        57, 16, 50, 31, 19, 15, 30, 14, 13, 12 };
    return table[((x & (~x + 1)) * 0x022fdd63cc95386dull) >> 58];
}

void rule_set_candidates(const rule_set *rs, const char *type, const char *source, const wee_event *ev,
                         rule_visit_fn fn, void *ctx)
{
    if (!rs || !type || rs->count == 0) return;
    enum { STACK_WORDS = 64 }; /* 4096 rules without touching the heap */
    uint64_t stack_bits[STACK_WORDS], *bits = stack_bits;
    if (rs->words > STACK_WORDS && !(bits = malloc(rs->words * sizeof *bits))) {
        bits = NULL; /* out of memory: visit every rule of the type, as if there were no field index */
    }
    if (bits) {
        memset(bits, 0, rs->words * sizeof *bits);
        if (ev) rule_index_candidates(rs->fields, ev, bits);
        else memset(bits, 0xff, rs->words * sizeof *bits);
    }
    const index_slot *s = find_slot(rs, type);
    for (size_t w = 0; w < rs->words; w++) {
        uint64_t word = (s->type ? s->bits[w] : 0) | rs->glob_bits[w];
        if (bits) word &= bits[w];
        while (word) {
            size_t i = w * 64 + lowest_bit(word);
            word &= word - 1;
            rule *r = &rs->rules[i];
            if (r->event_is_glob && !glob_match(r->event_pattern, type, 0)) continue;
            if (accepts(r, source) && fn(r, ctx) != 0) {
                if (bits != stack_bits) free(bits);
                return;
            }
        }
    }
    if (bits != stack_bits) free(bits);
}

void rule_free_members(rule *r)
{
    for (size_t j = 0; j < r->action_count; j++) {
        rule_action *a = &r->actions[j];
        /* instance stays NULL until a successful create; a module that succeeds without an instance has
         * nothing to destroy. */
        if (a->instance && a->module && a->module->desc.action_destroy) a->module->desc.action_destroy(a->instance);
        if (a->created) loader_module_release(a->module);
        if (a->params) options_tree_free(a->params);
        free(a->json_path);
    }
    free(r->actions);
    for (size_t j = 0; j < r->memory.nsteps; j++) rule_step_free(&r->memory.steps[j]);
    free(r->memory.steps);
    for (size_t j = 0; j < r->memory.ngroup; j++) free(r->memory.group_fields[j]);
    free(r->memory.group_fields);
    free(r->fingerprint);
    if (r->when) cond_free(r->when);
    if (r->state) rule_state_free(r->state);
    free(r->name);
    free(r->event_pattern);
    free(r->source);
    free(r->json_path);
    memset(r, 0, sizeof *r);
}
