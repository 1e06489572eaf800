/*
 * core/platform/fswatch.h - waking a thread when something changes in a few folders (the config
 * file's folder, its scripts' folders), and a file's change stamp to tell which file changed.
 *
 * Linux: inotify; Windows: FindFirstChangeNotificationW. Elsewhere plat_fswatch_open returns NULL
 * with a reason, and the caller compares stamps on a timer instead (and says so in the log).
 * Ownership: the watch is the caller's until plat_fswatch_close. Used by one thread at a time.
 */
#ifndef WEE_PLATFORM_FSWATCH_H
#define WEE_PLATFORM_FSWATCH_H
#include <stddef.h>
#include <stdint.h>

typedef struct plat_fswatch plat_fswatch;

plat_fswatch *plat_fswatch_open(const char *const *dirs, size_t count, char *err, size_t err_size);
/* 1 when something changed in a watched folder, 0 when timeout_ms passed, < 0 on error. */
int plat_fswatch_wait(plat_fswatch *w, int64_t timeout_ms);
void plat_fswatch_close(plat_fswatch *w);

/* Last write time (ns since the Unix epoch) and size of a file; WEE_ENOTFOUND if it is missing. */
int plat_file_stamp(const char *path, int64_t *mtime_ns, uint64_t *size);
#endif
