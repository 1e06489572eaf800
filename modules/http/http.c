/*
 * modules/http - the `http` action: one HTTP(S) request per event, through libcurl.
 *
 *   { "action": "http", "method": "POST", "url": "https://hooks.example.com/x",
 *     "headers": { "Authorization": "Bearer abc" },
 *     "json": { "file": "{{path}}", "kind": "{{type}}" }, "timeout_ms": 5000, "retries": 2 }
 *
 * `json` is a template object: every string inside is rendered for the event and the object is sent
 * as JSON (the host's opt_json escapes quotes, control characters and keeps UTF-8), with
 * Content-Type: application/json unless the headers give one. `body` is sent as written after
 * rendering (Content-Type: text/plain; charset=utf-8 unless given). A header value that renders to
 * text with a line break fails the call: event data must never add headers.
 *
 * The descriptor carries WEE_MODULE_FLAG_NETWORK, so the host refuses a config using this action
 * unless engine.http_enabled is true; each request also asks host->net_check (engine.http_allow).
 *
 * Published for later actions: http.status (0 when no answer came), http.body (at most body_max
 * bytes, cut on a UTF-8 boundary), http.ok (2xx). Anything but a 2xx answer fails the action.
 *
 * Threads: one curl handle per worker, created on first use and reused (curl_easy_reset keeps its
 * connection cache), so concurrent calls on one instance share nothing mutable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_client.h"
#include "util/utf8_cut.h"
#include "wee/wee.h"

#define HTTP_MODULE_NAME "http"

typedef struct http_action {
    const wee_host_api *host;
    unsigned handle_count;
    CURL **handles; /* [worker index], NULL until that worker's first request */
} http_action;

static int http_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)host;
    CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (c != CURLE_OK) {
        snprintf(err, err_size, "libcurl failed to initialise: %s", curl_easy_strerror(c));
        return WEE_EFAILED;
    }
    return 0;
}

static void http_module_shutdown(void) { curl_global_cleanup(); }

/* RFC 9110 token characters: what a header name may contain. */
static int is_token(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c)) return 0;
    }
    return 1;
}

/* The options as bound (wee/bind.h) from create's options and from each call's rendered params; json
 * (any JSON value) is a handle: wee_json gives its text. */
typedef struct http_settings {
    const char *url, *method, *body, *ca_file;
    wee_opt_map headers;
    wee_opt_list json;
    int64_t timeout_ms, retries, backoff_ms, body_max;
} http_settings;

static const wee_option_spec http_options[] = {
    WEE_OPTION(.name = "url", .type = WEE_OPT_STRING, .required = 1,
               .description = "http:// or https:// address (template)",
               WEE_BIND(http_settings, url)),
    WEE_OPTION(.name = "method", .type = WEE_OPT_STRING, .choices = "GET|POST|PUT|PATCH|DELETE",
               .description = "request method; default GET, or POST when body or json is given",
               WEE_BIND(http_settings, method)),
    WEE_OPTION(.name = "headers", .type = WEE_OPT_STRING_MAP, .default_value = "{}",
               .description = "request headers (values are templates; a line break in one fails the call)",
               WEE_BIND(http_settings, headers)),
    WEE_OPTION(.name = "body", .type = WEE_OPT_STRING,
               .description = "request body text (template); Content-Type text/plain unless given",
               WEE_BIND(http_settings, body)),
    WEE_OPTION(.name = "json", .type = WEE_OPT_JSON,
               .description = "request body as JSON: strings inside are templates, escaped correctly",
               WEE_BIND(http_settings, json)),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "10000", .min = 1,
               .max = INT32_MAX, .description = "limit for each attempt, connecting included",
               WEE_BIND(http_settings, timeout_ms)),
    WEE_OPTION(.name = "retries", .type = WEE_OPT_INT, .default_value = "0", .min = 0, .max = 10,
               .description = "extra attempts after a connection error or a 5xx answer (not after a timeout)",
               WEE_BIND(http_settings, retries)),
    WEE_OPTION(.name = "backoff_ms", .type = WEE_OPT_INT, .default_value = "200", .min = 1, .max = 60000,
               .description = "wait before the first retry; doubled for each next one (at most 30 s)",
               WEE_BIND(http_settings, backoff_ms)),
    WEE_OPTION(.name = "ca_file", .type = WEE_OPT_STRING,
               .description = "PEM file of CA certificates to verify the server with, instead of the system's",
               WEE_BIND(http_settings, ca_file)),
    WEE_OPTION(.name = "body_max", .type = WEE_OPT_INT, .default_value = "65536", .min = 0,
               .max = 64 * 1024 * 1024, .description = "response bytes kept in http.body; the rest is dropped",
               WEE_BIND(http_settings, body_max)),
    WEE_OPTION_END
};

static int http_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                       size_t err_size)
{
    if (!host->net_check) {
        snprintf(err, err_size, "this host has no network policy check (ABI 1.1 needed); update the engine");
        return WEE_EABI;
    }
    http_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, http_options, &set);
    if (set.body && set.json.count) {
        snprintf(err, err_size, "give either 'body' (text) or 'json' (an object sent as JSON), not both");
        return WEE_ECONFIG;
    }
    const char *url = set.url;
    if (!url || !*url) {
        snprintf(err, err_size, "'url' is empty: give the http:// or https:// address to request");
        return WEE_ECONFIG;
    }
    if (strncmp(url, "{{", 2) != 0 && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        snprintf(err, err_size, "'url' must start with http:// or https://, got \"%s\"", url);
        return WEE_ECONFIG;
    }
    for (size_t i = 0; i < set.headers.count; i++) {
        const char *name = wee_map_key(&set.headers, i);
        if (!is_token(name)) {
            snprintf(err, err_size, "headers: \"%s\" is not a valid header name (letters, digits, '-' ...)",
                     name ? name : "");
            return WEE_ECONFIG;
        }
    }
    http_action *a = calloc(1, sizeof *a);
    unsigned workers = host->worker_count ? host->worker_count() : 1;
    if (workers == 0) workers = 1;
    if (a) a->handles = calloc(workers, sizeof *a->handles);
    if (!a || !a->handles) {
        free(a);
        snprintf(err, err_size, "out of memory");
        return WEE_ENOMEM;
    }
    a->host = host;
    a->handle_count = workers;
    *instance = a;
    return 0;
}

static void http_destroy(void *instance)
{
    http_action *a = instance;
    for (unsigned i = 0; i < a->handle_count; i++)
        if (a->handles[i]) curl_easy_cleanup(a->handles[i]);
    free(a->handles);
    free(a);
}

static int header_given(const wee_opt_map *headers, const char *wanted)
{
    for (size_t i = 0; i < headers->count; i++) {
        const char *name = wee_map_key(headers, i);
        size_t k = 0;
        for (; name[k] && wanted[k]; k++) {
            char x = name[k], y = wanted[k];
            if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
            if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
            if (x != y) break;
        }
        if (!name[k] && !wanted[k]) return 1;
    }
    return 0;
}

typedef struct header_lines {
    char **lines; /* NULL-terminated */
    size_t count;
} header_lines;

static void header_lines_free(header_lines *h)
{
    for (size_t i = 0; i < h->count; i++) free(h->lines[i]);
    free(h->lines);
}

static int header_add(header_lines *h, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    char *line = malloc(nl + vl + 3);
    if (!line) return WEE_ENOMEM;
    memcpy(line, name, nl);
    /* "Name;" is curl's way to send a header with an empty value ("Name:" would remove it). */
    if (vl == 0) { line[nl] = ';'; line[nl + 1] = '\0'; }
    else { memcpy(line + nl, ": ", 2); memcpy(line + nl + 2, value, vl + 1); }
    h->lines[h->count++] = line;
    h->lines[h->count] = NULL;
    return 0;
}

/* The configured headers plus a default Content-Type; fails on a value with a line break. */
static int build_headers(const wee_host_api *host, const wee_opt_map *headers, const char *content_type,
                         header_lines *h, wee_action_call *call)
{
    size_t n = headers->count;
    h->count = 0;
    h->lines = calloc(n + 2, sizeof *h->lines);
    if (!h->lines) { host->call_set_error(call, "out of memory"); return WEE_ENOMEM; }
    for (size_t i = 0; i < n; i++) {
        const char *name = wee_map_key(headers, i);
        const char *value = wee_map_value(headers, i);
        if (!value) value = "";
        if (strpbrk(value, "\r\n")) {
            host->call_set_error(call, "header '%s' rendered to a value with a line break; refusing to send it",
                                 name);
            return WEE_EINVAL;
        }
        if (header_add(h, name, value) != 0) { host->call_set_error(call, "out of memory"); return WEE_ENOMEM; }
    }
    if (content_type && !header_given(headers, "Content-Type") &&
        header_add(h, "Content-Type", content_type) != 0) {
        host->call_set_error(call, "out of memory");
        return WEE_ENOMEM;
    }
    return 0;
}

static void publish(const wee_host_api *host, wee_action_call *call, long status, const char *body)
{
    host->call_publish_int(call, "status", status);
    host->call_publish_string(call, "body", body ? body : "");
    host->call_publish_bool(call, "ok", status >= 200 && status <= 299);
}

static CURL *worker_handle(http_action *a, wee_action_call *call, int *temporary)
{
    unsigned w = a->host->call_worker_index ? a->host->call_worker_index(call) : 0;
    *temporary = 0;
    if (w >= a->handle_count) { /* a worker this instance was not sized for: a one-off handle */
        *temporary = 1;
        return curl_easy_init();
    }
    if (!a->handles[w]) a->handles[w] = curl_easy_init();
    return a->handles[w];
}

static int http_run(void *instance, wee_action_call *call)
{
    http_action *a = instance;
    const wee_host_api *host = a->host;
    const wee_options *params = host->call_params(call);
    http_settings set; /* bound from this call's rendered params */
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, params, http_options, &set);
    const char *url = set.url;
    char err[512];
    if (!url || !*url) {
        host->call_set_error(call, "url rendered to an empty string; nothing to request");
        publish(host, call, 0, "");
        return WEE_EINVAL;
    }
    if (host->net_check(url, err, sizeof err) != 0) {
        host->call_set_error(call, "%s refused: %s", url, err);
        publish(host, call, 0, "");
        return WEE_EPERM;
    }

    char *json = wee_json(&set.json);
    if (set.json.count && !json) {
        host->call_set_error(call, "out of memory building the json body");
        return WEE_ENOMEM;
    }
    const char *body = json ? json : set.body;
    const char *content_type = json ? "application/json" : body ? "text/plain; charset=utf-8" : NULL;
    const char *method = set.method;
    if (!method || !*method) method = body ? "POST" : "GET";

    header_lines headers = { NULL, 0 };
    int rc = build_headers(host, &set.headers, content_type, &headers, call);
    if (rc != 0) {
        header_lines_free(&headers);
        host->free(json);
        publish(host, call, 0, "");
        return rc;
    }

    http_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.url = url;
    req.headers = (const char *const *)headers.lines;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.timeout_ms = (long)set.timeout_ms;
    req.ca_file = set.ca_file;
    req.body_max = (size_t)set.body_max;
    req.retries = (int)set.retries;
    req.backoff_ms = (long)set.backoff_ms;

    if (host->log_enabled(WEE_LOG_DEBUG))
        host->log(WEE_LOG_DEBUG, HTTP_MODULE_NAME, "rule '%s': %s %s (%lu body bytes)", host->call_rule_name(call),
                  method, url, (unsigned long)req.body_len);

    int temporary = 0;
    CURL *h = worker_handle(a, call, &temporary);
    http_response resp;
    memset(&resp, 0, sizeof resp);
    if (!h) {
        rc = WEE_ENOMEM;
        snprintf(err, sizeof err, "cannot create a curl handle");
    } else {
        rc = http_client_perform(h, &req, &resp, err, sizeof err);
    }
    if (temporary && h) curl_easy_cleanup(h);
    header_lines_free(&headers);
    host->free(json);

    if (resp.body && resp.body_truncated) resp.body[utf8_whole_prefix(resp.body, resp.body_len)] = '\0';
    publish(host, call, resp.status, resp.body);
    if (rc != 0) {
        host->call_set_error(call, "%s %s: %s", method, url, err);
    } else if (resp.status < 200 || resp.status > 299) {
        if (resp.attempts > 1)
            host->call_set_error(call, "%s %s: HTTP %ld after %d retries", method, url, resp.status,
                                 resp.attempts - 1);
        else
            host->call_set_error(call, "%s %s: HTTP %ld", method, url, resp.status);
        rc = WEE_EFAILED;
    }
    http_response_free(&resp);
    return rc;
}


static const wee_module_desc http_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = HTTP_MODULE_NAME,
    .version = "1.0.0",
    .description = "sends an HTTP(S) request (libcurl; TLS verified) and publishes the answer",
    .kind = WEE_MODULE_ACTION,
    .options = http_options,
    .module_init = http_module_init,
    .module_shutdown = http_module_shutdown,
    .action_create = http_create,
    .action_run = http_run,
    .action_destroy = http_destroy,
    .flags = WEE_MODULE_FLAG_NETWORK,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &http_desc; }
