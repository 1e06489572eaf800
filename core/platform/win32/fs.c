#include "platform/platform.h"
#include "wee/errors.h"
#include "utf.h"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int plat_dir_list(const char *dir, plat_dir_fn fn, void *ctx)
{
    if (!dir || !fn) return WEE_EINVAL;
    wchar_t *w = win_utf8_to_wide(dir);
    if (!w) return WEE_ENOMEM;  /* NULL only when out of memory: invalid UTF-8 is replaced, not refused */
    size_t len = wcslen(w);
    wchar_t *pattern = malloc((len + 3) * sizeof *pattern);
    if (!pattern) {
        free(w);
        return WEE_ENOMEM;
    }
    memcpy(pattern, w, len * sizeof *w);
    size_t k = len;
    if (k > 0 && pattern[k - 1] != L'\\' && pattern[k - 1] != L'/') pattern[k++] = L'\\';
    pattern[k++] = L'*';
    pattern[k] = L'\0';
    free(w);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(pattern, &fd);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND) return 0; /* empty */
        return win_error_to_wee(e);
    }
    int rc = 0;
    do {
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
        char *name = win_wide_to_utf8(fd.cFileName);
        if (!name) {
            rc = WEE_ENOMEM;
            break;
        }
        int stop = fn(name, (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? 1 : 0, ctx);
        free(name);
        if (stop) break;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return rc;
}

static DWORD attrs(const char *path)
{
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return INVALID_FILE_ATTRIBUTES;
    DWORD a = GetFileAttributesW(w);
    free(w);
    return a;
}

int plat_path_is_dir(const char *path)
{
    DWORD a = path ? attrs(path) : INVALID_FILE_ATTRIBUTES;
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int plat_path_exists(const char *path)
{
    return path && attrs(path) != INVALID_FILE_ATTRIBUTES;
}

int plat_read_file(const char *path, char **data, size_t *len)
{
    if (!path || !data) return WEE_EINVAL;
    *data = NULL;
    if (len) *len = 0;
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return WEE_ENOMEM;  /* NULL only when out of memory: invalid UTF-8 is replaced, not refused */
    FILE *f = _wfopen(w, L"rb");
    free(w);
    if (!f) return plat_path_exists(path) ? WEE_EPERM : WEE_ENOTFOUND;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : WEE_ENOMEM;
    while (rc == 0) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = WEE_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) rc = WEE_EIO;
            break;
        }
    }
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    if (len) *len = n;
    return 0;
}

int win_handle_final_path(HANDLE h, char *buf, size_t size)
{
    DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED);
    wchar_t *out = n ? malloc(((size_t)n + 1) * sizeof *out) : NULL;
    int rc = 0;
    if (!out) rc = n ? WEE_ENOMEM : WEE_EFAILED;
    else if (GetFinalPathNameByHandleW(h, out, n + 1, FILE_NAME_NORMALIZED) == 0) rc = WEE_EFAILED;
    if (rc == 0) {
        const wchar_t *p = out;
        if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
            p += 6;
            out[6] = L'\\'; /* "\\?\UNC\srv" -> "\\srv" */
        } else if (wcsncmp(p, L"\\\\?\\", 4) == 0) {
            p += 4;
        }
        if (win_wide_to_utf8_buf(p, buf, size) < 0) rc = WEE_EINVAL;
    }
    free(out);
    return rc;
}

int plat_realpath(const char *path, char *buf, size_t size)
{
    if (!path || !buf || size == 0) return WEE_EINVAL;
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) return WEE_ENOMEM;  /* NULL only when out of memory: invalid UTF-8 is replaced, not refused */
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? WEE_ENOTFOUND : win_error_to_wee(e);
    }
    int rc = win_handle_final_path(h, buf, size);
    CloseHandle(h);
    return rc;
}
