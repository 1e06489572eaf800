/* metrics_http.c - GET /metrics on the host's HTTP server; see metrics_http.h. */
#include "metrics_http.h"
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "http_server.h"
#include "log.h"
#include "util/strbuf.h"
#include "wee/errors.h"

struct metrics_http {
    http_server *http;
    engine *e;
};

static void handle(void *ctx, struct mg_connection *c, const struct mg_request_info *ri)
{
    metrics_http *m = ctx;
    /* Prometheus may add a query string; CivetWeb leaves it out of local_uri. */
    if (strcmp(ri->local_uri, "/metrics") != 0) {
        http_reply_text(c, 404, "not found; the metrics are at /metrics\n");
        return;
    }
    int head = strcmp(ri->request_method, "HEAD") == 0;
    if (!head && strcmp(ri->request_method, "GET") != 0) {
        http_reply(c, 405, "text/plain; charset=utf-8", "Allow: GET, HEAD\r\n", "use GET /metrics\n", 17);
        return;
    }
    strbuf body = STRBUF_INIT;
    engine_metrics_text(m->e, &body);
    if (strbuf_failed(&body)) {
        http_reply(c, 503, "text/plain; charset=utf-8", NULL, "out of memory\n", 14);
    } else if (head) {
        /* Same headers as GET, no body. */
        mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n", body.len);
    } else {
        http_reply(c, 200, "text/plain; version=0.0.4", NULL, body.data, body.len);
    }
    strbuf_free(&body);
}

metrics_http *metrics_http_open(const char *listen, char *err, size_t err_size)
{
    metrics_http *m = calloc(1, sizeof *m);
    if (!m) { snprintf(err, err_size, "out of memory"); return NULL; }
    m->http = http_server_open("metrics", listen, METRICS_MAX_CLIENTS, err, err_size);
    if (!m->http) { free(m); return NULL; }
    return m;
}

static int metrics_http_port(const metrics_http *m) { return http_server_port(m->http); }

int metrics_http_start(metrics_http *m, engine *e)
{
    m->e = e;
    http_server_route(m->http, handle, m);
    log_write(WEE_LOG_INFO, "metrics", "serving http://%s/metrics (port %d)", http_server_listen(m->http),
              metrics_http_port(m));
    return 0;
}

void metrics_http_stop(metrics_http *m)
{
    if (!m) return;
    http_server_stop(m->http);
    free(m);
}
