/* utf.h - UTF-8 <-> UTF-16 helpers and error mapping for the Win32 platform files (internal). */
#ifndef WEE_WIN32_UTF_H
#define WEE_WIN32_UTF_H
#include <windows.h>
#include <stddef.h>

/* malloc'd UTF-16 copy of a UTF-8 string; NULL for NULL input or out of memory (invalid UTF-8 is not refused:
 * it becomes U+FFFD). */
wchar_t *win_utf8_to_wide(const char *s);
/* malloc'd UTF-8 copy of a UTF-16 string (NULL on failure or NULL input). */
char *win_wide_to_utf8(const wchar_t *w);
/* UTF-16 into a caller buffer; returns bytes written (without NUL) or -1 if it does not fit. */
int win_wide_to_utf8_buf(const wchar_t *w, char *buf, size_t size);
/* GetLastError-style code to WEE_E*. */
int win_error_to_wee(DWORD e);
/* Where an open handle really is (GetFinalPathNameByHandleW, without the \\?\ prefix), as UTF-8 into buf:
 * 0 or WEE_E*. Defined in fs.c (plat_realpath is this on a freshly opened handle). */
int win_handle_final_path(HANDLE h, char *buf, size_t size);
#endif
