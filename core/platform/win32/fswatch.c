#include "platform/fswatch.h"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include "utf.h"
#include "wee/errors.h"

/* WaitForMultipleObjects takes at most MAXIMUM_WAIT_OBJECTS handles. */
struct plat_fswatch { HANDLE h[MAXIMUM_WAIT_OBJECTS]; DWORD count; };

plat_fswatch *plat_fswatch_open(const char *const *dirs, size_t count, char *err, size_t err_size)
{
    if (count > MAXIMUM_WAIT_OBJECTS) { snprintf(err, err_size, "too many folders to watch (%zu)", count); return NULL; }
    plat_fswatch *w = calloc(1, sizeof *w);
    if (!w) { snprintf(err, err_size, "out of memory"); return NULL; }
    for (size_t i = 0; i < count; i++) {
        wchar_t *wd = win_utf8_to_wide(dirs[i]);
        HANDLE h = wd ? FindFirstChangeNotificationW(wd, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME |
                                                     FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE)
                      : INVALID_HANDLE_VALUE;
        free(wd);
        if (h == INVALID_HANDLE_VALUE) {
            snprintf(err, err_size, "FindFirstChangeNotification %s: error %lu", dirs[i], (unsigned long)GetLastError());
            plat_fswatch_close(w);
            return NULL;
        }
        w->h[w->count++] = h;
    }
    return w;
}

int plat_fswatch_wait(plat_fswatch *w, int64_t timeout_ms)
{
    if (w->count == 0) { Sleep((DWORD)timeout_ms); return 0; }
    DWORD rc = WaitForMultipleObjects(w->count, w->h, FALSE, timeout_ms > 0x7ffffffe ? 0x7ffffffe : (DWORD)timeout_ms);
    if (rc == WAIT_TIMEOUT) return 0;
    if (rc >= WAIT_OBJECT_0 && rc < WAIT_OBJECT_0 + w->count) {
        FindNextChangeNotification(w->h[rc - WAIT_OBJECT_0]);
        return 1;
    }
    return WEE_EIO;
}

void plat_fswatch_close(plat_fswatch *w)
{
    if (!w) return;
    for (DWORD i = 0; i < w->count; i++) FindCloseChangeNotification(w->h[i]);
    free(w);
}

int plat_file_stamp(const char *path, int64_t *mtime_ns, uint64_t *size)
{
    wchar_t *wp = win_utf8_to_wide(path);
    WIN32_FILE_ATTRIBUTE_DATA a;
    BOOL ok = wp && GetFileAttributesExW(wp, GetFileExInfoStandard, &a);
    free(wp);
    if (!ok) return WEE_ENOTFOUND;
    ULARGE_INTEGER t;
    t.LowPart = a.ftLastWriteTime.dwLowDateTime;
    t.HighPart = a.ftLastWriteTime.dwHighDateTime;
    /* FILETIME counts 100 ns ticks from 1601-01-01. */
    *mtime_ns = ((int64_t)t.QuadPart - 116444736000000000LL) * 100;
    *size = ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow;
    return 0;
}
