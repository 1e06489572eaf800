/* http_server.c - CivetWeb behind the host's rules: loopback only, Host checked, one route. */
#include "http_server.h"
#include <civetweb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "util/strbuf.h"
#include "wee/errors.h"

struct http_server {
    struct mg_context *ctx;
    _Atomic(http_handler) fn;
    void *fn_ctx;
    char name[32];
    char listen[128];
    int port;
};

static int parse_port(const char *s, int *port)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5) return -1;
    int p = atoi(s);
    if (p > 65535) return -1;
    *port = p;
    return 0;
}

/* 1 for a dotted quad 127.a.b.c with each part 0-255. */
/* 1 for a dotted quad 127.a.b.c with each part 0-255 written as inet_pton reads it: 1-3 digits, no
 * leading zero ("0127.0.0.1" passed an sscanf check once and then failed to bind; other parsers read
 * such parts as octal). Found by fuzz_http. */
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

int http_listen_parse(const char *listen, const char *what, char *host, size_t host_size, int *port, char *err,
                      size_t err_size)
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
        snprintf(err, err_size, "\"%s\": only loopback addresses are allowed (127.0.0.1, [::1] or localhost); %s "
                 "must not be reachable from other machines", listen, what);
        return WEE_EINVAL;
    }
    snprintf(host, host_size, "%s", numeric);
    return 0;
shape:
    snprintf(err, err_size, "\"%s\": expected host:port such as 127.0.0.1:9464 or [::1]:9464", listen);
    return WEE_EINVAL;
}

static int lower_equal(const char *s, size_t n, const char *name)
{
    if (strlen(name) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != name[i]) return 0;
    }
    return 1;
}

int http_host_value_allowed(const char *v)
{
    char h[64];
    const char *port = NULL;
    size_t n = strlen(v), hn;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
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
    return lower_equal(h, hn, "localhost") || is_ipv4_loopback(h) || strcmp(h, "::1") == 0;
}

void http_reply(struct mg_connection *c, int status, const char *type, const char *extra, const char *body, size_t len)
{
    mg_printf(c, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
              "X-Content-Type-Options: nosniff\r\nConnection: close\r\n%s\r\n",
              status, mg_get_response_code_text(c, status), type, len, extra ? extra : "");
    if (body && len) mg_write(c, body, len);
}

void http_reply_text(struct mg_connection *c, int status, const char *text)
{
    http_reply(c, status, "text/plain; charset=utf-8", NULL, text, strlen(text));
}

/* Every request passes here first (CivetWeb's begin_request): returning 1 means answered. */
static int begin_request(struct mg_connection *c)
{
    const struct mg_request_info *ri = mg_get_request_info(c);
    http_server *s = ri->user_data;
    for (int i = 0; i < ri->num_headers; i++) {
        if (lower_equal(ri->http_headers[i].name, strlen(ri->http_headers[i].name), "host") &&
            !http_host_value_allowed(ri->http_headers[i].value)) {
            http_reply_text(c, 403, "Host must be a loopback address (127.0.0.1, [::1] or localhost)\n");
            return 1;
        }
    }
    http_handler fn = atomic_load(&s->fn);
    if (!fn) {
        http_reply(c, 503, "text/plain; charset=utf-8", "Retry-After: 1\r\n", "starting\n", 9);
        return 1;
    }
    fn(s->fn_ctx, c, ri);
    return 1;
}

static int log_message(const struct mg_connection *c, const char *message)
{
    const struct mg_request_info *ri = c ? mg_get_request_info(c) : NULL;
    const http_server *s = ri ? ri->user_data : NULL;
    log_write(WEE_LOG_DEBUG, s ? s->name : "http", "%s", message);
    return 1;
}

http_server *http_server_open(const char *name, const char *listen, int threads, char *err, size_t err_size)
{
    char host[64], ports[96], nthreads[16];
    int port;
    if (http_listen_parse(listen, name, host, sizeof host, &port, err, err_size) != 0) return NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, err_size, "out of memory"); return NULL; }
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->listen, sizeof s->listen, "%s", listen);
    snprintf(ports, sizeof ports, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    snprintf(nthreads, sizeof nthreads, "%d", threads);
    /* A request head must arrive within 5 s and a write may block 5 s: a silent or slow client holds a
     * worker no longer than that. No keep-alive: one request per connection, like Prometheus expects. */
    const char *options[] = { "listening_ports", ports, "num_threads", nthreads, "request_timeout_ms", "5000",
                              "enable_keep_alive", "no", "max_request_size", "16384", NULL };
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.begin_request = begin_request;
    cb.log_message = log_message;
    mg_init_library(0);
    char why[256] = "";
    unsigned code = 0;
    struct mg_init_data init = { &cb, s, options };
    struct mg_error_data error = { &code, why, sizeof why };
    s->ctx = mg_start2(&init, &error);
    if (!s->ctx) {
        snprintf(err, err_size, "cannot listen on %s: %s", listen, why[0] ? why : "the port is in use or not allowed");
        free(s);
        mg_exit_library();
        return NULL;
    }
    struct mg_server_port sp[2];
    memset(sp, 0, sizeof sp);
    if (mg_get_server_ports(s->ctx, 2, sp) > 0) s->port = sp[0].port;
    return s;
}

int http_server_port(const http_server *s) { return s->port; }
const char *http_server_listen(const http_server *s) { return s->listen; }

void http_server_route(http_server *s, http_handler fn, void *ctx)
{
    s->fn_ctx = ctx;
    atomic_store(&s->fn, fn);
}

void http_server_stop(http_server *s)
{
    if (!s) return;
    mg_stop(s->ctx);
    mg_exit_library();
    free(s);
}
