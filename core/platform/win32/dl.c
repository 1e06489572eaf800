#include "platform/platform.h"
#include "utf.h"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR
#define LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR 0x00000100
#endif
#ifndef LOAD_LIBRARY_SEARCH_DEFAULT_DIRS
#define LOAD_LIBRARY_SEARCH_DEFAULT_DIRS 0x00001000
#endif

const char *plat_dl_suffix(void) { return ".dll"; }

static void dl_error(char *err, size_t err_size, const char *path, DWORD code)
{
    if (!err || !err_size) return;
    wchar_t *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, 0, (LPWSTR)&msg, 0, NULL);
    char *text = NULL;
    if (n && msg) {
        while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' ' || msg[n - 1] == L'.'))
            msg[--n] = L'\0';
        text = win_wide_to_utf8(msg);
    }
    if (msg) LocalFree(msg);
    snprintf(err, err_size, "%s: %s (error %lu)", path ? path : "(null)", text ? text : "cannot load library",
             (unsigned long)code);
    free(text);
}

void *plat_dl_open(const char *path, char *err, size_t err_size)
{
    if (err && err_size) err[0] = '\0';
    wchar_t *w = win_utf8_to_wide(path);
    if (!w) {
        dl_error(err, err_size, path, ERROR_INVALID_PARAMETER);
        return NULL;
    }
    /* LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR needs an absolute path (ERROR_INVALID_PARAMETER otherwise). */
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? malloc((size_t)n * sizeof *full) : NULL;
    if (full && GetFullPathNameW(w, n, full, NULL) > 0) {
        free(w);
        w = full;
    } else {
        free(full);
    }
    HMODULE h = LoadLibraryExW(w, NULL, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
    DWORD code = h ? 0 : GetLastError();
    free(w);
    if (!h) dl_error(err, err_size, path, code);
    return (void *)h;
}

void *plat_dl_sym(void *lib, const char *name)
{
    if (!lib || !name) return NULL;
    return (void *)(uintptr_t)GetProcAddress((HMODULE)lib, name);
}

void plat_dl_close(void *lib)
{
    if (lib) FreeLibrary((HMODULE)lib);
}
