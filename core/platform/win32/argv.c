#include <windows.h>
#include <shellapi.h>
#include <stdlib.h>
#include "platform/platform.h"

char **plat_utf8_argv(int argc, char **argv)
{
    int n = 0;
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!wargv || n != argc) {
        if (wargv) LocalFree(wargv);
        return argv;
    }
    char **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) { LocalFree(wargv); return argv; }
    for (int i = 0; i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        out[i] = malloc(len > 0 ? (size_t)len : 1);
        if (!out[i]) { LocalFree(wargv); return argv; }
        if (len > 0) WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i], len, NULL, NULL);
        else out[i][0] = '\0';
    }
    LocalFree(wargv);
    return out;
}
