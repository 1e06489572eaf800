/*
 * core/rules.c - the compiled rule set: an index from event type to candidate rules, and its lifetime.
 *
 * Exact event types go into a small open-addressing hash table whose slots point at runs of one shared
 * array of rule indices (ascending, i.e. config order); glob patterns go into one ascending list. A lookup
 * merges the run for the type with the glob list, so rules are visited in config order whichever way
 * they were indexed.
 */
#include "rules.h"
#include <stdlib.h>
#include <string.h>
#include "rule_state.h"
#include "util/glob.h"

typedef struct index_slot {
    const char *type;      /* NULL: empty; points at the rule's event_pattern */
    size_t first, count;   /* run in rule_set.exact */
} index_slot;

struct rule_set {
    atomic_size_t refs;
    rule *rules;
    size_t count;
    index_slot *slots;
    size_t slot_mask;      /* slot count - 1; the count is a power of two */
    size_t *exact;         /* rule indices grouped by slot */
    size_t *globs;         /* rule indices of glob patterns, ascending */
    size_t glob_count;
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: short keys, no allocation, good enough spread */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static index_slot *find_slot(const rule_set *rs, const char *type)
{
    for (size_t i = (size_t)hash_text(type) & rs->slot_mask;; i = (i + 1) & rs->slot_mask) {
        index_slot *s = &rs->slots[i];
        /* At most half the slots are used, so the probe always reaches an empty one. */
        if (!s->type || strcmp(s->type, type) == 0) return s;
    }
}

/* Returns 0, or -1 when out of memory. */
static int build_index(rule_set *rs)
{
    size_t exact_count = 0, cap = 8;
    for (size_t i = 0; i < rs->count; i++) exact_count += !rs->rules[i].event_is_glob;
    while (cap < exact_count * 2) cap *= 2;
    rs->slots = calloc(cap, sizeof *rs->slots);
    rs->exact = calloc(exact_count ? exact_count : 1, sizeof *rs->exact);
    rs->globs = calloc(rs->count - exact_count ? rs->count - exact_count : 1, sizeof *rs->globs);
    if (!rs->slots || !rs->exact || !rs->globs) return -1;
    rs->slot_mask = cap - 1;

    /* First pass: one slot per distinct type with its rule count; then runs are laid out back to back. */
    for (size_t i = 0; i < rs->count; i++) {
        rule *r = &rs->rules[i];
        if (r->event_is_glob) {
            rs->globs[rs->glob_count++] = i;
            continue;
        }
        index_slot *s = find_slot(rs, r->event_pattern);
        s->type = r->event_pattern;
        s->count++;
    }
    size_t next = 0;
    for (size_t i = 0; i <= rs->slot_mask; i++) {
        rs->slots[i].first = next;
        next += rs->slots[i].count;
        rs->slots[i].count = 0;
    }
    for (size_t i = 0; i < rs->count; i++) {
        if (rs->rules[i].event_is_glob) continue;
        index_slot *s = find_slot(rs, rs->rules[i].event_pattern);
        rs->exact[s->first + s->count++] = i;
    }
    return 0;
}

static void rule_set_free(rule_set *rs)
{
    for (size_t i = 0; i < rs->count; i++) rule_free_members(&rs->rules[i]);
    free(rs->rules);
    free(rs->slots);
    free(rs->exact);
    free(rs->globs);
    free(rs);
}

rule_set *rule_set_new(rule *rules, size_t count)
{
    rule_set *rs = calloc(1, sizeof *rs);
    if (!rs) return NULL;
    atomic_init(&rs->refs, 1);
    rs->rules = rules;
    rs->count = count;
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

static int accepts(const rule *r, const char *source)
{
    return r->enabled && (!r->source || (source && strcmp(r->source, source) == 0));
}

void rule_set_candidates(const rule_set *rs, const char *type, const char *source, rule_visit_fn fn, void *ctx)
{
    if (!rs || !type) return;
    const index_slot *s = find_slot(rs, type);
    const size_t *exact = s->type ? rs->exact + s->first : NULL;
    size_t exact_count = s->type ? s->count : 0, e = 0, g = 0;
    while (e < exact_count || g < rs->glob_count) {
        size_t i;
        if (g >= rs->glob_count || (e < exact_count && exact[e] < rs->globs[g])) {
            i = exact[e++];
        } else {
            i = rs->globs[g++];
            if (!glob_match(rs->rules[i].event_pattern, type, 0)) continue;
        }
        rule *r = &rs->rules[i];
        if (accepts(r, source) && fn(r, ctx) != 0) return;
    }
}

void rule_free_members(rule *r)
{
    for (size_t j = 0; j < r->action_count; j++) {
        rule_action *a = &r->actions[j];
        /* instance stays NULL until a successful create; a module that succeeds without an instance has
         * nothing to destroy. */
        if (a->instance && a->module && a->module->desc.action_destroy) a->module->desc.action_destroy(a->instance);
        if (a->params) options_tree_free(a->params);
        free(a->json_path);
    }
    free(r->actions);
    if (r->when) cond_free(r->when);
    if (r->state) rule_state_free(r->state);
    free(r->name);
    free(r->event_pattern);
    free(r->source);
    free(r->json_path);
    memset(r, 0, sizeof *r);
}
