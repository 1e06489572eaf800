#include "platform/append_file.h"
#include "platform/platform.h"
#include "utf.h"
#include "wee/errors.h"
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * CreateFileW rather than _wfopen: the CRT opens without FILE_SHARE_DELETE, and then nobody (a
 * rotation in another process, a viewer's "delete") can rename or remove the file while we hold it.
 * FILE_APPEND_DATA without FILE_WRITE_DATA makes every write an atomic append at the end of file.
 */
int plat_append_open(const char *path, FILE **out, uint64_t *size)
{
    *out = NULL;
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return path ? WEE_ENOMEM : WEE_EINVAL;  /* NULL only for NULL or out of memory: invalid UTF-8 is replaced */
    HANDLE h = CreateFileW(w, FILE_APPEND_DATA | SYNCHRONIZE | FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return (e == ERROR_PATH_NOT_FOUND) ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(h, &sz)) {
        DWORD e = GetLastError();
        CloseHandle(h);
        return win_error_to_wee(e);
    }
    int fd = _open_osfhandle((intptr_t)h, _O_APPEND | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        return WEE_EIO;
    }
    FILE *f = _fdopen(fd, "ab");
    if (!f) {
        _close(fd); /* closes the handle too */
        return WEE_EIO;
    }
    *out = f;
    if (size) *size = (uint64_t)sz.QuadPart;
    return 0;
}

int plat_file_replace(const char *from, const char *to)
{
    wchar_t *wf = win_utf8_to_wide(from), *wt = win_utf8_to_wide(to);
    int rc = 0;
    if (!wf || !wt) rc = WEE_EINVAL;
    else if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) {
        DWORD e = GetLastError();
        rc = (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    free(wf);
    free(wt);
    return rc;
}

int plat_file_remove(const char *path)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return path ? WEE_ENOMEM : WEE_EINVAL;  /* NULL only for NULL or out of memory: invalid UTF-8 is replaced */
    int rc = 0;
    if (!DeleteFileW(w)) {
        DWORD e = GetLastError();
        if (e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND) rc = win_error_to_wee(e);
    }
    free(w);
    return rc;
}

int plat_mkdir(const char *dir)
{
    wchar_t *w = win_utf8_to_wide(dir);
    if (!w) return dir ? WEE_ENOMEM : WEE_EINVAL;  /* NULL only for NULL or out of memory: invalid UTF-8 is replaced */
    int rc = 0;
    if (!CreateDirectoryW(w, NULL)) {
        DWORD e = GetLastError();
        if (e != ERROR_ALREADY_EXISTS || !plat_path_is_dir(dir))
            rc = e == ERROR_PATH_NOT_FOUND ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    free(w);
    return rc;
}

int plat_can_write(const char *path)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return path ? WEE_ENOMEM : WEE_EINVAL;  /* NULL only for NULL or out of memory: invalid UTF-8 is replaced */
    int dir = plat_path_is_dir(path);
    /* FILE_ADD_FILE on a folder (BACKUP_SEMANTICS opens folders) and FILE_APPEND_DATA on a file are
     * checked against the ACL at open; nothing is written. */
    HANDLE h = CreateFileW(w, dir ? FILE_ADD_FILE : FILE_APPEND_DATA,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                           dir ? FILE_FLAG_BACKUP_SEMANTICS : FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    CloseHandle(h);
    return 0;
}

int plat_file_truncate(const char *path)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return path ? WEE_ENOMEM : WEE_EINVAL;  /* NULL only for NULL or out of memory: invalid UTF-8 is replaced */
    /* Shares everything our own appending handles share, so another writer's open handle (ours in
     * another module, or another process) does not stop it. */
    HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           TRUNCATE_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    CloseHandle(h);
    return 0;
}
