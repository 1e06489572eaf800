/* net.c - TCP listener and client on POSIX sockets (the metrics endpoint and its tests). */
#include "platform/net.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conn_internal.h"
#include "posix_errors.h"

struct plat_tcp_listener { int fd; int port; };

/* A numeric IPv4 or IPv6 address into a sockaddr; 0 or WEE_EINVAL. */
static int make_addr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)port);
        *len = sizeof *v6;
        return 0;
    }
    return WEE_EINVAL;
}

int plat_tcp_listen(const char *numeric_host, int port, plat_tcp_listener **out, char *err, size_t err_size)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (port < 0 || port > 65535 || make_addr(numeric_host, port, &ss, &len) != 0) {
        snprintf(err, err_size, "\"%s\" port %d is not a numeric address and port", numeric_host, port);
        return WEE_EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return posix_error_to_wee(errno);
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* restart while old scrapes sit in TIME_WAIT */
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 64) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot listen on %s port %d: %s", numeric_host, port, strerror(e));
        close(fd);
        return e == EADDRINUSE ? WEE_EEXISTS : posix_error_to_wee(e);
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    plat_tcp_listener *l = calloc(1, sizeof *l);
    if (!l) { close(fd); return WEE_ENOMEM; }
    l->fd = fd;
    l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *out = l;
    return 0;
}

int plat_tcp_port(const plat_tcp_listener *l) { return l->port; }

int plat_tcp_accept(plat_tcp_listener *l, int timeout_ms, plat_conn **out)
{
    int r = posix_wait_fd(l->fd, POLLIN, timeout_ms);
    if (r == 0) return WEE_ETIMEOUT;
    if (r < 0) return r;
    int fd = accept(l->fd, NULL, NULL);
    if (fd < 0) return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? WEE_ETIMEOUT : WEE_EIO;
    *out = posix_conn_wrap(fd);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_tcp_close_listener(plat_tcp_listener *l)
{
    if (!l) return;
    close(l->fd);
    free(l);
}

int plat_tcp_connect(const char *host, int port, int timeout_ms, plat_conn **out, char *err, size_t err_size)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (make_addr(host, port, &ss, &len) != 0) {
        snprintf(err, err_size, "\"%s\" is not a numeric address", host);
        return WEE_EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return posix_error_to_wee(errno);
    }
    int rc = connect(fd, (struct sockaddr *)&ss, len);
    if (rc != 0 && errno == EINPROGRESS) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        int w = posix_wait_fd(fd, POLLOUT, timeout_ms);
        if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) rc = 0;
        else errno = w == 0 ? ETIMEDOUT : soerr ? soerr : EIO;
    }
    if (rc != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot connect to %s port %d: %s", host, port, strerror(e));
        close(fd);
        return e == ECONNREFUSED ? WEE_ENOTFOUND : posix_error_to_wee(e);
    }
    *out = posix_conn_wrap(fd);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_socket_error_text(int code, char *buf, size_t size)
{
    snprintf(buf, size, "%s", strerror(code));
}
