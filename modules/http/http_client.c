/*
 * modules/http/http_client.c - see http_client.h (shared with the lua module: keep it free of the
 * action-call API).
 */
#include "http_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "wee/errors.h"

#define HTTP_DEFAULT_BACKOFF_MS 200
/* Backoff doubles per retry; past this it stays flat so a large `retries` cannot sleep for hours. */
#define HTTP_MAX_BACKOFF_MS 30000

/* What curl reports in CURLINFO_OS_ERRNO when the peer refused: the socket layer's own code. */
#ifdef _WIN32
#define HTTP_ECONNREFUSED 10061L /* WSAECONNREFUSED */
#else
#define HTTP_ECONNREFUSED ((long)ECONNREFUSED)
#endif

typedef struct body_sink {
    char *data;
    size_t len, cap, max;
    int truncated;
    int oom;
} body_sink;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_sink *s = userdata;
    size_t n = size * nmemb;
    size_t room = s->max > s->len ? s->max - s->len : 0;
    size_t keep = n < room ? n : room;
    if (keep < n) s->truncated = 1;
    if (keep) {
        if (s->len + keep + 1 > s->cap) {
            size_t cap = s->cap ? s->cap : 1024;
            while (cap < s->len + keep + 1) cap *= 2;
            if (s->max < SIZE_MAX && cap > s->max + 1) cap = s->max + 1;
            char *data = realloc(s->data, cap);
            if (!data) { s->oom = 1; return 0; } /* 0 makes curl fail with CURLE_WRITE_ERROR */
            s->data = data;
            s->cap = cap;
        }
        memcpy(s->data + s->len, ptr, keep);
        s->len += keep;
        s->data[s->len] = '\0';
    }
    return n; /* the dropped rest is still consumed so the connection ends cleanly */
}

void http_client_host_port(const char *url, char *out, size_t size)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, size, "%s:%s", host, port);
    else
        snprintf(out, size, "?");
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

static int is_retryable_transport(CURLcode c)
{
    /* Not CURLE_OPERATION_TIMEDOUT: a server too slow once is likely slow again, and each retry would
     * hold a worker for another full timeout. */
    return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_SEND_ERROR ||
           c == CURLE_RECV_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE;
}

static int is_tls_error(CURLcode c)
{
    return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_PEER_FAILED_VERIFICATION ||
           c == CURLE_SSL_CACERT_BADFILE || c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_CIPHER ||
           c == CURLE_SSL_ENGINE_NOTFOUND || c == CURLE_SSL_ISSUER_ERROR || c == CURLE_SSL_CRL_BADFILE ||
           c == CURLE_SSL_PINNEDPUBKEYNOTMATCH || c == CURLE_SSL_INVALIDCERTSTATUS;
}

/* One line saying what went wrong with which host:port, from the curl code, its error buffer and
 * the socket error. */
static int describe_failure(CURL *h, CURLcode c, const http_request *req, const char *curl_text, int attempts,
                            char *err, size_t err_size)
{
    char where[300];
    http_client_host_port(req->url, where, sizeof where);
    const char *detail = curl_text && *curl_text ? curl_text : curl_easy_strerror(c);
    char tries[64] = "";
    if (attempts > 1) snprintf(tries, sizeof tries, " (%d attempts)", attempts);
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);

    if (c == CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, err_size, "timed out after %ld ms waiting for %s%s", req->timeout_ms, where, tries);
        return WEE_ETIMEOUT;
    }
    if (c == CURLE_COULDNT_CONNECT && os_errno == HTTP_ECONNREFUSED) {
        snprintf(err, err_size, "connection refused by %s%s", where, tries);
        return WEE_EIO;
    }
    if (c == CURLE_COULDNT_CONNECT) {
        snprintf(err, err_size, "cannot connect to %s: %s%s", where, detail, tries);
        return WEE_EIO;
    }
    if (c == CURLE_COULDNT_RESOLVE_HOST) {
        snprintf(err, err_size, "cannot resolve the host of %s: %s%s", where, detail, tries);
        return WEE_EIO;
    }
    if (is_tls_error(c)) {
        snprintf(err, err_size, "TLS error with %s: %s%s", where, detail, tries);
        return WEE_EIO;
    }
    if (c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_PARTIAL_FILE) {
        snprintf(err, err_size, "%s closed the connection without a complete answer: %s%s", where, detail, tries);
        return WEE_EIO;
    }
    if (c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_URL_MALFORMAT) {
        snprintf(err, err_size, "bad URL \"%s\": %s (only http:// and https:// are allowed)", req->url, detail);
        return WEE_EINVAL;
    }
    if (c == CURLE_OUT_OF_MEMORY || c == CURLE_WRITE_ERROR) {
        snprintf(err, err_size, "out of memory reading the answer of %s", where);
        return WEE_ENOMEM;
    }
    snprintf(err, err_size, "request to %s failed: %s%s", where, detail, tries);
    return WEE_EIO;
}

static CURLcode setup(CURL *h, const http_request *req, struct curl_slist *headers, body_sink *sink,
                      char *curl_text)
{
    CURLcode c = CURLE_OK;
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)
    const char *method = req->method && *req->method ? req->method : (req->body ? "POST" : "GET");
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_ERRORBUFFER, curl_text);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file && *req->ca_file) SET(CURLOPT_CAINFO, req->ca_file);
    if (req->timeout_ms > 0) SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, sink);
    SET(CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "GET") == 0 && !req->body) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        /* POSTFIELDS sends the body for any method; CUSTOMREQUEST then only renames the verb. */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
        SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        if (strcmp(method, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, method);
    }
#undef SET
    return c;
}

int http_client_perform(CURL *h, const http_request *req, http_response *resp, char *err, size_t err_size)
{
    memset(resp, 0, sizeof *resp);
    if (err && err_size) err[0] = '\0';
    if (!h || !req || !req->url || !*req->url) {
        snprintf(err, err_size, "no URL to request");
        return WEE_EINVAL;
    }

    struct curl_slist *headers = NULL;
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        struct curl_slist *next = curl_slist_append(headers, req->headers[i]);
        if (!next) { curl_slist_free_all(headers); snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
        headers = next;
    }
    /* A large body would otherwise wait up to a second for "100 Continue" first. */
    struct curl_slist *next = curl_slist_append(headers, "Expect:");
    if (!next) { curl_slist_free_all(headers); snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    headers = next;

    int retries = req->retries > 0 ? req->retries : 0;
    long delay = req->backoff_ms > 0 ? req->backoff_ms : HTTP_DEFAULT_BACKOFF_MS;
    int rc = 0;
    body_sink sink;
    memset(&sink, 0, sizeof sink);
    for (int attempt = 0;; attempt++) {
        char curl_text[CURL_ERROR_SIZE];
        curl_text[0] = '\0';
        free(sink.data);
        memset(&sink, 0, sizeof sink);
        sink.max = req->body_max;
        curl_easy_reset(h);
        CURLcode c = setup(h, req, headers, &sink, curl_text);
        if (c == CURLE_OK) c = curl_easy_perform(h);
        resp->attempts = attempt + 1;
        resp->curl_code = (int)c;
        resp->status = 0;
        if (c == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        if (sink.oom) c = CURLE_OUT_OF_MEMORY;

        int retry = (c == CURLE_OK && resp->status >= 500 && resp->status <= 599) ||
                    (c != CURLE_OK && is_retryable_transport(c));
        if (retry && attempt < retries) {
            plat_sleep_ms(delay);
            delay = delay * 2 > HTTP_MAX_BACKOFF_MS ? HTTP_MAX_BACKOFF_MS : delay * 2;
            continue;
        }
        if (c != CURLE_OK) rc = describe_failure(h, c, req, curl_text, attempt + 1, err, err_size);
        break;
    }
    /* The handle must not keep pointers to this call's stack and header list. */
    curl_easy_reset(h);
    curl_slist_free_all(headers);
    if (!sink.data) sink.data = calloc(1, 1);
    if (!sink.data) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    resp->body = sink.data;
    resp->body_len = sink.len;
    resp->body_truncated = sink.truncated;
    return rc;
}

void http_response_free(http_response *resp)
{
    if (!resp) return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}
