/*
 * modules/file/file_settle.h - the paths waiting out a window: a pending modification (reported as one
 * file.modified when its file has been quiet for settle_ms), or a recent creation or scan hit whose
 * follow-up writes are folded into the creation (a marker that lives max(settle_ms, 1 s), the scan vs
 * kernel race window).
 * Every deadline is now + one of those two windows, so a list per window, appended at the tail, stays
 * ordered by deadline: the next due entry is a head, found without walking the table (a burst leaves
 * thousands of creation markers pending).
 * Not thread-safe: the file source holds its lock around every call.
 */
#ifndef WEE_FILE_SETTLE_H
#define WEE_FILE_SETTLE_H
#include <stddef.h>
#include <stdint.h>

typedef struct pending {
    char *path;
    size_t hash;       /* of path: a burst leaves thousands pending, chains are compared by hash first */
    uint64_t deadline_ns;
    int modified;      /* emit file.modified at the deadline */
    int is_dir;
    int lane;          /* which deadline list holds it */
    struct pending *next;               /* hash chain */
    struct pending *due_prev, *due_next; /* its lane, ordered by deadline */
} pending;

enum { SETTLE_LANE_SETTLE, SETTLE_LANE_MARKER, SETTLE_LANES };
#define SETTLE_BUCKETS 4096

typedef struct settle_table {
    pending *buckets[SETTLE_BUCKETS];
    struct { pending *head, *tail; } lanes[SETTLE_LANES];
    size_t count;
    int64_t settle_ms;
} settle_table;

/* An empty table (t zeroed before, as by calloc) with its settle window. */
void settle_init(settle_table *t, int64_t settle_ms);
pending *settle_find(settle_table *t, const char *path);
/* Takes path's entry out of the table (NULL if none); free it with settle_entry_free. */
pending *settle_take(settle_table *t, const char *path);
/* Takes p, an entry of the table, out of it (no second lookup of its path). */
void settle_take_entry(settle_table *t, pending *p);
/* Adds path in lane (SETTLE_LANE_SETTLE: due after settle_ms; SETTLE_LANE_MARKER: after
 * max(settle_ms, 1 s)), or re-arms its entry there, or-ing in `modified`: 1 added, 0 re-armed, -1 out
 * of memory (nothing added). */
int settle_put(settle_table *t, const char *path, int modified, int is_dir, int lane);
/* Moves p (in the table) to the end of lane, due a lane's window from now. */
void settle_rearm(settle_table *t, pending *p, int lane);
/* The entry due first, or NULL. */
pending *settle_next_due(const settle_table *t);
void settle_entry_free(pending *p);
/* Empties the table, giving each entry to each (when not NULL) before it is freed. */
void settle_drain(settle_table *t, void (*each)(const pending *p, void *ctx), void *ctx);
#endif
