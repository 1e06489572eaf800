/*
 * core/platform/ipc.h - the host's local control endpoint: a Unix domain socket on POSIX, a named pipe
 * on Windows. Only the same user (and root / SYSTEM / Administrators) can connect.
 *
 * POSIX: the socket is created 0600 inside a directory owned by the user; the default directory is
 * created 0700 and refused if another user owns it or others may write to it. A live listener on the
 * path is never replaced (WEE_EEXISTS); a stale socket file left by a dead host is.
 * Windows: the pipe is created with FILE_FLAG_FIRST_PIPE_INSTANCE and a DACL naming only the current
 * user, SYSTEM and Administrators; remote clients are rejected.
 * Ownership: plat_ipc_listen's listener is freed by plat_ipc_close_listener (which removes the socket
 * file it created); conns are plat_conn (conn.h).
 */
#ifndef WEE_PLATFORM_IPC_H
#define WEE_PLATFORM_IPC_H
#include <stddef.h>
#include "platform/conn.h"

typedef struct plat_ipc_listener plat_ipc_listener;

/* The per-user default endpoint: $XDG_RUNTIME_DIR/wee/control.sock, else /tmp/wee-<uid>/control.sock;
 * \\.\pipe\wee-<user>-control on Windows. 0, or WEE_EINVAL if it does not fit. */
int plat_ipc_default_path(char *buf, size_t size);

/* Checks the shape of an endpoint name without touching the system (config validation): POSIX, a
 * non-empty path that fits a socket address (107 bytes); Windows, "\\.\pipe\NAME". 0, or WEE_EINVAL
 * with err saying what is expected. */
int plat_ipc_check_path(const char *path, char *err, size_t err_size);

/* Starts listening at path. WEE_EEXISTS: a live listener already has it; other errors with err filled
 * (one line saying what and where). */
int plat_ipc_listen(const char *path, plat_ipc_listener **out, char *err, size_t err_size);
/* Waits up to timeout_ms for a client. 0 with *out set, WEE_ETIMEOUT, or another error. */
int plat_ipc_accept(plat_ipc_listener *l, int timeout_ms, plat_conn **out);
void plat_ipc_close_listener(plat_ipc_listener *l);

/* Connects to a listener. WEE_ENOTFOUND: nobody listens at path; WEE_EPERM: not allowed;
 * WEE_ETIMEOUT: it exists but stayed busy for timeout_ms. */
int plat_ipc_connect(const char *path, int timeout_ms, plat_conn **out, char *err, size_t err_size);
#endif
