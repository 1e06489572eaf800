/* browser.c - xdg-open, detached; see platform/browser.h. */
#include "platform/browser.h"
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include "wee/errors.h"

extern char **environ;

int plat_open_url(const char *url, char *err, size_t err_size)
{
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP); /* not killed by the terminal's Ctrl+C */
    char *argv[] = { "xdg-open", (char *)url, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, "xdg-open", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, err_size, "cannot start xdg-open (%s); open the URL above in a browser", strerror(rc));
        return WEE_EIO;
    }
    return 0;
}
