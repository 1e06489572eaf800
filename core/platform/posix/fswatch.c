#define _XOPEN_SOURCE 700
#include "platform/fswatch.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "posix_errors.h"
#include "wee/errors.h"
#ifdef __linux__
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>
#endif

struct plat_fswatch { int fd; };

plat_fswatch *plat_fswatch_open(const char *const *dirs, size_t count, char *err, size_t err_size)
{
#ifdef __linux__
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) { snprintf(err, err_size, "inotify_init1: %s", strerror(errno)); return NULL; }
    for (size_t i = 0; i < count; i++) {
        /* Editors save by writing in place or by renaming a temporary over the file: watch both. */
        if (inotify_add_watch(fd, dirs[i], IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MODIFY |
                                           IN_ATTRIB) < 0) {
            snprintf(err, err_size, "inotify_add_watch %s: %s", dirs[i], strerror(errno));
            close(fd);
            return NULL;
        }
    }
    plat_fswatch *w = malloc(sizeof *w);
    if (!w) { close(fd); snprintf(err, err_size, "out of memory"); return NULL; }
    w->fd = fd;
    return w;
#else
    (void)dirs; (void)count;
    snprintf(err, err_size, "no folder notification on this system");
    return NULL;
#endif
}

int plat_fswatch_wait(plat_fswatch *w, int64_t timeout_ms)
{
#ifdef __linux__
    struct pollfd p = { w->fd, POLLIN, 0 };
    int rc = poll(&p, 1, timeout_ms > 0x7fffffff ? 0x7fffffff : (int)timeout_ms);
    if (rc < 0) return errno == EINTR ? 0 : posix_error_to_wee(errno);
    if (rc == 0) return 0;
    char buf[4096];
    while (read(w->fd, buf, sizeof buf) > 0) {} /* only "something changed" matters */
    return 1;
#else
    (void)w; (void)timeout_ms;
    return WEE_EUNSUPPORTED;
#endif
}

void plat_fswatch_close(plat_fswatch *w)
{
    if (!w) return;
#ifdef __linux__
    close(w->fd);
#endif
    free(w);
}

int plat_file_stamp(const char *path, int64_t *mtime_ns, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0) return posix_error_to_wee(errno);
    *mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    *size = (uint64_t)st.st_size;
    return 0;
}
