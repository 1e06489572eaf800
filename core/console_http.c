/* console_http.c - the web console's pages and API; see console_http.h. */
#include "console_http.h"
#include "console_api.h"
#include "console_rate.h"
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control_server.h"
#include "engine_control.h"
#include "event_tap.h"
#include "http_server.h"
#include "log.h"
#include "platform/platform.h"
#include "platform/private_file.h"
#include "util/strbuf.h"
#include "wee/errors.h"

#define TOKEN_BYTES 32
#define SSE_KEEPALIVE_MS 10000
/* Live streams hold a worker each; the rest keep the pages and API answering. */
#define CONSOLE_THREADS (TAP_MAX_VIEWERS + 8)

struct console_http {
    http_server *http;
    console_ctx cx;       /* what the API handlers get: the engine and the rate history */
    char token[TOKEN_BYTES * 2 + 1];
    char token_file[1024];
    char assets[1024];
};

static const char json_type[] = "application/json; charset=utf-8";

/* Compares all of it whatever differs, so the time taken says nothing about the token. */
static int token_ok(const console_http *cs, const char *given)
{
    if (!given) return 0;
    size_t n = strlen(cs->token);
    unsigned diff = strlen(given) != n;
    for (size_t i = 0; i < n; i++) diff |= (unsigned)(unsigned char)cs->token[i] ^ (unsigned)(unsigned char)(given[i] ? given[i] : 0);
    return diff == 0;
}

/* An Origin, when the browser sends one, must be this console: http://<loopback name>:<our port>. */
static int origin_ok(const console_http *cs, const char *origin)
{
    if (!origin) return 1;
    if (strncmp(origin, "http://", 7) != 0) return 0;
    const char *host = origin + 7;
    if (strchr(host, '/')) return 0;
    const char *colon = host[0] == '[' ? strstr(host, "]:") : strchr(host, ':');
    if (!colon) return 0;
    if (host[0] == '[') colon++;
    if (atoi(colon + 1) != http_server_port(cs->http)) return 0;
    return http_host_value_allowed(host);
}

static void api_emit(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    strbuf body = STRBUF_INIT, text = STRBUF_INIT;
    if (console_read_body(c, ri, &body, "an event") == 0) {
        control_result r = control_emit(cx->e, strbuf_cstr(&body), "console", &text);
        if (strbuf_failed(&text)) console_reply_outcome(c, 503, 0, "out of memory");
        else console_reply_outcome(c, r == CONTROL_OK ? 200 : r == CONTROL_ERROR ? 400 : 503, r == CONTROL_OK, strbuf_cstr(&text));
    }
    strbuf_free(&body);
    strbuf_free(&text);
}

static void api_reload(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    (void)ri;
    strbuf report = STRBUF_INIT;
    log_write(WEE_LOG_INFO, "console", "reload requested from the web console");
    int rc = engine_reload(cx->e, &report);
    console_reply_outcome(c, 200, rc == 0, engine_reload_text(&report, rc));
    strbuf_free(&report);
}

static void api_status(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    (void)ri;
    strbuf out = STRBUF_INIT;
    engine_status_json(cx->e, &out);
    console_reply_strbuf(c, 200, &out);
    strbuf_free(&out);
}

/* Server-Sent Events: "data: {event line}" per processed event, "event: missed" with the count of
 * events this viewer lost when it could not keep up, a comment as keep-alive. Ends when the client
 * goes (a write fails or blocks past the server's timeout) or the console stops. */
static void api_events(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    (void)ri;
    event_tap *tap = engine_tap(cx->e);
    tap_viewer *v = tap ? event_tap_subscribe(tap) : NULL;
    if (!v) {
        http_reply(c, 503, "text/plain; charset=utf-8", "Retry-After: 5\r\n", "too many live viewers; close one\n", 33);
        return;
    }
    mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
              "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n: connected\n\n");
    uint64_t shown_missed = 0;
    for (;;) {
        char *line = NULL;
        uint64_t missed = 0;
        int rc = event_tap_next(v, SSE_KEEPALIVE_MS, &line, &missed);
        if (rc == WEE_ESTOPPED) break;
        int w = 1;
        if (missed != shown_missed) {
            w = mg_printf(c, "event: missed\ndata: %llu\n\n", (unsigned long long)missed);
            shown_missed = missed;
        }
        if (w > 0 && line) w = mg_printf(c, "data: %s\n\n", line);
        else if (w > 0 && rc == WEE_ETIMEOUT) w = mg_printf(c, ": keep-alive\n\n");
        free(line);
        if (w <= 0) break;
    }
    event_tap_unsubscribe(v);
}

/* Only plain names straight inside the assets folder: no '/', no leading dot, no "..". */
static void serve_static(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri)
{
    const char *name = strcmp(ri->local_uri, "/") == 0 ? "index.html" : ri->local_uri + 1;
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
        http_reply_text(c, 404, "not found\n");
        return;
    }
    if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0) {
        http_reply(c, 405, "text/plain; charset=utf-8", "Allow: GET\r\n", "use GET\n", 8);
        return;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s%s%s", cs->assets, plat_path_sep(), name);
    if (!plat_path_exists(path) || plat_path_is_dir(path)) {
        http_reply_text(c, 404, "not found\n");
        return;
    }
    /* The pages talk only to this server: no inline script, nothing from elsewhere. */
    mg_send_mime_file2(c, path, NULL,
                       "Content-Security-Policy: default-src 'self'; img-src 'self' data:; frame-ancestors 'none'\r\n"
                       "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n");
}

/* Every API call, one line each: its path, its method and its handler (here, or console_api.h). */
typedef struct route { const char *path; const char *method; console_api_fn fn; } route;
static const route routes[] = {
    { "/api/status", "GET", api_status }, { "/api/events", "GET", api_events }, { "/api/emit", "POST", api_emit },
    { "/api/reload", "POST", api_reload },
    { "/api/rules", "GET", console_rules_list },
    { "/api/rules/schema", "GET", console_rules_schema },
    { "/api/rules/check", "POST", console_rules_check },
    { "/api/rules/save", "POST", console_rules_save },
    { "/api/test", "POST", console_api_test },
    { "/api/sources", "GET", console_api_sources },
    { "/api/sources/restart", "POST", console_api_source_restart },
    { "/api/modules", "GET", console_api_modules },
    { "/api/rate", "GET", console_api_rate },
};

static void handle(void *ctx, struct mg_connection *c, const struct mg_request_info *ri)
{
    console_http *cs = ctx;
    if (!origin_ok(cs, mg_get_header(c, "Origin"))) {
        http_reply_text(c, 403, "Origin is not this console; open it from the URL `host console` prints\n");
        return;
    }
    if (strncmp(ri->local_uri, "/api/", 5) != 0) {
        serve_static(cs, c, ri);
        return;
    }
    size_t i = 0, count = sizeof routes / sizeof routes[0];
    while (i < count && strcmp(routes[i].path, ri->local_uri) != 0) i++;
    if (i == count) {
        console_reply_outcome(c, 404, 0, "no such API call");
        return;
    }
    if (!token_ok(cs, mg_get_header(c, CONSOLE_TOKEN_HEADER))) {
        console_reply_outcome(c, 401, 0, "missing or wrong " CONSOLE_TOKEN_HEADER " header; open the console from the URL "
                      "`host console` prints");
        return;
    }
    const char *method = routes[i].method;
    if (strcmp(ri->request_method, method) != 0) {
        char allow[32];
        snprintf(allow, sizeof allow, "Allow: %s\r\n", method);
        const char *why = strcmp(method, "POST") == 0 ? "{\"ok\":false,\"text\":\"this call changes state: use POST\"}"
                                                      : "{\"ok\":false,\"text\":\"use GET\"}";
        http_reply(c, 405, json_type, allow, why, strlen(why));
        return;
    }
    routes[i].fn(&cs->cx, c, ri);
}

console_http *console_http_open(const char *listen, const char *token_file, char *err, size_t err_size)
{
    console_http *cs = calloc(1, sizeof *cs);
    if (!cs) { snprintf(err, err_size, "out of memory"); return NULL; }
    unsigned char raw[TOKEN_BYTES];
    if (plat_random_bytes(raw, sizeof raw) != 0) {
        snprintf(err, err_size, "the system gave no random bytes for the console token");
        free(cs);
        return NULL;
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(cs->token + 2 * i, 3, "%02x", raw[i]);
    snprintf(cs->token_file, sizeof cs->token_file, "%s", token_file);
    cs->http = http_server_open("console", listen, CONSOLE_THREADS, err, err_size);
    if (!cs->http) { free(cs); return NULL; }
    /* The URL names the address as configured (a browser resolves localhost itself). */
    char host[160];
    snprintf(host, sizeof host, "%s", listen);
    char *colon = strrchr(host, ':');
    if (colon) *colon = '\0';
    strbuf url = STRBUF_INIT;
    strbuf_printf(&url, "http://%s:%d/#token=%s\n", host, http_server_port(cs->http), cs->token);
    int rc = plat_write_private_file(token_file, url.data, url.len, err, err_size);
    strbuf_free(&url);
    if (rc != 0) {
        http_server_stop(cs->http);
        free(cs);
        return NULL;
    }
    return cs;
}


int console_http_start(console_http *cs, engine *e, const char *assets)
{
    cs->cx.e = e;
    snprintf(cs->assets, sizeof cs->assets, "%s", assets);
    cs->cx.rate = console_rate_start(e);
    http_server_route(cs->http, handle, cs);
    log_write(WEE_LOG_INFO, "console", "web console on %s (port %d); `host console` prints its URL with the token "
              "kept in %s", http_server_listen(cs->http), http_server_port(cs->http), cs->token_file);
    if (!plat_path_is_dir(assets))
        log_write(WEE_LOG_WARN, "console", "no console pages at %s: the API answers, the pages are missing (reinstall)", assets);
    return 0;
}

void console_http_stop(console_http *cs)
{
    if (!cs) return;
    if (cs->cx.e) event_tap_close(engine_tap(cs->cx.e));
    http_server_stop(cs->http);
    console_rate_stop(cs->cx.rate);
    remove(cs->token_file);
    free(cs);
}

