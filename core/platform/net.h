/*
 * core/platform/net.h - loopback TCP listening for the metrics endpoint (Winsock on Windows).
 *
 * The caller passes a numeric address ("127.0.0.1", "::1"); deciding which addresses are allowed is
 * the caller's. The host serves HTTP with CivetWeb (http_server.c); these remain for tests (free ports, raw clients). Port 0 picks a free port (plat_tcp_port tells which).
 * Ownership: the listener is freed by plat_tcp_close_listener; accepted conns are plat_conn (conn.h).
 */
#ifndef WEE_PLATFORM_NET_H
#define WEE_PLATFORM_NET_H
#include <stddef.h>
#include "platform/conn.h"

typedef struct plat_tcp_listener plat_tcp_listener;

int plat_tcp_listen(const char *numeric_host, int port, plat_tcp_listener **out, char *err, size_t err_size);
int plat_tcp_port(const plat_tcp_listener *l);
int plat_tcp_accept(plat_tcp_listener *l, int timeout_ms, plat_conn **out);
void plat_tcp_close_listener(plat_tcp_listener *l);
/* Text of a socket error code as the platform reports it (errno; a Winsock code on Windows, where
 * strerror knows none of them), e.g. "Connection refused". */
void plat_socket_error_text(int code, char *buf, size_t size);
/* A client connection (tests): numeric host and port. */
int plat_tcp_connect(const char *host, int port, int timeout_ms, plat_conn **out, char *err, size_t err_size);
#endif
