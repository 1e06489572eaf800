/*
 * core/metrics_http.h - the Prometheus endpoint on the host's HTTP server (http_server.h): GET or HEAD
 * /metrics answers engine_metrics_text (Content-Type: text/plain; version=0.0.4), anything else 404
 * (405 for another method on /metrics). One request per connection. Loopback only, Host checked.
 * Like the control channel: open binds before the engine starts, start serves it, stop before
 * engine_stop. Slow or hostile clients are bounded by the server (METRICS_MAX_CLIENTS workers, 5 s
 * request timeout, 16 KiB request head).
 */
#ifndef WEE_METRICS_HTTP_H
#define WEE_METRICS_HTTP_H
#include <stddef.h>
#include "engine.h"

#define METRICS_MAX_CLIENTS 8

typedef struct metrics_http metrics_http;

metrics_http *metrics_http_open(const char *listen, char *err, size_t err_size);
int metrics_http_start(metrics_http *m, engine *e);
void metrics_http_stop(metrics_http *m);
#endif
