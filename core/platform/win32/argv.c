#include "platform/platform.h"
#include "utf.h"
#include <windows.h>
#include <shellapi.h>
#include <stdlib.h>

char **plat_utf8_argv(int argc, char **argv)
{
    int n = 0;
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    /* A count that differs means the CRT split the line another way: its argv is then the safer one. */
    if (!wargv || n != argc) {
        if (wargv) LocalFree(wargv);
        return argv;
    }
    char **out = calloc((size_t)n + 1, sizeof *out);
    for (int i = 0; out && i < n; i++) {
        out[i] = win_wide_to_utf8(wargv[i]);
        if (!out[i]) {
            for (int j = 0; j < i; j++) free(out[j]);
            free(out);
            out = NULL;
        }
    }
    LocalFree(wargv);
    return out ? out : argv;
}
