/*
 * modules/file/file_backend.h - the seam between the portable part of the file source (options,
 * filters, settle/coalescing, event building: file.c) and one OS backend (file_inotify.c on Linux,
 * file_win32.c on Windows).
 * The backend runs its own thread and reports raw changes with file_report(); file.c decides what
 * becomes an event. All paths are absolute, UTF-8, with the platform separator.
 */
#ifndef WEE_FILE_BACKEND_H
#define WEE_FILE_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include "wee/wee.h"

typedef enum { FEV_CREATED = 1, FEV_MODIFIED = 2, FEV_DELETED = 4, FEV_RENAMED = 8 } fev_kind;

typedef struct file_watch file_watch;

/* From the backend's thread. old_path only for FEV_RENAMED. `from_scan`: found by a directory scan
 * (new folder, moved-in folder) rather than a kernel notification. */
void file_report(file_watch *w, fev_kind kind, const char *path, const char *old_path, int is_dir, int from_scan);
/* Reported changes are staged until this call (or a few thousand of them): the backend calls it once per
 * buffer read from the OS, so the delivery thread is woken once per buffer. */
void file_report_flush(file_watch *w);
/* The kernel dropped notifications; the backend has re-established its watches. */
void file_report_overflow(file_watch *w, const char *reason);
const wee_host_api *file_host(file_watch *w);
size_t file_root_count(const file_watch *w);
const char *file_root(const file_watch *w, size_t i);
int file_recursive(const file_watch *w);

/* Backend entry points (one implementation per platform). */
typedef struct file_backend file_backend;
int file_backend_start(file_watch *w, file_backend **out, char *err, size_t err_size);
void file_backend_stop(file_backend *b);
#endif
