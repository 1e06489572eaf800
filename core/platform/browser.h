/*
 * core/platform/browser.h - opening a URL in the user's default browser (`host console --open`).
 * POSIX: xdg-open, started detached (the browser outlives the command); Windows: ShellExecuteW.
 */
#ifndef WEE_PLATFORM_BROWSER_H
#define WEE_PLATFORM_BROWSER_H
#include <stddef.h>

/* 0 when the opener was started; else an error with err saying what to do instead. */
int plat_open_url(const char *url, char *err, size_t err_size);
#endif
