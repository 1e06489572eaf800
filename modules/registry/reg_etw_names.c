/*
 * modules/registry/reg_etw_names.c - see reg_etw_names.h.
 */
#include "reg_etw_names.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct name_entry {
    uint64_t object;
    char *path;
    uint64_t seq;        /* when learned: the smallest is evicted first */
} name_entry;

struct reg_key_names {
    name_entry *e;       /* open addressing, linear probing; object 0 = empty */
    size_t cap, count, max;
    uint64_t seq, evicted;
    /* learning order, oldest at head: (object, seq) pairs; a pair whose seq no longer matches the
     * table (forgotten or learned again since) is stale and skipped. 2 * max slots. */
    uint64_t *order_obj, *order_seq;
    size_t order_head, order_len, order_cap;
};

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower((unsigned char)*s) != lower((unsigned char)*prefix)) return 0;
    return 1;
}

static int is_absolute(const char *nt) { return prefix_ci(nt, "\\REGISTRY\\") || (prefix_ci(nt, "\\REGISTRY") && !nt[9]); }

reg_key_names *reg_key_names_new(size_t max)
{
    reg_key_names *n = calloc(1, sizeof *n);
    if (!n || max == 0) { free(n); return NULL; }
    n->max = max;
    n->cap = 16;
    while (n->cap < max * 2) n->cap *= 2;   /* load factor at most 1/2 */
    n->e = calloc(n->cap, sizeof *n->e);
    n->order_cap = max * 2;
    n->order_obj = calloc(n->order_cap, sizeof *n->order_obj);
    n->order_seq = calloc(n->order_cap, sizeof *n->order_seq);
    if (!n->e || !n->order_obj || !n->order_seq) { reg_key_names_free(n); return NULL; }
    return n;
}

void reg_key_names_free(reg_key_names *n)
{
    if (!n) return;
    for (size_t i = 0; n->e && i < n->cap; i++) free(n->e[i].path);
    free(n->e);
    free(n->order_obj);
    free(n->order_seq);
    free(n);
}

static size_t slot_of(const reg_key_names *n, uint64_t object)
{
    uint64_t h = object * 0x9E3779B97F4A7C15ull;   /* KCB addresses are aligned: mix the low bits in */
    size_t i = (size_t)(h >> 20) & (n->cap - 1);
    while (n->e[i].object && n->e[i].object != object) i = (i + 1) & (n->cap - 1);
    return i;
}

/* Removes slot i and moves later entries of its probe run back (no tombstones). */
static void remove_slot(reg_key_names *n, size_t i)
{
    free(n->e[i].path);
    n->e[i].object = 0;
    n->e[i].path = NULL;
    n->count--;
    for (size_t j = (i + 1) & (n->cap - 1); n->e[j].object; j = (j + 1) & (n->cap - 1)) {
        name_entry moved = n->e[j];
        n->e[j].object = 0;
        n->e[j].path = NULL;
        n->e[slot_of(n, moved.object)] = moved;
    }
}

/* Takes the oldest (object, seq) pair off the order; evicts it if still current. 1 if it evicted. */
static int pop_oldest(reg_key_names *n)
{
    uint64_t object = n->order_obj[n->order_head], seq = n->order_seq[n->order_head];
    n->order_head = (n->order_head + 1) % n->order_cap;
    n->order_len--;
    size_t i = slot_of(n, object);
    if (!n->e[i].object || n->e[i].seq != seq) return 0;
    remove_slot(n, i);
    n->evicted++;
    return 1;
}

static const char *lookup(const reg_key_names *n, uint64_t object)
{
    if (!object) return NULL;
    size_t i = slot_of(n, object);
    return n->e[i].object ? n->e[i].path : NULL;
}

static void remember(reg_key_names *n, uint64_t object, const char *path)
{
    if (!object) return;
    char *copy = malloc(strlen(path) + 1);
    if (!copy) return;
    memcpy(copy, path, strlen(path) + 1);
    size_t i = slot_of(n, object);
    if (!n->e[i].object) {
        while (n->count >= n->max && n->order_len > 0) pop_oldest(n);
        i = slot_of(n, object);
        n->count++;
    }
    free(n->e[i].path);
    n->e[i].object = object;
    n->e[i].path = copy;
    n->e[i].seq = ++n->seq;
    if (n->order_len == n->order_cap) {
        pop_oldest(n);       /* full of pairs: drop the oldest (evicting it if still current) */
    }
    size_t tail = (n->order_head + n->order_len) % n->order_cap;
    n->order_obj[tail] = object;
    n->order_seq[tail] = n->seq;
    n->order_len++;
}

/* "a" + "\" + "b" into out, or just a when b is empty; -1 when it does not fit. */
static int join(const char *a, const char *b, char *out, size_t size)
{
    int w = *b ? snprintf(out, size, "%s\\%s", a, b) : snprintf(out, size, "%s", a);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}

int reg_key_names_learn(reg_key_names *n, const reg_etw_op *op, char *path, size_t size)
{
    const char *known = lookup(n, op->base_object);
    int rc;
    if (op->cut || op->status != 0) return -1;
    if (is_absolute(op->key_name)) rc = join(op->key_name, "", path, size);
    else if (known) rc = join(known, op->key_name, path, size);
    else if (is_absolute(op->base_name)) rc = join(op->base_name, op->key_name, path, size);
    else return -1;
    if (rc != 0) return -1;
    remember(n, op->key_object, path);
    return 0;
}

int reg_key_names_resolve(const reg_key_names *n, const reg_etw_op *op, char *path, size_t size)
{
    const char *known = lookup(n, op->key_object);
    if (known) return join(known, "", path, size);
    if (!op->cut && is_absolute(op->key_name)) return join(op->key_name, "", path, size);
    return -1;
}

void reg_key_names_forget(reg_key_names *n, uint64_t key_object)
{
    if (!key_object) return;
    size_t i = slot_of(n, key_object);
    if (n->e[i].object) remove_slot(n, i);
}

size_t reg_key_names_count(const reg_key_names *n) { return n->count; }
uint64_t reg_key_names_evicted(const reg_key_names *n) { return n->evicted; }

int reg_nt_under(const char *nt, const char *prefix)
{
    size_t k = strlen(prefix);
    return prefix_ci(nt, prefix) && (nt[k] == '\0' || nt[k] == '\\');
}

size_t reg_short_to_nt(const char *short_path, const char *user_sid, char nt[2][REG_NT_NAME_MAX])
{
    static const struct { const char *root, *nt; int user; } map[] = {
        { "HKLM", "\\REGISTRY\\MACHINE", 0 },
        { "HKU", "\\REGISTRY\\USER", 0 },
        { "HKCC", "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current", 0 },
        { "HKCU", "\\REGISTRY\\USER\\", 1 },
    };
    const char *slash = strchr(short_path, '\\');
    size_t rl = slash ? (size_t)(slash - short_path) : strlen(short_path);
    const char *rest = slash ? slash : "";
    int have_sid = user_sid && *user_sid;
    if (rl == 4 && prefix_ci(short_path, "HKCR")) {
        if (!have_sid) return 0;
        snprintf(nt[0], REG_NT_NAME_MAX, "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes%s", rest);
        snprintf(nt[1], REG_NT_NAME_MAX, "\\REGISTRY\\USER\\%s_Classes%s", user_sid, rest);
        return 2;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strlen(map[i].root) != rl || !prefix_ci(short_path, map[i].root)) continue;
        if (map[i].user && !have_sid) return 0;
        snprintf(nt[0], REG_NT_NAME_MAX, "%s%s%s", map[i].nt, map[i].user ? user_sid : "", rest);
        return 1;
    }
    return 0;
}

reg_change_kind reg_etw_change_kind(const reg_etw_op *op)
{
    if (op->status != 0) return (reg_change_kind)0;
    switch (op->id) {
    case REG_ETW_SET_VALUE_KEY: return REG_VALUE_SET;
    case REG_ETW_DELETE_VALUE_KEY: return REG_VALUE_DELETED;
    case REG_ETW_DELETE_KEY: return REG_KEY_DELETED;
    case REG_ETW_CREATE_KEY: return op->disposition == REG_ETW_CREATED_NEW_KEY ? REG_KEY_CREATED : (reg_change_kind)0;
    default: return (reg_change_kind)0;
    }
}

reg_change_kind reg_etw_track(reg_key_names *names, const reg_etw_op *op, char prefixes[][REG_NT_NAME_MAX],
                              size_t n, char *path, size_t size)
{
    switch (op->id) {
    case REG_ETW_OPEN_KEY: reg_key_names_learn(names, op, path, size); return (reg_change_kind)0;
    case REG_ETW_CLOSE_KEY: reg_key_names_forget(names, op->key_object); return (reg_change_kind)0;
    case REG_ETW_CREATE_KEY: if (reg_key_names_learn(names, op, path, size) != 0) return (reg_change_kind)0; break;
    default: if (reg_key_names_resolve(names, op, path, size) != 0) return (reg_change_kind)0; break;
    }
    reg_change_kind kind = reg_etw_change_kind(op);
    for (size_t i = 0; kind && i < n; i++)
        if (reg_nt_under(path, prefixes[i])) return kind;
    return (reg_change_kind)0;
}

int reg_write_log_init(reg_write_log *log)
{
    memset(log, 0, sizeof *log);
    log->rec = calloc(REG_WRITE_LOG_MAX, sizeof *log->rec);
    return log->rec ? 0 : -1;
}

void reg_write_log_free(reg_write_log *log)
{
    free(log->rec);
    log->rec = NULL;
}

void reg_write_log_add(reg_write_log *log, uint64_t at_ms, reg_change_kind kind, const char *nt_key,
                       const char *value, const reg_writer *who)
{
    reg_write_record *r = &log->rec[log->next];
    log->next = (log->next + 1) % REG_WRITE_LOG_MAX;
    if (log->count < REG_WRITE_LOG_MAX) log->count++;
    r->at_ms = at_ms;
    r->kind = kind;
    snprintf(r->key, sizeof r->key, "%s", nt_key);
    snprintf(r->value, sizeof r->value, "%s", value ? value : "");
    r->who = *who;
    r->used = 0;
}

static int equal_ci(const char *a, const char *b) { return strlen(a) == strlen(b) && prefix_ci(a, b); }

int reg_write_log_take(reg_write_log *log, uint64_t since_ms, reg_change_kind kind, char nt[][REG_NT_NAME_MAX],
                       size_t n, const char *value, reg_writer *who)
{
    int value_kind = kind == REG_VALUE_SET || kind == REG_VALUE_DELETED;
    for (size_t k = 1; k <= log->count; k++) {   /* newest first */
        reg_write_record *r = &log->rec[(log->next + REG_WRITE_LOG_MAX - k) % REG_WRITE_LOG_MAX];
        if (r->used || r->kind != kind || r->at_ms < since_ms) continue;
        if (value_kind && !equal_ci(r->value, value ? value : "")) continue;
        for (size_t i = 0; i < n; i++) {
            if (!equal_ci(r->key, nt[i])) continue;
            r->used = 1;
            *who = r->who;
            return 1;
        }
    }
    return 0;
}
