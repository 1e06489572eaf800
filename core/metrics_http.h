/*
 * core/metrics_http.h - a minimal HTTP/1.1 endpoint for Prometheus: GET /metrics answers
 * engine_metrics_text (Content-Type: text/plain; version=0.0.4), anything else 404 (405 for another
 * method on /metrics, 400 for a request that is not HTTP). One request per connection
 * (Connection: close). Loopback only: see metrics_listen_parse.
 * Like the control channel: open binds before the engine starts, start serves it, stop before
 * engine_stop. Slow or hostile clients are bounded (METRICS_MAX_CLIENTS, header timeout and size).
 */
#ifndef WEE_METRICS_HTTP_H
#define WEE_METRICS_HTTP_H
#include <stddef.h>
#include "engine.h"

#define METRICS_MAX_CLIENTS 8
#define METRICS_HEADER_MAX (16 * 1024)
#define METRICS_HEADER_TIMEOUT_MS 5000

typedef struct metrics_http metrics_http;

/* "127.0.0.1:9464" (any 127.x.y.z), "[::1]:9464" or "localhost:9464" (bound to 127.0.0.1, no resolver
 * asked); port 1-65535, or 0 for any free port (tests). 0 with the numeric host and port, or WEE_EINVAL
 * with err saying why (e.g. "only loopback addresses are allowed ..."). */
int metrics_listen_parse(const char *listen, char *host, size_t host_size, int *port, char *err, size_t err_size);

metrics_http *metrics_http_open(const char *listen, char *err, size_t err_size);
int metrics_http_port(const metrics_http *m);     /* the bound port (useful with port 0) */
int metrics_http_start(metrics_http *m, engine *e);
void metrics_http_stop(metrics_http *m);
/* Parses the request head: 0 with method and path copied (truncated to their sizes), WEE_EINVAL if it
 * is not "METHOD SP TARGET SP HTTP/1.x". Pure; unit-tested. */
/* 1 when every Host header of the request head names a loopback address (localhost, 127.x.y.z,
 * [::1], any port), or there is none (HTTP/1.0); 0 otherwise (DNS rebinding: answered 403). */
int metrics_host_allowed(const char *head);
int metrics_parse_request_line(const char *head, char *method, size_t method_size, char *path, size_t path_size);
#endif
