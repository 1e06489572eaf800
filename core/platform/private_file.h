/*
 * core/platform/private_file.h - secrets on disk that only this user (and root / SYSTEM /
 * Administrators) may read, such as the web console's token; and random bytes for making them.
 *
 * POSIX: the file is written 0600 beside the control socket, whose folder the user owns (ipc.h).
 * Windows: under %LOCALAPPDATA%\WinEventEngine, with the control pipe's DACL (this user, SYSTEM,
 * Administrators), inheritance off; a host running as the Windows service (LocalSystem) writes them
 * under %ProgramData%\WinEventEngine instead, where an administrator's `host console` finds them (the
 * service account's own profile is not a place people look), with the same DACL: SYSTEM and
 * Administrators only.
 * Writes are atomic: a temporary file in the same folder, then renamed over the old one.
 */
#ifndef WEE_PLATFORM_PRIVATE_FILE_H
#define WEE_PLATFORM_PRIVATE_FILE_H
#include <stddef.h>

/* Cryptographically random bytes from the OS. 0, or WEE_EIO. */
int plat_random_bytes(void *buf, size_t n);

/* Where a private file that belongs with the control endpoint control_path lives: POSIX,
 * control_path + suffix; Windows, %LOCALAPPDATA%\WinEventEngine\<pipe name><suffix> (the folder is
 * created). 0, or WEE_EINVAL if it does not fit / WEE_EIO if the folder cannot be made. */
int plat_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size);

/* Where the Windows service's host keeps that file (%ProgramData%\WinEventEngine\<pipe name><suffix>;
 * nothing is created). POSIX: WEE_EUNSUPPORTED (a systemd service runs as a user of its own: pass
 * --control with its socket). */
int plat_service_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size);

/* Replaces path with data, readable and writable by this user only. 0, or an error with err filled. */
int plat_write_private_file(const char *path, const char *data, size_t len, char *err, size_t err_size);
#endif
