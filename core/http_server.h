/*
 * core/http_server.h - the host's one HTTP server (CivetWeb), used by the Prometheus endpoint
 * (metrics_http.c) and the web console (console_http.c). Loopback only: http_listen_parse refuses any
 * other address, and every request whose Host header is not a loopback name is answered 403 before a
 * route sees it (DNS rebinding: a page whose own name resolves to 127.0.0.1 still sends that name).
 *
 * Like the control channel: open binds before the engine starts (a busy port is a start error), route
 * attaches the handler once the engine runs (until then requests get 503), stop before engine_stop.
 * Threads: handlers run on CivetWeb's worker threads (`threads` of them), concurrently.
 * Ownership: the server is freed by http_server_stop.
 */
#ifndef WEE_HTTP_SERVER_H
#define WEE_HTTP_SERVER_H
#include <stddef.h>

struct mg_connection;
struct mg_request_info;
typedef struct http_server http_server;

/* A route: answers every request that passed the Host check. */
typedef void (*http_handler)(void *ctx, struct mg_connection *c, const struct mg_request_info *ri);

/* "127.0.0.1:9464" (any 127.x.y.z), "[::1]:9464" or "localhost:9464" (bound to 127.0.0.1, no resolver
 * asked); port 1-65535, or 0 for any free port (tests). 0 with the numeric host and port, or WEE_EINVAL
 * with err saying why (e.g. "only loopback addresses are allowed ..."). what names the endpoint in
 * that message ("the metrics endpoint"). */
int http_listen_parse(const char *listen, const char *what, char *host, size_t host_size, int *port, char *err,
                      size_t err_size);

/* 1 when a Host header value names a loopback address: localhost, 127.x.y.z or [::1], optional port. */
int http_host_value_allowed(const char *value);

/* name: for the log ("metrics", "console"). threads: CivetWeb worker threads = concurrent requests. */
http_server *http_server_open(const char *name, const char *listen, int threads, char *err, size_t err_size);
int http_server_port(const http_server *s);   /* the bound port (useful with port 0) */
const char *http_server_listen(const http_server *s);
void http_server_route(http_server *s, http_handler fn, void *ctx);
void http_server_stop(http_server *s);

/* A complete response with Content-Length and Connection: close; body may be NULL for none.
 * extra: more header lines, each ending in "\r\n", or NULL. */
void http_reply(struct mg_connection *c, int status, const char *type, const char *extra, const char *body,
                size_t len);
void http_reply_text(struct mg_connection *c, int status, const char *text);
#endif
