/* conn.c - plat_conn over a non-blocking socket: poll() bounds every wait. */
#include "conn_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "wee/errors.h"

plat_conn *posix_conn_wrap(int fd)
{
    plat_conn *c = malloc(sizeof *c);
    if (!c) { close(fd); return NULL; }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    return c;
}

int posix_wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = { fd, events, 0 };
    for (;;) {
        int n = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return WEE_EIO;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int plat_conn_read(plat_conn *c, void *buf, size_t size, int timeout_ms)
{
    for (;;) {
        ssize_t n = recv(c->fd, buf, size, 0);
        if (n >= 0) return (int)(n > INT32_MAX ? INT32_MAX : n);
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return errno == ECONNRESET ? 0 : WEE_EIO;
        int r = posix_wait_fd(c->fd, POLLIN, timeout_ms);
        if (r == 0) return WEE_ETIMEOUT;
        if (r < 0) return r;
    }
}

int plat_conn_write(plat_conn *c, const void *data, size_t len, int timeout_ms)
{
    const char *p = data;
    int64_t deadline = now_ms() + timeout_ms;
    while (len > 0) {
        /* MSG_NOSIGNAL: a client that hung up must not kill the host with SIGPIPE. */
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) { p += n; len -= (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return WEE_EIO;
        int64_t left = deadline - now_ms();
        if (left <= 0) return WEE_ETIMEOUT;
        int r = posix_wait_fd(c->fd, POLLOUT, (int)left);
        if (r == 0) return WEE_ETIMEOUT;
        if (r < 0) return r;
    }
    return 0;
}

void plat_conn_shutdown_write(plat_conn *c)
{
    if (c) shutdown(c->fd, SHUT_WR);
}

void plat_conn_close(plat_conn *c)
{
    if (!c) return;
    close(c->fd);
    free(c);
}
