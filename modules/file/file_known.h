/*
 * modules/file/file_known.h - the paths the file source believes exist under its watched roots (files
 * and folders, filters not applied). It is what makes an overflow recoverable: after the kernel (or the
 * in-process backlog) dropped notifications, a rescan compares the tree with this set and reports
 * file.created for paths not known before and file.deleted for known paths that vanished.
 * Bounded by max_entries: once full, further paths are not tracked (known_saturated() says so) and a
 * rescan can then only report deletions, since an untracked path is not necessarily a new one.
 * Not thread-safe: used by the file source's delivery thread only.
 */
#ifndef WEE_FILE_KNOWN_H
#define WEE_FILE_KNOWN_H
#include <stddef.h>

typedef struct file_known file_known;

file_known *known_new(size_t max_entries);
void known_free(file_known *k);
int known_saturated(const file_known *k);
/* 1: added, 0: already known (its seen-mark is refreshed), -1: the set is full, not tracked. */
int known_add(file_known *k, const char *path, int is_dir);
/* Removes path and, for a folder, everything known below it. Returns 1 if path was known (*was_dir set). */
int known_remove(file_known *k, const char *path, int *was_dir);
/* A rename: from (and what is below it) now lives at to. */
void known_rename(file_known *k, const char *from, const char *to, int is_dir);

/* Rescan: known_mark_begin, then known_add for every path found (a found path is marked seen), then
 * known_sweep removes each known path that was not seen, calling fn for it first. */
void known_mark_begin(file_known *k);
typedef void (*known_fn)(const char *path, int is_dir, void *ctx);
size_t known_sweep(file_known *k, known_fn fn, void *ctx);
#endif
