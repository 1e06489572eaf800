/* process_internal.h - command line and environment block builders for win32/process.c (internal). */
#ifndef WEE_WIN32_PROCESS_INTERNAL_H
#define WEE_WIN32_PROCESS_INTERNAL_H
#include <wchar.h>

/* malloc'd command line that CommandLineToArgvW (and the msvcrt startup) splits back into argv exactly;
 * NULL when out of memory or an argument is not valid UTF-8. */
wchar_t *win_build_cmdline(const char *const *argv);
/* malloc'd command line for `cmd.exe` running the batch file `script` (a resolved path) with argv[1..]
 * escaped for cmd's own parsing (see process_cmdline.c); NULL and *why when an argument cannot be
 * carried safely (a line break) or out of memory. */
wchar_t *win_build_batch_cmdline(const wchar_t *script, const char *const *argv, const char **why);
/* malloc'd CREATE_UNICODE_ENVIRONMENT block: this process's environment with env_add ("NAME=value")
 * merged in (names compared case-insensitively, as Windows does), sorted as CreateProcess expects. */
wchar_t *win_build_env(const char *const *env_add);
#endif
