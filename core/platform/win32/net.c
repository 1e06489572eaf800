/* net.c - TCP listener and client over Winsock (the metrics endpoint and its tests). */
#include "conn_internal.h"
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/net.h"
#include "wee/errors.h"

struct plat_tcp_listener { SOCKET s; int port; };

static int make_addr(const char *host, int port, struct sockaddr_storage *ss, int *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((u_short)port);
        *len = (int)sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((u_short)port);
        *len = (int)sizeof *v6;
        return 0;
    }
    return WEE_EINVAL;
}

int plat_tcp_listen(const char *numeric_host, int port, plat_tcp_listener **out, char *err, size_t err_size)
{
    if (win_net_init() != 0) { snprintf(err, err_size, "WSAStartup failed"); return WEE_EIO; }
    struct sockaddr_storage ss;
    int len;
    if (port < 0 || port > 65535 || make_addr(numeric_host, port, &ss, &len) != 0) {
        snprintf(err, err_size, "\"%s\" port %d is not a numeric address and port", numeric_host, port);
        return WEE_EINVAL;
    }
    SOCKET s = WSASocketW(ss.ss_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        snprintf(err, err_size, "socket: Winsock error %d", WSAGetLastError());
        return WEE_EIO;
    }
    /* Without it another process could bind the same port with SO_REUSEADDR and take our scrapes. */
    BOOL one = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
    if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, 64) != 0) {
        int e = WSAGetLastError();
        snprintf(err, err_size, "cannot listen on %s port %d: Winsock error %d", numeric_host, port, e);
        closesocket(s);
        return e == WSAEADDRINUSE || e == WSAEACCES ? WEE_EEXISTS : WEE_EIO;
    }
    len = (int)sizeof ss;
    getsockname(s, (struct sockaddr *)&ss, &len);
    plat_tcp_listener *l = calloc(1, sizeof *l);
    if (!l) { closesocket(s); return WEE_ENOMEM; }
    l->s = s;
    l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *out = l;
    return 0;
}

int plat_tcp_port(const plat_tcp_listener *l) { return l->port; }

int plat_tcp_accept(plat_tcp_listener *l, int timeout_ms, plat_conn **out)
{
    fd_set set;
    FD_ZERO(&set);
    FD_SET(l->s, &set);
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    int n = select(0, &set, NULL, NULL, &tv);
    if (n == 0) return WEE_ETIMEOUT;
    if (n < 0) return WEE_EIO;
    SOCKET c = accept(l->s, NULL, NULL);
    if (c == INVALID_SOCKET) return WSAGetLastError() == WSAEWOULDBLOCK ? WEE_ETIMEOUT : WEE_EIO;
    *out = win_conn_socket(c);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_tcp_close_listener(plat_tcp_listener *l)
{
    if (!l) return;
    closesocket(l->s);
    free(l);
}

int plat_tcp_connect(const char *host, int port, int timeout_ms, plat_conn **out, char *err, size_t err_size)
{
    if (win_net_init() != 0) { snprintf(err, err_size, "WSAStartup failed"); return WEE_EIO; }
    struct sockaddr_storage ss;
    int len;
    if (make_addr(host, port, &ss, &len) != 0) {
        snprintf(err, err_size, "\"%s\" is not a numeric address", host);
        return WEE_EINVAL;
    }
    SOCKET s = WSASocketW(ss.ss_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) { snprintf(err, err_size, "socket: Winsock error %d", WSAGetLastError()); return WEE_EIO; }
    u_long nonblocking = 1;
    ioctlsocket(s, FIONBIO, &nonblocking);
    int e = 0;
    if (connect(s, (struct sockaddr *)&ss, len) != 0) {
        e = WSAGetLastError();
        if (e == WSAEWOULDBLOCK) {
            fd_set w, x;
            FD_ZERO(&w); FD_ZERO(&x);
            FD_SET(s, &w); FD_SET(s, &x);
            struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
            int n = select(0, NULL, &w, &x, &tv);
            int soerr = 0, sl = (int)sizeof soerr;
            if (n > 0 && FD_ISSET(s, &w)) e = 0;
            else if (n > 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &sl) == 0 && soerr) e = soerr;
            else e = n == 0 ? WSAETIMEDOUT : WSAECONNREFUSED;
        }
    }
    if (e != 0) {
        snprintf(err, err_size, "cannot connect to %s port %d: Winsock error %d", host, port, e);
        closesocket(s);
        return e == WSAECONNREFUSED ? WEE_ENOTFOUND : e == WSAETIMEDOUT ? WEE_ETIMEOUT : WEE_EIO;
    }
    *out = win_conn_socket(s);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_socket_error_text(int code, char *buf, size_t size)
{
    char text[256];
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)code, 0, text,
                             sizeof text, NULL);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '.')) text[--n] = '\0';
    if (n > 0) snprintf(buf, size, "%s (Winsock error %d)", text, code);
    else snprintf(buf, size, "Winsock error %d", code);
}
