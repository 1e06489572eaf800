/*
 * modules/registry/reg_snapshot.h - an in-memory picture of one watched key (and, for recursive
 * watches, its subtree) and the diff between two pictures. Portable, pure C: the Windows backend
 * fills snapshots from the registry; the unit tests fill them by hand.
 *
 * Key paths inside a snapshot are relative to the watched key: "" is the watched key itself,
 * "Sub\Deeper" a subkey. A snapshot without the "" key means the watched key does not exist.
 * Registry names are case-insensitive; comparisons fold ASCII case.
 *
 * Bounds: at most max_keys keys and max_values values in total; past them the snapshot is marked
 * truncated and the rest is not recorded. A builder must add keys in reg_path_compare order (a
 * sorted depth-first walk) so a truncated snapshot is a prefix of that order; the diff then ignores
 * keys past the shorter prefix instead of reporting them as created or deleted. Value data is kept up to
 * REG_SNAPSHOT_KEEP bytes for the event text; whole values are compared by size and a 64-bit hash.
 *
 * Ownership: a snapshot owns all its strings and data; reg_snapshot_free releases everything.
 * Not thread-safe: one thread builds, diffs and frees a snapshot.
 */
#ifndef WEE_REG_SNAPSHOT_H
#define WEE_REG_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>

#define REG_SNAPSHOT_KEEP 4096

typedef struct reg_value {
    char *name;            /* "" for the key's unnamed (default) value */
    uint32_t type;         /* REGT_* */
    unsigned char *data;   /* first `kept` bytes of the value (UTF-8 for string types) */
    size_t kept;
    size_t size;           /* whole size */
    uint64_t hash;         /* of the whole data */
} reg_value;

typedef struct reg_key {
    char *path;            /* relative to the watched key */
    reg_value *values;
    size_t nvalues, cap;
} reg_key;

typedef struct reg_snapshot {
    reg_key *keys;
    size_t nkeys, cap;
    size_t total_values;
    size_t max_keys, max_values;
    int truncated;         /* a bound was hit while building */
} reg_snapshot;

typedef enum reg_change_kind {
    REG_KEY_CREATED = 1,
    REG_KEY_DELETED,
    REG_VALUE_SET,
    REG_VALUE_DELETED
} reg_change_kind;

/* One change. key: relative path. value: the new value (VALUE_SET), the old one (VALUE_DELETED),
 * NULL for key changes. */
typedef void (*reg_change_fn)(void *ctx, reg_change_kind kind, const char *key, const reg_value *value);

reg_snapshot *reg_snapshot_new(size_t max_keys, size_t max_values);
void reg_snapshot_free(reg_snapshot *s);
/* Adds a key; returns its index, -1 when the key bound is reached (snapshot marked truncated) or out
 * of memory. */
long reg_snapshot_add_key(reg_snapshot *s, const char *path);
/* Adds a value to key `key` (an index from add_key). 0, or -1 when a bound is reached / no memory. */
int reg_snapshot_add_value(reg_snapshot *s, size_t key, const char *name, uint32_t type, const void *data,
                           size_t size);
/* Sorts keys and values so that two snapshots can be diffed; call once after building. */
void reg_snapshot_finish(reg_snapshot *s);
int reg_snapshot_has_root(const reg_snapshot *s);

/* Reports every change from old to now, in key order (a parent before its subkeys):
 * a new key -> KEY_CREATED, then VALUE_SET for each of its values; a key gone -> KEY_DELETED (its
 * values are not reported one by one); a value new or with another type/size/content -> VALUE_SET; a
 * value gone from a key that still exists -> VALUE_DELETED. old may be NULL (everything is new). */
void reg_snapshot_diff(const reg_snapshot *old, const reg_snapshot *now, reg_change_fn fn, void *ctx);

/* Case-folded comparison of two key paths in which a backslash sorts before any other character, so
 * a key is directly followed by its subtree. */
int reg_path_compare(const char *a, const char *b);
#endif
