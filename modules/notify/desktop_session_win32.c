/*
 * modules/notify/desktop_session_win32.c - see desktop_session_win32.h.
 *
 * Session 0 holds services and no user ever sees it (session 0 isolation, Vista and later): a tray
 * balloon or a key press made there is lost without an error. A process in a user's session but on a
 * non-interactive window station (a scheduled task set to run whether the user is logged on or not)
 * has the same problem. Both are refused with the reason instead.
 */
#include "desktop_session_win32.h"
#include <stdio.h>
#include <windows.h>

int desktop_session_check(const char *what, char *err, size_t err_size)
{
    DWORD session = 0;
    if (ProcessIdToSessionId(GetCurrentProcessId(), &session) && session == 0) {
        snprintf(err, err_size, "the engine runs in session 0 (a Windows service): %s from session 0 never reach "
                 "a user's desktop; run a second host in the user's session for the desktop rules and forward "
                 "events to it (docs/modules/notify.md, \"Service hosts\")", what);
        return -1;
    }
    USEROBJECTFLAGS flags;
    HWINSTA station = GetProcessWindowStation();
    if (station && GetUserObjectInformationW(station, UOI_FLAGS, &flags, sizeof flags, NULL) &&
        !(flags.dwFlags & WSF_VISIBLE)) {
        wchar_t wname[128];
        char name[256] = "?";
        if (GetUserObjectInformationW(station, UOI_NAME, wname, sizeof wname, NULL))
            WideCharToMultiByte(CP_UTF8, 0, wname, -1, name, (int)sizeof name, NULL, NULL);
        snprintf(err, err_size, "the engine's window station \"%s\" is not interactive (a service, or a scheduled "
                 "task that runs whether the user is logged on or not): %s would reach nobody; run a host in the "
                 "user's logon session for the desktop rules (docs/modules/notify.md, \"Service hosts\")", name, what);
        return -1;
    }
    return 0;
}
