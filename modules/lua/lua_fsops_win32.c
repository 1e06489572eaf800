/*
 * modules/lua/lua_fsops_win32.c - fs.write/move/delete with Win32 calls (see lua_fsops.h).
 * Paths are UTF-8, converted to UTF-16 for the W functions.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include "lua_fsops.h"
#include "platform/win32/utf.h"
#include "wee/errors.h"

static int fail(char *err, size_t err_size, const char *what, const char *path, DWORD e)
{
    snprintf(err, err_size, "cannot %s '%s': Windows error %lu", what, path, (unsigned long)e);
    return win_error_to_wee(e);
}

int fsops_write(const char *path, const char *data, size_t len, int append, char *err, size_t err_size)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) { snprintf(err, err_size, "cannot convert '%s' to UTF-16", path); return WEE_EINVAL; }
    DWORD attrs = GetFileAttributesW(w);
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_REPARSE_POINT)) {
        free(w);
        snprintf(err, err_size, "cannot open '%s' for writing: it is a symbolic link or junction", path);
        return WEE_EPERM;
    }
    HANDLE h = CreateFileW(w, append ? FILE_APPEND_DATA : GENERIC_WRITE, FILE_SHARE_READ, NULL,
                           append ? OPEN_ALWAYS : CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                           NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) return fail(err, err_size, "open for writing", path, GetLastError());
    size_t done = 0;
    while (done < len) {
        DWORD chunk = (len - done) > 0x40000000u ? 0x40000000u : (DWORD)(len - done), wrote = 0;
        if (!WriteFile(h, data + done, chunk, &wrote, NULL)) {
            DWORD e = GetLastError();
            CloseHandle(h);
            return fail(err, err_size, "write", path, e);
        }
        done += wrote;
    }
    CloseHandle(h);
    return 0;
}

int fsops_move(const char *from, const char *to, char *err, size_t err_size)
{
    wchar_t *wf = win_utf8_to_wide(from), *wt = win_utf8_to_wide(to);
    int rc = 0;
    if (!wf || !wt) { snprintf(err, err_size, "cannot convert a path to UTF-16"); rc = WEE_EINVAL; }
    else if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) {
        DWORD e = GetLastError();
        snprintf(err, err_size, "cannot move '%s' to '%s': Windows error %lu", from, to, (unsigned long)e);
        rc = win_error_to_wee(e);
    }
    free(wf);
    free(wt);
    return rc;
}

int fsops_delete(const char *path, char *err, size_t err_size)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) { snprintf(err, err_size, "cannot convert '%s' to UTF-16", path); return WEE_EINVAL; }
    DWORD attrs = GetFileAttributesW(w);
    int rc = 0;
    if (attrs == INVALID_FILE_ATTRIBUTES) rc = fail(err, err_size, "delete", path, GetLastError());
    else if (!((attrs & FILE_ATTRIBUTE_DIRECTORY) ? RemoveDirectoryW(w) : DeleteFileW(w)))
        rc = fail(err, err_size, "delete", path, GetLastError());
    free(w);
    return rc;
}

int fsops_file_size(const char *path, unsigned long long *size, char *err, size_t err_size)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) { snprintf(err, err_size, "cannot convert '%s' to UTF-16", path); return WEE_EINVAL; }
    WIN32_FILE_ATTRIBUTE_DATA data;
    BOOL ok = GetFileAttributesExW(w, GetFileExInfoStandard, &data);
    free(w);
    if (!ok) return fail(err, err_size, "read", path, GetLastError());
    *size = ((unsigned long long)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    return 0;
}
