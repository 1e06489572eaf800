/*
 * core/file_watch.h - calling back when one of a few files changes on disk (the shape of libuv's
 * uv_fs_event_start: paths + callback). It knows nothing of configs: the engine gives it the config
 * file and the files the config uses, and decides itself what a change means (engine_reload.c).
 *
 * The folders holding the files are watched (platform/fswatch.h: inotify, change notifications); on a
 * wake-up, or every few seconds where folders cannot be watched (logged once), each file's stamp
 * (mtime, size, existence) is compared with its reference: the stamp its owner took before reading it
 * (file_watch_set_paths), or the one taken when it was last reported. So a write made while the owner
 * was reading is still reported, and the owner's own write, read back before the hand-over, is not
 * reported again. Editors save in several steps, so a change must hold still for a moment before the
 * callback runs; the reference is looked at again then, as the owner may have handed over new stamps.
 *
 * Threads: one thread of its own runs the callback; file_watch_set_paths may be called from any thread,
 * the callback included (the new set is taken at the next wake-up). file_watch_stop joins the thread:
 * never call it from the callback. Ownership: the watch copies the paths.
 */
#ifndef WEE_FILE_WATCH_H
#define WEE_FILE_WATCH_H
#include <stddef.h>
#include <stdint.h>

typedef struct file_watch file_watch;

/* What a file was like: its modification time, size and existence. */
typedef struct file_stamp { int64_t mtime_ns; uint64_t size; int exists; } file_stamp;
void file_stamp_take(const char *path, file_stamp *out);
int file_stamp_equal(const file_stamp *a, const file_stamp *b);

/* changed: the first file found changed (as it was given). When the callback returns, every file's
 * stamp is taken again: a change is reported once, not again until the file changes once more. */
typedef void (*file_watch_cb)(const char *changed, void *ctx);

/* Starts watching paths[0..count) (at most FILE_WATCH_MAX_FILES; the rest are ignored). NULL with a
 * reason in err when its thread cannot start. */
#define FILE_WATCH_MAX_FILES 64
file_watch *file_watch_start(const char *const *paths, size_t count, file_watch_cb cb, void *ctx, char *err,
                             size_t err_size);
/* Replaces the set of files. stamps[i] is what paths[i] was like when its owner read it (stamps NULL,
 * or a path given twice: taken now); a file that differs from it is reported. */
void file_watch_set_paths(file_watch *w, const char *const *paths, const file_stamp *stamps, size_t count);
/* From the callback only: takes a set handed over since the callback was decided on and says whether
 * a file still differs from its reference (1) or not (0). The `changed` name the callback was given is
 * no longer valid afterwards. */
int file_watch_recheck(file_watch *w);
void file_watch_stop(file_watch *w);  /* NULL is fine */
#endif
