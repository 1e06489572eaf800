/* browser.c - ShellExecuteW "open"; see platform/browser.h. */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include "platform/browser.h"
#include "utf.h"
#include "wee/errors.h"

int plat_open_url(const char *url, char *err, size_t err_size)
{
    wchar_t *w = win_utf8_to_wide(url);
    if (!w) { snprintf(err, err_size, "the URL is not valid UTF-8"); return WEE_EINVAL; }
    INT_PTR r = (INT_PTR)ShellExecuteW(NULL, L"open", w, NULL, NULL, SW_SHOWNORMAL);
    free(w);
    if (r <= 32) {
        snprintf(err, err_size, "no program opens http URLs here (ShellExecute error %ld); open the URL above in a browser",
                 (long)r);
        return WEE_EIO;
    }
    return 0;
}
