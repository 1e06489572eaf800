/*
 * Stateful rules (see rule_memory.h). Groups live in an array; an open-addressing table of their key
 * hashes (linear probing, backward-shift deletion) finds them without scanning. Eviction scans for the
 * least recently touched group, which only happens when the table is full.
 */
#include "rule_memory.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "platform/platform.h"
#include "util/hash.h"
#include "util/strbuf.h"

/* One event's JSON in seq.events is cut to this (a command line or window title can be long). */
#define SEQ_EVENT_JSON_MAX 8192

typedef struct group {
    char *key;               /* length-prefixed field values: distinct values never share a key */
    char *label;             /* values joined with '|', the "group" field */
    uint64_t hash;
    uint64_t touched_ns;
    uint64_t started_ns;     /* sequence: time of step 1 */
    size_t next_step;        /* sequence: the step it waits for */
    strbuf events;           /* sequence: JSON objects of the steps so far, comma-separated */
    uint64_t *times;         /* threshold: ring of match times, capacity spec count */
    size_t head, n;
    uint64_t deadline_ns;    /* absence after an `after` event */
    wee_event *after;        /* absence: the `after` event */
} group;

struct rule_memory {
    atomic_int refs;
    plat_mutex lock;
    group *groups;
    size_t ngroups, cap;
    uint32_t *slots;         /* group index + 1; 0 = empty */
    size_t slot_mask;
    uint64_t evicted, fired;
    /* absence without `after`: one silence measured since load or the last `expect` */
    uint64_t quiet_deadline_ns;
    int64_t quiet_since_ms;
    int quiet_fired;
};

const char *rule_memory_kind_name(memory_kind k)
{
    return k == MEMORY_THRESHOLD ? "threshold" : k == MEMORY_SEQUENCE ? "sequence" : k == MEMORY_ABSENCE ? "absence" : "none";
}

rule_memory *rule_memory_new(const rule_memory_spec *spec, uint64_t now_ns)
{
    rule_memory *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = (size_t)(spec->max_groups > 0 ? spec->max_groups : 1), slots = 4;
    while (slots < cap * 2) slots *= 2;
    m->groups = calloc(cap, sizeof *m->groups);
    m->slots = calloc(slots, sizeof *m->slots);
    if (!m->groups || !m->slots) {
        free(m->groups);
        free(m->slots);
        free(m);
        return NULL;
    }
    m->cap = cap;
    m->slot_mask = slots - 1;
    atomic_init(&m->refs, 1);
    plat_mutex_init(&m->lock);
    m->quiet_deadline_ns = now_ns + (uint64_t)spec->within_ms * 1000000ull;
    m->quiet_since_ms = plat_wall_time_ms();
    return m;
}

rule_memory *rule_memory_ref(rule_memory *m)
{
    if (m) atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

static void group_clear(group *g)
{
    free(g->key);
    free(g->label);
    strbuf_free(&g->events);
    free(g->times);
    event_unref(g->after);
    memset(g, 0, sizeof *g);
}

void rule_memory_unref(rule_memory *m)
{
    if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < m->ngroups; i++) group_clear(&m->groups[i]);
    free(m->groups);
    free(m->slots);
    plat_mutex_destroy(&m->lock);
    free(m);
}

/* ---- the group table ---- */

static size_t slot_of(const rule_memory *m, uint64_t hash, const char *key)
{
    for (size_t i = (size_t)hash & m->slot_mask;; i = (i + 1) & m->slot_mask) {
        uint32_t s = m->slots[i];
        if (!s) return i;
        const group *g = &m->groups[s - 1];
        if (g->hash == hash && strcmp(g->key, key) == 0) return i;
    }
}

/* Removes the slot at i, shifting later entries of the probe run back (no tombstones). */
static void slot_delete(rule_memory *m, size_t i)
{
    m->slots[i] = 0;
    for (size_t j = (i + 1) & m->slot_mask; m->slots[j]; j = (j + 1) & m->slot_mask) {
        size_t home = (size_t)m->groups[m->slots[j] - 1].hash & m->slot_mask;
        /* Move j back to i when its home is not in the cyclic range (i, j]. */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            m->slots[j] = 0;
            i = j;
        }
    }
}

static void group_remove(rule_memory *m, size_t gi)
{
    group *g = &m->groups[gi];
    slot_delete(m, slot_of(m, g->hash, g->key));
    group_clear(g);
    size_t last = --m->ngroups;
    if (gi != last) {
        m->groups[gi] = m->groups[last];
        memset(&m->groups[last], 0, sizeof m->groups[last]);
        m->slots[slot_of(m, m->groups[gi].hash, m->groups[gi].key)] = (uint32_t)gi + 1;
    }
}

static group *group_find(rule_memory *m, uint64_t hash, const char *key)
{
    uint32_t s = m->slots[slot_of(m, hash, key)];
    return s ? &m->groups[s - 1] : NULL;
}

/* A new group (the least recently used one evicted when full); takes key and label. NULL: no memory. */
static group *group_add(rule_memory *m, uint64_t hash, char *key, char *label, uint64_t now)
{
    if (m->ngroups == m->cap) {
        size_t oldest = 0;
        for (size_t i = 1; i < m->ngroups; i++) if (m->groups[i].touched_ns < m->groups[oldest].touched_ns) oldest = i;
        group_remove(m, oldest);
        m->evicted++;
    }
    group *g = &m->groups[m->ngroups];
    memset(g, 0, sizeof *g);
    g->key = key;
    g->label = label;
    g->hash = hash;
    g->touched_ns = now;
    m->slots[slot_of(m, hash, key)] = (uint32_t)m->ngroups + 1;
    m->ngroups++;
    return g;
}

/* The group key of ev: 0, or -1 when a field it needs is missing (need_all) or out of memory. */
static int group_key(const rule_memory_spec *spec, const wee_event *ev, int need_all, char **key, char **label)
{
    strbuf k = STRBUF_INIT, l = STRBUF_INIT;
    for (size_t i = 0; i < spec->ngroup; i++) {
        const char *v = event_get_string(ev, spec->group_fields[i]);
        if (!v && need_all) { strbuf_free(&k); strbuf_free(&l); return -1; }
        if (!v) v = "";
        strbuf_printf(&k, "%zu:", strlen(v));
        strbuf_puts(&k, v);
        if (i) strbuf_putc(&l, '|');
        strbuf_puts(&l, v);
    }
    strbuf_putc(&k, '#'); /* a non-empty key even without group fields */
    *key = strbuf_detach(&k);
    *label = strbuf_detach(&l);
    if (!*label) *label = str_dup("");
    if (!*key || !*label) { free(*key); free(*label); return -1; }
    return 0;
}

static group *group_for(rule_memory *m, const rule_memory_spec *spec, const wee_event *ev, int need_all, int create,
                        uint64_t now)
{
    char *key, *label;
    if (group_key(spec, ev, need_all, &key, &label) != 0) return NULL;
    uint64_t h = fnv1a_str(key);
    group *g = group_find(m, h, key);
    if (g || !create) {
        free(key);
        free(label);
        if (g) g->touched_ns = now;
        return g;
    }
    return group_add(m, h, key, label, now);
}

static void note_printf(char *note, size_t size, const char *fmt, ...)
{
    if (!note || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, size, fmt, ap);
    va_end(ap);
}

/* ---- threshold ---- */

static wee_event *observe_threshold(rule_memory *m, const rule *r, const wee_event *ev, uint64_t now, char *note,
                                    size_t note_size)
{
    const rule_memory_spec *spec = &r->memory;
    group *g = group_for(m, spec, ev, 0, 1, now);
    if (!g) return NULL;
    size_t cap = (size_t)spec->count;
    if (!g->times && !(g->times = calloc(cap, sizeof *g->times))) return NULL;
    uint64_t window = (uint64_t)spec->within_ms * 1000000ull;
    while (g->n && now - g->times[g->head] > window) { g->head = (g->head + 1) % cap; g->n--; }
    g->times[(g->head + g->n) % cap] = now;
    g->n++;
    if (g->n < cap) {
        note_printf(note, note_size, "threshold: group \"%s\" has %zu of %zu matching events in the window", g->label, g->n, cap);
        return NULL;
    }
    wee_event *fire = event_clone(ev);
    if (fire) {
        event_set_int(fire, "threshold.count", (int64_t)g->n);
        event_set_int(fire, "threshold.within_ms", spec->within_ms);
        event_set_string(fire, "group", g->label);
    }
    note_printf(note, note_size, "threshold: group \"%s\" reached %zu of %zu events: fires", g->label, g->n, cap);
    g->n = 0; /* the next firing needs a whole new count */
    return fire;
}

/* ---- sequence ---- */

static void append_event_json(strbuf *sb, const wee_event *ev)
{
    char *j = event_to_json(ev);
    if (sb->len) strbuf_putc(sb, ',');
    if (j && strlen(j) <= SEQ_EVENT_JSON_MAX) strbuf_puts(sb, j);
    else strbuf_printf(sb, "{\"type\":\"%s\",\"truncated\":true}", event_type(ev)); /* types are [a-z._] */
    free(j);
}

static wee_event *observe_sequence(rule_memory *m, const rule *r, const wee_event *ev, uint64_t now, char *note,
                                   size_t note_size)
{
    const rule_memory_spec *spec = &r->memory;
    uint64_t window = (uint64_t)spec->within_ms * 1000000ull;
    group *g = group_for(m, spec, ev, 1, 0, now);
    if (g && now - g->started_ns > window) {
        group_remove(m, (size_t)(g - m->groups));
        g = NULL;
    }
    if (g && rule_step_matches(&spec->steps[g->next_step], ev)) {
        append_event_json(&g->events, ev);
        g->next_step++;
        if (g->next_step < spec->nsteps) {
            note_printf(note, note_size, "sequence: group \"%s\" at step %zu of %zu", g->label, g->next_step, spec->nsteps);
            return NULL;
        }
        wee_event *fire = strbuf_failed(&g->events) ? NULL : event_clone(ev);
        if (fire) {
            strbuf arr = STRBUF_INIT;
            strbuf_putc(&arr, '[');
            strbuf_append(&arr, g->events.data ? g->events.data : "", g->events.len);
            strbuf_putc(&arr, ']');
            if (strbuf_failed(&arr)) { event_unref(fire); fire = NULL; }
            else event_set_string(fire, "seq.events", strbuf_cstr(&arr));
            event_set_int(fire, "seq.count", (int64_t)spec->nsteps);
            event_set_string(fire, "group", g->label);
            strbuf_free(&arr);
        }
        if (fire) note_printf(note, note_size, "sequence: group \"%s\" completed all %zu steps: fires", g->label, spec->nsteps);
        else note_printf(note, note_size, "sequence: group \"%s\" completed all %zu steps, but out of memory: does not fire", g->label, spec->nsteps);
        group_remove(m, (size_t)(g - m->groups));
        return fire;
    }
    if (!rule_step_matches(&spec->steps[0], ev)) {
        if (g) {
            note_printf(note, note_size, "sequence: group \"%s\" waits for step %zu of %zu; this event is not it", g->label,
                        g->next_step + 1, spec->nsteps);
            return NULL;
        }
        size_t k = 1;
        while (k < spec->nsteps && !rule_step_matches(&spec->steps[k], ev)) k++;
        char *key = NULL, *label = NULL;
        if (k < spec->nsteps && group_key(spec, ev, 1, &key, &label) == 0)
            note_printf(note, note_size, "sequence: the event is step %zu of %zu, but group \"%s\" has no sequence in "
                        "progress (step 1 must come first, within %" PRId64 " ms)", k + 1, spec->nsteps, label, spec->within_ms);
        else
            note_printf(note, note_size, "sequence: the event matches no step");
        free(key);
        free(label);
        return NULL;
    }
    if (!g && !(g = group_for(m, spec, ev, 1, 1, now))) {
        note_printf(note, note_size, "sequence: the event lacks a join field");
        return NULL;
    }
    strbuf_reset(&g->events);
    append_event_json(&g->events, ev);
    g->started_ns = now;
    g->next_step = 1;
    if (spec->nsteps > 1) {
        note_printf(note, note_size, "sequence: group \"%s\" started (step 1 of %zu)", g->label, spec->nsteps);
        return NULL;
    }
    wee_event *fire = event_clone(ev);
    if (fire) event_set_string(fire, "group", g->label);
    group_remove(m, (size_t)(g - m->groups));
    return fire;
}

/* ---- absence ---- */

static wee_event *absence_event(const rule *r, const wee_event *after, const char *label, int64_t since_ms)
{
    wee_event *fire = after ? event_clone(after) : event_new("rule.absence");
    if (!fire) return NULL;
    char ts[40];
    plat_format_rfc3339(since_ms, ts, sizeof ts);
    event_set_type(fire, "rule.absence");
    event_set_string(fire, "type", "rule.absence");
    event_set_string(fire, "rule", r->name);
    event_set_string(fire, "group", label);
    event_set_string(fire, "absence.since", ts);
    event_set_int(fire, "within_ms", r->memory.within_ms);
    return fire;
}

static wee_event *observe_absence(rule_memory *m, const rule *r, const wee_event *ev, uint64_t now, char *note,
                                  size_t note_size)
{
    const rule_memory_spec *spec = &r->memory;
    int expect = rule_step_matches(&spec->steps[0], ev);
    if (spec->nsteps < 2) {
        if (expect) {
            m->quiet_deadline_ns = now + (uint64_t)spec->within_ms * 1000000ull;
            m->quiet_since_ms = plat_wall_time_ms();
            m->quiet_fired = 0;
            note_printf(note, note_size, "absence: the expected event came; the silence timer restarts");
        }
        return NULL;
    }
    if (expect) {
        group *g = group_for(m, spec, ev, 0, 0, now);
        if (g) {
            note_printf(note, note_size, "absence: group \"%s\" got the expected event in time", g->label);
            group_remove(m, (size_t)(g - m->groups));
        }
        return NULL;
    }
    if (rule_step_matches(&spec->steps[1], ev)) {
        group *g = group_for(m, spec, ev, 0, 1, now);
        if (!g) return NULL;
        event_unref(g->after);
        g->after = event_ref((wee_event *)ev);
        g->deadline_ns = now + (uint64_t)spec->within_ms * 1000000ull;
        note_printf(note, note_size, "absence: group \"%s\" now waits %" PRId64 " ms for the expected event", g->label,
                    spec->within_ms);
    }
    return NULL;
}

wee_event *rule_memory_observe(rule_memory *m, const rule *r, const wee_event *ev, uint64_t now_ns, char *note,
                               size_t note_size)
{
    if (note && note_size) note[0] = '\0';
    plat_mutex_lock(&m->lock);
    wee_event *fire = r->memory.kind == MEMORY_THRESHOLD ? observe_threshold(m, r, ev, now_ns, note, note_size)
                    : r->memory.kind == MEMORY_SEQUENCE ? observe_sequence(m, r, ev, now_ns, note, note_size)
                    : r->memory.kind == MEMORY_ABSENCE ? observe_absence(m, r, ev, now_ns, note, note_size)
                    : NULL;
    if (fire) m->fired++;
    plat_mutex_unlock(&m->lock);
    return fire;
}

uint64_t rule_memory_due(rule_memory *m, const rule *r, uint64_t now_ns, rule_memory_fire_fn fire, void *ctx)
{
    const rule_memory_spec *spec = &r->memory;
    uint64_t window = (uint64_t)spec->within_ms * 1000000ull, next = UINT64_MAX;
    plat_mutex_lock(&m->lock);
    if (spec->kind == MEMORY_ABSENCE && spec->nsteps < 2 && !m->quiet_fired) {
        if (m->quiet_deadline_ns <= now_ns) {
            m->quiet_fired = 1;
            m->fired++;
            wee_event *ev = absence_event(r, NULL, "", m->quiet_since_ms);
            if (ev) fire(ctx, ev);
        } else {
            next = m->quiet_deadline_ns;
        }
    }
    for (size_t i = 0; i < m->ngroups;) {
        group *g = &m->groups[i];
        if (spec->kind == MEMORY_ABSENCE) {
            if (g->deadline_ns <= now_ns) {
                int64_t since = plat_wall_time_ms() - spec->within_ms;
                wee_event *ev = absence_event(r, g->after, g->label, since);
                m->fired++;
                group_remove(m, i);
                if (ev) fire(ctx, ev);
                continue;
            }
            if (g->deadline_ns < next) next = g->deadline_ns;
        } else {
            /* A partial sequence or a threshold window with nothing left in it is forgotten. */
            uint64_t last = spec->kind == MEMORY_SEQUENCE ? g->started_ns : g->touched_ns;
            if (now_ns - last > window) { group_remove(m, i); continue; }
        }
        i++;
    }
    plat_mutex_unlock(&m->lock);
    return next;
}

void rule_memory_get_stats(rule_memory *m, rule_memory_stats *out)
{
    plat_mutex_lock(&m->lock);
    out->groups = m->ngroups;
    out->evicted = m->evicted;
    out->fired = m->fired;
    plat_mutex_unlock(&m->lock);
}
