/*
 * core/platform/append_file.h - append-only files that can be renamed while open (log rotation).
 *
 * Implemented in core/platform/posix/append_file.c and core/platform/win32/append_file.c.
 * Paths are UTF-8. Functions return 0 or a negative WEE_E* code (wee/errors.h).
 */
#ifndef WEE_PLATFORM_APPEND_FILE_H
#define WEE_PLATFORM_APPEND_FILE_H
#include <stdint.h>
#include <stdio.h>

/* Static initialiser for a plat_mutex with static storage (a registry lock that must exist before
 * any thread could race to create it). */
#if defined(_WIN32)
#define PLAT_MUTEX_STATIC_INIT { 0 }
#else
#define PLAT_MUTEX_STATIC_INIT { PTHREAD_MUTEX_INITIALIZER }
#endif

/* Opens path for appending in binary mode, creating it if missing; *size gets its current size.
 * Every write lands at the end (O_APPEND / FILE_APPEND_DATA). On Windows the handle shares
 * read, write and delete, so viewers can read it and the file can be renamed while it is open.
 * The FILE is closed with fclose. */
int plat_append_open(const char *path, FILE **out, uint64_t *size);
/* Renames from -> to, replacing an existing `to` (rename(2) / MoveFileExW REPLACE_EXISTING).
 * WEE_ENOTFOUND when `from` does not exist. */
int plat_file_replace(const char *from, const char *to);
/* Deletes path; a path that does not exist is success. */
int plat_file_remove(const char *path);
/* Empties the existing file path in place (writers holding it open, with their appends, keep writing
 * to it). WEE_ENOTFOUND when it does not exist. */
int plat_file_truncate(const char *path);
/* Creates one folder (its parent must exist); an existing folder is success. */
int plat_mkdir(const char *dir);
/* Without changing anything: may this process append to the existing file `path`, or create
 * entries in the existing folder `path`? 0, WEE_EPERM, or another WEE_E* code. (Windows: a handle
 * opened for FILE_APPEND_DATA / FILE_ADD_FILE and closed again, so the ACL decides.) */
int plat_can_write(const char *path);
#endif
