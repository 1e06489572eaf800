/*
 * modules/notify/desktop_session_win32.h - can this process reach the user's desktop? Shared by the
 * notify and media modules on Windows.
 */
#ifndef WEE_DESKTOP_SESSION_WIN32_H
#define WEE_DESKTOP_SESSION_WIN32_H
#include <stddef.h>

/* 0 when the process runs in an interactive session on a visible window station; otherwise -1 with
 * a reason in err saying why `what` (e.g. "notifications") cannot reach the user and what to do. */
int desktop_session_check(const char *what, char *err, size_t err_size);

#endif
