/* metrics_http.c - GET /metrics over loopback TCP; see metrics_http.h. */
#include "metrics_http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn_server.h"
#include "engine_control.h"
#include "log.h"
#include "platform/net.h"
#include "util/strbuf.h"
#include "wee/errors.h"

#define METRICS_WRITE_TIMEOUT_MS 5000

struct metrics_http {
    plat_tcp_listener *listener;
    conn_server *srv;
    engine *e;
    char listen[128];
};

static int parse_port(const char *s, int *port)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5) return -1;
    int p = atoi(s);
    if (p > 65535) return -1;
    *port = p;
    return 0;
}

/* 1 for a dotted quad 127.a.b.c with each part 0-255 written as inet_pton reads it: 1-3 digits, no
 * leading zero ("0127.0.0.1" passed this check once and then failed to bind; other parsers read such
 * parts as octal). */
static int is_ipv4_loopback(const char *h)
{
    unsigned part[4];
    for (int i = 0; i < 4; i++) {
        size_t n = strspn(h, "0123456789");
        if (n == 0 || n > 3 || (n > 1 && h[0] == '0')) return 0;
        part[i] = (unsigned)atoi(h);
        h += n;
        if (*h != (i < 3 ? '.' : '\0')) return 0;
        h++;
    }
    return part[0] == 127 && part[1] < 256 && part[2] < 256 && part[3] < 256;
}

int metrics_listen_parse(const char *listen, char *host, size_t host_size, int *port, char *err, size_t err_size)
{
    char h[128];
    const char *port_text;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof h) goto shape;
        memcpy(h, listen + 1, (size_t)(close - listen - 1));
        h[close - listen - 1] = '\0';
        port_text = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || strchr(listen, ':') != colon || (size_t)(colon - listen) >= sizeof h) goto shape;
        memcpy(h, listen, (size_t)(colon - listen));
        h[colon - listen] = '\0';
        port_text = colon + 1;
    }
    if (parse_port(port_text, port) != 0) {
        snprintf(err, err_size, "\"%s\": port must be a number from 0 to 65535", listen);
        return WEE_EINVAL;
    }
    const char *numeric = NULL;
    if (strcmp(h, "localhost") == 0) numeric = "127.0.0.1";
    else if (strcmp(h, "::1") == 0 || is_ipv4_loopback(h)) numeric = h;
    if (!numeric) {
        snprintf(err, err_size, "\"%s\": only loopback addresses are allowed (127.0.0.1, [::1] or localhost); the "
                 "metrics endpoint has no authentication", listen);
        return WEE_EINVAL;
    }
    snprintf(host, host_size, "%s", numeric);
    return 0;
shape:
    snprintf(err, err_size, "\"%s\": expected host:port such as 127.0.0.1:9464 or [::1]:9464", listen);
    return WEE_EINVAL;
}

int metrics_parse_request_line(const char *head, char *method, size_t method_size, char *path, size_t path_size)
{
    size_t line = strcspn(head, "\r\n");
    const char *sp1 = memchr(head, ' ', line);
    if (!sp1 || sp1 == head) return WEE_EINVAL;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', line - (size_t)(target - head));
    if (!sp2 || sp2 == target) return WEE_EINVAL;
    size_t vlen = line - (size_t)(sp2 + 1 - head);
    if (vlen != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return WEE_EINVAL;
    snprintf(method, method_size, "%.*s", (int)(sp1 - head), head);
    snprintf(path, path_size, "%.*s", (int)(sp2 - target), target);
    return 0;
}

static int name_is(const char *s, size_t n, const char *name)
{
    if (strlen(name) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != name[i]) return 0;
    }
    return 1;
}

/* 1 when the Host value names a loopback address: localhost, 127.x.y.z, [::1], with an optional port. */
static int loopback_host_value(const char *v, size_t n)
{
    char h[64];
    const char *port = NULL;
    size_t hn;
    if (n && v[0] == '[') {
        const char *close = memchr(v, ']', n);
        if (!close) return 0;
        hn = (size_t)(close - v - 1);
        if (hn >= sizeof h) return 0;
        memcpy(h, v + 1, hn);
        if (close + 1 < v + n) { if (close[1] != ':') return 0; port = close + 2; }
    } else {
        const char *colon = memchr(v, ':', n);
        hn = colon ? (size_t)(colon - v) : n;
        if (hn >= sizeof h) return 0;
        memcpy(h, v, hn);
        if (colon) port = colon + 1;
    }
    h[hn] = '\0';
    if (port) {
        size_t pn = n - (size_t)(port - v);
        if (pn == 0 || pn > 5 || strspn(port, "0123456789") < pn) return 0;
    }
    return name_is(h, hn, "localhost") || is_ipv4_loopback(h) || strcmp(h, "::1") == 0;
}

int metrics_host_allowed(const char *head)
{
    const char *line = strstr(head, "\r\n");
    while (line && line[2] && !(line[2] == '\r' && line[3] == '\n')) {
        line += 2;
        size_t len = strcspn(line, "\r\n");
        const char *colon = memchr(line, ':', len);
        if (colon && name_is(line, (size_t)(colon - line), "host")) {
            const char *v = colon + 1, *end = line + len;
            while (v < end && (*v == ' ' || *v == '\t')) v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
            if (!loopback_host_value(v, (size_t)(end - v))) return 0;
        }
        line = strstr(line, "\r\n");
    }
    return 1;
}

static void respond(plat_conn *c, int status, const char *reason, const char *type, const strbuf *body)
{
    strbuf out = STRBUF_INIT;
    strbuf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                  status, reason, type, body->len);
    if (body->len) strbuf_append(&out, body->data, body->len);
    plat_conn_write(c, out.data, out.len, METRICS_WRITE_TIMEOUT_MS);
    strbuf_free(&out);
}

static void respond_text(plat_conn *c, int status, const char *reason, const char *text)
{
    strbuf body = STRBUF_INIT;
    strbuf_puts(&body, text);
    respond(c, status, reason, "text/plain; charset=utf-8", &body);
    strbuf_free(&body);
}

static void handle(void *ctx, conn_server *srv, plat_conn *c)
{
    metrics_http *m = ctx;
    strbuf in = STRBUF_INIT;
    int rc = conn_read_until(srv, c, &in, "\r\n\r\n", METRICS_HEADER_MAX, METRICS_HEADER_TIMEOUT_MS);
    char method[16], path[256];
    if (rc == WEE_ENOTFOUND || rc == WEE_ESTOPPED) goto out;
    if (rc == WEE_EFULL) { respond_text(c, 431, "Request Header Fields Too Large", "request head over 16 KiB\n"); goto out; }
    if (rc == WEE_ETIMEOUT) { respond_text(c, 408, "Request Timeout", "no complete request head within 5 s\n"); goto out; }
    if (rc != 0 || metrics_parse_request_line(in.data, method, sizeof method, path, sizeof path) != 0) {
        respond_text(c, 400, "Bad Request", "expected an HTTP/1.x request such as GET /metrics\n");
        goto out;
    }
    /* Prometheus may add a query string; the path alone decides. */
    path[strcspn(path, "?")] = '\0';
    if (!metrics_host_allowed(in.data)) {
        /* DNS rebinding: a web page's own name resolving to 127.0.0.1 lets the browser reach this port,
         * but the Host header still carries that name. */
        respond_text(c, 403, "Forbidden", "Host must be a loopback address (127.0.0.1, [::1] or localhost)\n");
    } else if (strcmp(path, "/metrics") != 0) {
        respond_text(c, 404, "Not Found", "not found; the metrics are at /metrics\n");
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        respond_text(c, 405, "Method Not Allowed", "use GET /metrics\n");
    } else {
        strbuf body = STRBUF_INIT;
        engine_metrics_text(m->e, &body);
        if (strcmp(method, "HEAD") == 0) {
            /* Same headers as GET, no body. */
            strbuf out = STRBUF_INIT;
            strbuf_printf(&out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n", body.len);
            plat_conn_write(c, out.data, out.len, METRICS_WRITE_TIMEOUT_MS);
            strbuf_free(&out);
        } else {
            respond(c, 200, "OK", "text/plain; version=0.0.4", &body);
        }
        strbuf_free(&body);
    }
out:
    strbuf_free(&in);
}

static void refuse(void *ctx, conn_server *srv, plat_conn *c)
{
    (void)ctx; (void)srv;
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               "Content-Length: 5\r\nConnection: close\r\nRetry-After: 1\r\n\r\nbusy\n";
    plat_conn_write(c, busy, sizeof busy - 1, 100);
}

static int accept_tcp(void *listener, int timeout_ms, plat_conn **out)
{
    return plat_tcp_accept(listener, timeout_ms, out);
}

metrics_http *metrics_http_open(const char *listen, char *err, size_t err_size)
{
    char host[64];
    int port;
    if (metrics_listen_parse(listen, host, sizeof host, &port, err, err_size) != 0) return NULL;
    metrics_http *m = calloc(1, sizeof *m);
    if (!m) { snprintf(err, err_size, "out of memory"); return NULL; }
    snprintf(m->listen, sizeof m->listen, "%s", listen);
    if (plat_tcp_listen(host, port, &m->listener, err, err_size) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

int metrics_http_port(const metrics_http *m) { return plat_tcp_port(m->listener); }

int metrics_http_start(metrics_http *m, engine *e)
{
    m->e = e;
    conn_server_spec spec = { "metrics", accept_tcp, m->listener, handle, refuse, m, METRICS_MAX_CLIENTS };
    m->srv = conn_server_start(&spec);
    if (!m->srv) return WEE_ENOMEM;
    log_write(WEE_LOG_INFO, "metrics", "serving http://%s/metrics (port %d)", m->listen, metrics_http_port(m));
    return 0;
}

void metrics_http_stop(metrics_http *m)
{
    if (!m) return;
    conn_server_stop(m->srv);
    plat_tcp_close_listener(m->listener);
    free(m);
}
