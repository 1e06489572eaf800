/*
 * modules/http/http_client.h - one HTTP request over a libcurl easy handle, with retries.
 *
 * SHARED PIECE: the http action and the lua module's http.request both link the static library
 * wee_http_client (modules/http/CMakeLists.txt), built once from http_client.c. Keep this API stable; add
 * fields at the end of the structs only. It depends on libcurl (wee::curl), the SDK's wee/errors.h and
 * plat_sleep_ms (wee_platform) for the backoff - nothing of the action-call API, so any module can use
 * it (the library carries the include folder and libcurl):
 *     wee_add_module(NAME x SOURCES x.c LIBS wee_http_client wee_platform)
 *
 * What it does for you: TLS verification always on (peer and host name; ca_file replaces the default
 * store), no redirects followed (an allowlist check on the first URL must not be bypassed by a
 * Location header), http/https only, no signals (safe on worker threads), a bounded response body,
 * and up to `retries` extra attempts with exponential backoff on connection errors and 5xx answers.
 * It does NOT ask host->net_check: the caller does that before calling, with the URL it passes here.
 *
 * Threads: one CURL handle must not be used by two threads at once; a caller keeps one per worker
 * (host->call_worker_index) and this function curl_easy_reset()s it first. curl_global_init must have
 * been called once (module_init) before any thread uses this.
 *
 * Ownership: req and everything it points to are borrowed for the call. resp->body is malloc'd here;
 * release it with http_response_free (also safe on a zeroed or already freed response).
 */
#ifndef WEE_HTTP_CLIENT_H
#define WEE_HTTP_CLIENT_H

#include <stddef.h>
#include <curl/curl.h>

typedef struct http_request {
    const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE", ...; NULL: GET, or POST
                                    when body is not NULL */
    const char *url;             /* http:// or https:// */
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;            /* request body; NULL: none */
    size_t body_len;             /* bytes of body (body may hold NULs) */
    long timeout_ms;             /* limit for each attempt, connect included; <= 0: no limit */
    const char *ca_file;         /* PEM bundle to verify the server with; NULL: the system's store */
    size_t body_max;             /* response body bytes kept; the rest is read and dropped */
    int retries;                 /* extra attempts after a connection error or a 5xx answer */
    long backoff_ms;             /* wait before the first retry, doubled for each next one; <= 0: 200 */
} http_request;

typedef struct http_response {
    long status;                 /* HTTP status of the last attempt; 0 when no answer came */
    char *body;                  /* NUL-terminated, at most body_max bytes; never NULL after perform */
    size_t body_len;
    int body_truncated;          /* 1: the server sent more than body_max bytes */
    int attempts;                /* how many requests were made (1 + retries used) */
    int curl_code;               /* CURLcode of the last attempt (CURLE_OK when an answer came) */
} http_response;

/* Performs the request. Returns 0 when an HTTP answer came (whatever its status: check
 * resp->status; a 5xx is only returned after the retries are spent). Otherwise a negative WEE_E*
 * code (WEE_ETIMEOUT, WEE_EIO for connection/TLS failures, WEE_EINVAL, WEE_ENOMEM) and one line in
 * err naming the host:port and the cause: "connection refused by 127.0.0.1:8080",
 * "timed out after 2000 ms waiting for example.com:443", "TLS error with example.com:443: ...". */
int http_client_perform(CURL *h, const http_request *req, http_response *resp, char *err, size_t err_size);

void http_response_free(http_response *resp);

/* "host:port" of url (default port from the scheme) into out; "?" when it cannot be parsed. */
void http_client_host_port(const char *url, char *out, size_t size);

#endif
