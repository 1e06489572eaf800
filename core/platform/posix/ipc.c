/* ipc.c - the control endpoint on POSIX: a Unix domain socket, 0600, in a directory the user owns. */
#define _XOPEN_SOURCE 700 /* S_ISVTX */
#include "platform/ipc.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "conn_internal.h"
#include "posix_errors.h"

struct plat_ipc_listener {
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    dev_t dev;      /* the socket file we created: removed at close only if it is still ours */
    ino_t ino;
};

int plat_ipc_default_path(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n = xdg && xdg[0] == '/' ? snprintf(buf, size, "%s/wee/control.sock", xdg)
                                 : snprintf(buf, size, "/tmp/wee-%lu/control.sock", (unsigned long)geteuid());
    return n > 0 && (size_t)n < size ? 0 : WEE_EINVAL;
}

static int fill_addr(const char *path, struct sockaddr_un *sa, char *err, size_t err_size)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (!path[0] || strlen(path) >= sizeof sa->sun_path) {
        snprintf(err, err_size, "control socket path is empty or longer than %zu bytes; pass a shorter one: \"%.60s...\"",
                 sizeof sa->sun_path - 1, path);
        return WEE_EINVAL;
    }
    memcpy(sa->sun_path, path, strlen(path));
    return 0;
}

int plat_ipc_check_path(const char *path, char *err, size_t err_size)
{
    struct sockaddr_un sa;
    return fill_addr(path, &sa, err, err_size);
}

/* The folder holding the socket decides who can reach it: it must be ours (or root's sticky /tmp-like
 * folder) and not writable by others, or someone else could swap the socket under us. A missing last
 * folder is created 0700. */
static int check_dir(const char *path, char *err, size_t err_size)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0700) != 0 || lstat(dir, &st) != 0) {
            snprintf(err, err_size, "cannot create the control folder %s: %s", dir, strerror(errno));
            return posix_error_to_wee(errno);
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "control folder %s is not a directory (a symlink is refused too)", dir);
        return WEE_EPERM;
    }
    uid_t me = geteuid();
    int ours = st.st_uid == me;
    int shared_sticky = st.st_uid == 0 && (st.st_mode & S_ISVTX);
    if (!ours && !shared_sticky) {
        snprintf(err, err_size, "control folder %s belongs to uid %lu, not to this user (uid %lu); refusing it",
                 dir, (unsigned long)st.st_uid, (unsigned long)me);
        return WEE_EPERM;
    }
    if (ours && (st.st_mode & 022)) {
        snprintf(err, err_size, "control folder %s is writable by other users (mode %03o); chmod 700 it",
                 dir, (unsigned)(st.st_mode & 0777));
        return WEE_EPERM;
    }
    return 0;
}

/* 1: something accepts connections at path; 0: nothing does (stale or absent). */
static int someone_listens(const struct sockaddr_un *sa)
{
    /* Non-blocking: a live host with a full backlog answers EAGAIN instead of holding us here. */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return 0;
    int live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0 || errno == EAGAIN;
    close(fd);
    return live;
}

int plat_ipc_listen(const char *path, plat_ipc_listener **out, char *err, size_t err_size)
{
    struct sockaddr_un sa;
    int rc = fill_addr(path, &sa, err, err_size);
    if (rc == 0) rc = check_dir(path, err, err_size);
    if (rc != 0) return rc;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, err_size, "%s exists and is not a socket; refusing to replace it", path);
            return WEE_EEXISTS;
        }
        if (someone_listens(&sa)) {
            snprintf(err, err_size, "another host is already running with control socket %s; stop it or pass "
                     "another --control PATH", path);
            return WEE_EEXISTS;
        }
        unlink(path); /* stale: its host died without removing it */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket(AF_UNIX): %s", strerror(errno));
        return posix_error_to_wee(errno);
    }
    /* bind, then chmod, then listen: nobody can connect before listen(), so there is no window in
     * which the socket is reachable with the umask's permissions. */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, 0600) != 0 || listen(fd, 64) != 0 ||
        lstat(path, &st) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot listen on control socket %s: %s", path, strerror(e));
        close(fd);
        return e == EADDRINUSE ? WEE_EEXISTS : posix_error_to_wee(e);
    }
    plat_ipc_listener *l = calloc(1, sizeof *l);
    if (!l) { close(fd); unlink(path); return WEE_ENOMEM; }
    l->fd = fd;
    l->dev = st.st_dev;
    l->ino = st.st_ino;
    snprintf(l->path, sizeof l->path, "%s", path);
    *out = l;
    return 0;
}

int plat_ipc_accept(plat_ipc_listener *l, int timeout_ms, plat_conn **out)
{
    int r = posix_wait_fd(l->fd, POLLIN, timeout_ms);
    if (r == 0) return WEE_ETIMEOUT;
    if (r < 0) return r;
    int fd = accept(l->fd, NULL, NULL);
    if (fd < 0) return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? WEE_ETIMEOUT : WEE_EIO;
    *out = posix_conn_wrap(fd);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_ipc_close_listener(plat_ipc_listener *l)
{
    if (!l) return;
    struct stat st;
    if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino) unlink(l->path);
    close(l->fd);
    free(l);
}

int plat_ipc_connect(const char *path, int timeout_ms, plat_conn **out, char *err, size_t err_size)
{
    struct sockaddr_un sa;
    int rc = fill_addr(path, &sa, err, err_size);
    if (rc != 0) return rc;
    /* Non-blocking, so a host whose backlog is full (EAGAIN) is retried until timeout_ms instead of
     * blocking without limit. */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket(AF_UNIX): %s", strerror(errno));
        return posix_error_to_wee(errno);
    }
    int waited = 0;
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN && waited < timeout_ms) {
            struct timespec ts = { 0, 20 * 1000000L };
            nanosleep(&ts, NULL);
            waited += 20;
            continue;
        }
        close(fd);
        snprintf(err, err_size, "cannot connect to %s: %s", path, e == EAGAIN ? "the host stayed busy" : strerror(e));
        if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) return WEE_ENOTFOUND;
        if (e == EAGAIN) return WEE_ETIMEOUT;
        return posix_error_to_wee(e);
    }
    *out = posix_conn_wrap(fd);
    return *out ? 0 : WEE_ENOMEM;
}
