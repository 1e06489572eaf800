#include "utf.h"
#include "wee/errors.h"
#include <stdlib.h>

wchar_t *win_utf8_to_wide(const char *s)
{
    if (!s) return NULL;
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0) return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (!w) return NULL;
    if (MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) <= 0) {
        free(w);
        return NULL;
    }
    return w;
}

char *win_wide_to_utf8(const wchar_t *w)
{
    if (!w) return NULL;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0) return NULL;
    char *s = malloc((size_t)n);
    if (!s) return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) <= 0) {
        free(s);
        return NULL;
    }
    return s;
}

int win_wide_to_utf8_buf(const wchar_t *w, char *buf, size_t size)
{
    if (!w || !buf || size == 0) return -1;
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || (size_t)n > size) {
        buf[0] = '\0';
        return -1;
    }
    WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, n, NULL, NULL);
    return n - 1;
}

int win_error_to_wee(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_DRIVE:
    case ERROR_MOD_NOT_FOUND: case ERROR_BAD_NETPATH: case ERROR_INVALID_NAME:
        return WEE_ENOTFOUND;
    case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_PRIVILEGE_NOT_HELD:
        return WEE_EPERM;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return WEE_ENOMEM;
    case ERROR_INVALID_PARAMETER: case ERROR_FILENAME_EXCED_RANGE: case ERROR_INSUFFICIENT_BUFFER:
        return WEE_EINVAL;
    case ERROR_ALREADY_EXISTS: case ERROR_FILE_EXISTS: return WEE_EEXISTS;
    case WAIT_TIMEOUT: case ERROR_TIMEOUT: return WEE_ETIMEOUT;
    default: return WEE_EIO;
    }
}
