/*
 * tests/support/http_test_server.c - see http_test_server.h. BSD sockets on POSIX, Winsock on Windows;
 * the thread and lock come from the platform layer. Every blocking wait is a short select() so stop
 * takes effect promptly whatever the connection is doing.
 */
#include "http_test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET sock_t;
#define SOCK_BAD INVALID_SOCKET
#define sock_close closesocket
#define SEND_FLAGS 0
#define SHUT_WR_BOTH SD_SEND
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
typedef int sock_t;
#define SOCK_BAD (-1)
#define sock_close close
#ifdef MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL /* a client that gave up must not kill the test with SIGPIPE */
#else
#define SEND_FLAGS 0
#endif
#define SHUT_WR_BOTH SHUT_WR
#endif

#define POLL_MS 20
#define IDLE_LIMIT_MS 10000      /* a client silent this long mid-request is dropped */
#define HEADER_LIMIT (1024 * 1024)

typedef enum reply_kind { REPLY_ANSWER, REPLY_CLOSE, REPLY_HANG } reply_kind;

typedef struct scripted_reply {
    reply_kind kind;
    int status;
    char *headers;
    char *body;
} scripted_reply;

struct http_test_server {
    sock_t listener;
    int port;
    plat_thread thread;
    plat_mutex lock;
    plat_cond changed;
    volatile int stopping; /* read under lock or as a hint between polls */
    scripted_reply *script;
    size_t script_count, script_next, script_cap;
    http_test_request **requests;
    size_t request_count, request_cap;
};

static char *dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) abort(); /* test support: running out of memory is a test failure, not a case to handle */
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int is_stopping(http_test_server *s)
{
    plat_mutex_lock(&s->lock);
    int stop = s->stopping;
    plat_mutex_unlock(&s->lock);
    return stop;
}

/* 1: readable, 0: not within POLL_MS, -1: error. */
static int wait_readable(sock_t fd)
{
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    struct timeval tv = { 0, POLL_MS * 1000 };
    int n = select((int)fd + 1, &set, NULL, NULL, &tv);
    return n < 0 ? -1 : n > 0;
}

typedef struct conn_buf {
    char *data;
    size_t len, cap;
} conn_buf;

/* Reads more bytes into b. 1: got some, 0: peer closed, -1: error/stop/idle too long. */
static int read_more(http_test_server *s, sock_t fd, conn_buf *b)
{
    int waited = 0;
    for (;;) {
        if (is_stopping(s)) return -1;
        int r = wait_readable(fd);
        if (r < 0) return -1;
        if (r == 0) {
            waited += POLL_MS;
            if (waited >= IDLE_LIMIT_MS) return -1;
            continue;
        }
        if (b->cap - b->len < 4096) {
            b->cap = b->cap ? b->cap * 2 : 8192;
            b->data = realloc(b->data, b->cap);
            if (!b->data) abort();
        }
        int n = (int)recv(fd, b->data + b->len, (int)(b->cap - b->len - 1), 0);
        if (n == 0) return 0;
        if (n < 0) return -1;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
        return 1;
    }
}

static char *find_blank_line(conn_buf *b)
{
    if (b->len < 4) return NULL;
    for (size_t i = 0; i + 3 < b->len; i++)
        if (memcmp(b->data + i, "\r\n\r\n", 4) == 0) return b->data + i;
    return NULL;
}

static int name_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return 0;
    }
    return *a == *b;
}

const char *http_test_request_header(const http_test_request *r, const char *name)
{
    for (size_t i = 0; r && i < r->header_count; i++)
        if (name_equal(r->header_names[i], name)) return r->header_values[i];
    return NULL;
}

static void add_header(http_test_request *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon) return;
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    r->header_names = realloc(r->header_names, (r->header_count + 1) * sizeof *r->header_names);
    r->header_values = realloc(r->header_values, (r->header_count + 1) * sizeof *r->header_values);
    if (!r->header_names || !r->header_values) abort();
    r->header_names[r->header_count] = dup_range(line, (size_t)(colon - line));
    r->header_values[r->header_count] = dup_range(v, (size_t)(end - v));
    r->header_count++;
}

/* Parses the request line and headers of head[0..len). 0 if it looks like HTTP/1.x. */
static int parse_head(http_test_request *r, const char *head, size_t len)
{
    const char *eol = strstr(head, "\r\n");
    if (!eol || (size_t)(eol - head) > len) eol = head + len;
    const char *sp1 = memchr(head, ' ', (size_t)(eol - head));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || (size_t)(sp1 - head) >= sizeof r->method) {
        r->target = dup_range("", 0);
        return -1;
    }
    memcpy(r->method, head, (size_t)(sp1 - head));
    r->method[sp1 - head] = '\0';
    r->target = dup_range(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    int is_http = (size_t)(eol - sp2 - 1) >= 7 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0;
    const char *line = eol + 2;
    while (line < head + len) {
        const char *next = strstr(line, "\r\n");
        if (!next || next > head + len) next = head + len;
        if (next > line) add_header(r, line, (size_t)(next - line));
        line = next + 2;
    }
    return is_http ? 0 : -1;
}

/* Decodes a chunked body in b->data[start..]; returns 1 when complete (body set), 0 for more. */
static int decode_chunked(const conn_buf *b, size_t start, http_test_request *r)
{
    conn_buf out = { NULL, 0, 0 };
    size_t p = start;
    for (;;) {
        const char *line_end = NULL;
        for (size_t i = p; i + 1 < b->len; i++)
            if (b->data[i] == '\r' && b->data[i + 1] == '\n') { line_end = b->data + i; break; }
        if (!line_end) break;
        size_t size = (size_t)strtoul(b->data + p, NULL, 16);
        size_t data_at = (size_t)(line_end - b->data) + 2;
        if (size == 0) {
            /* Last chunk: the body is complete once the final CRLF (after optional trailers) is in. */
            if (b->len < data_at + 2) break;
            r->body = out.data ? out.data : dup_range("", 0);
            r->body_len = out.len;
            return 1;
        }
        if (b->len < data_at + size + 2) break;
        out.data = realloc(out.data, out.len + size + 1);
        if (!out.data) abort();
        memcpy(out.data + out.len, b->data + data_at, size);
        out.len += size;
        out.data[out.len] = '\0';
        p = data_at + size + 2;
    }
    free(out.data);
    return 0;
}

static void send_all(sock_t fd, const char *data, size_t len)
{
    while (len) {
        int n = (int)send(fd, data, (int)len, SEND_FLAGS);
        if (n <= 0) return;
        data += n;
        len -= (size_t)n;
    }
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void answer(sock_t fd, int status, const char *headers, const char *body)
{
    char head[512];
    size_t body_len = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %lu\r\n"
                     "Connection: close\r\n",
                     status, reason_phrase(status), (unsigned long)body_len);
    send_all(fd, head, (size_t)n);
    if (headers) send_all(fd, headers, strlen(headers));
    send_all(fd, "\r\n", 2);
    if (body_len) send_all(fd, body, body_len);
}

static void record(http_test_server *s, http_test_request *r)
{
    plat_mutex_lock(&s->lock);
    if (s->request_count == s->request_cap) {
        s->request_cap = s->request_cap ? s->request_cap * 2 : 16;
        s->requests = realloc(s->requests, s->request_cap * sizeof *s->requests);
        if (!s->requests) abort();
    }
    s->requests[s->request_count++] = r;
    plat_cond_broadcast(&s->changed);
    plat_mutex_unlock(&s->lock);
}

static scripted_reply next_reply(http_test_server *s)
{
    scripted_reply rep = { REPLY_ANSWER, 200, NULL, NULL };
    plat_mutex_lock(&s->lock);
    if (s->script_next < s->script_count) rep = s->script[s->script_next++];
    plat_mutex_unlock(&s->lock);
    return rep;
}

static void serve_connection(http_test_server *s, sock_t fd)
{
    conn_buf b = { NULL, 0, 0 };
    char *blank = NULL;
    while (!(blank = find_blank_line(&b))) {
        if (b.len > HEADER_LIMIT || read_more(s, fd, &b) <= 0) { free(b.data); return; }
        if ((unsigned char)b.data[0] == 0x16) { /* a TLS handshake record: https:// to this plain server */
            http_test_request *tls = calloc(1, sizeof *tls);
            if (!tls) abort();
            strcpy(tls->method, "TLS");
            tls->target = dup_range("", 0);
            tls->body = dup_range("", 0);
            record(s, tls);
            free(b.data);
            return;
        }
    }
    size_t head_len = (size_t)(blank - b.data), body_at = head_len + 4;
    http_test_request *r = calloc(1, sizeof *r);
    if (!r) abort();
    int bad = parse_head(r, b.data, head_len);

    const char *te = http_test_request_header(r, "Transfer-Encoding");
    const char *cl = http_test_request_header(r, "Content-Length");
    if (!bad && te && name_equal(te, "chunked")) {
        while (!decode_chunked(&b, body_at, r))
            if (read_more(s, fd, &b) <= 0) break;
    } else if (!bad && cl) {
        size_t want = (size_t)strtoul(cl, NULL, 10);
        while (b.len - body_at < want)
            if (read_more(s, fd, &b) <= 0) break;
        size_t have = b.len - body_at < want ? b.len - body_at : want;
        r->body = dup_range(b.data + body_at, have);
        r->body_len = have;
    }
    if (!r->body) r->body = dup_range("", 0);
    free(b.data);
    record(s, r);

    if (bad) { answer(fd, 400, NULL, "not an HTTP/1.x request"); return; }
    scripted_reply rep = next_reply(s);
    if (rep.kind == REPLY_CLOSE) return;
    if (rep.kind == REPLY_HANG) {
        /* Hold the connection until the client closes it or the server stops. */
        conn_buf sink = { NULL, 0, 0 };
        while (read_more(s, fd, &sink) > 0) sink.len = 0;
        free(sink.data);
        return;
    }
    answer(fd, rep.status, rep.headers, rep.body);
    shutdown(fd, SHUT_WR_BOTH);
}

static void server_main(void *arg)
{
    http_test_server *s = arg;
    while (!is_stopping(s)) {
        if (wait_readable(s->listener) <= 0) continue;
        sock_t fd = accept(s->listener, NULL, NULL);
        if (fd == SOCK_BAD) continue;
        serve_connection(s, fd);
        sock_close(fd);
    }
}

http_test_server *http_test_server_start(void)
{
#ifdef _WIN32
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) { fprintf(stderr, "http_test_server: WSAStartup failed\n"); return NULL; }
#endif
    http_test_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0; /* ephemeral: parallel tests never collide */
    socklen_t alen = sizeof addr;
    if (s->listener == SOCK_BAD || bind(s->listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listener, 16) != 0 || getsockname(s->listener, (struct sockaddr *)&addr, &alen) != 0) {
        fprintf(stderr, "http_test_server: cannot listen on 127.0.0.1\n");
        if (s->listener != SOCK_BAD) sock_close(s->listener);
        free(s);
        return NULL;
    }
    s->port = ntohs(addr.sin_port);
    plat_mutex_init(&s->lock);
    plat_cond_init(&s->changed);
    if (plat_thread_start(&s->thread, server_main, s) != 0) {
        fprintf(stderr, "http_test_server: cannot start its thread\n");
        sock_close(s->listener);
        plat_cond_destroy(&s->changed);
        plat_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

static void free_request(http_test_request *r)
{
    for (size_t i = 0; i < r->header_count; i++) { free(r->header_names[i]); free(r->header_values[i]); }
    free(r->header_names);
    free(r->header_values);
    free(r->target);
    free(r->body);
    free(r);
}

void http_test_server_stop(http_test_server *s)
{
    if (!s) return;
    plat_mutex_lock(&s->lock);
    s->stopping = 1;
    plat_mutex_unlock(&s->lock);
    plat_thread_join(&s->thread);
    sock_close(s->listener);
    for (size_t i = 0; i < s->script_count; i++) { free(s->script[i].headers); free(s->script[i].body); }
    free(s->script);
    for (size_t i = 0; i < s->request_count; i++) free_request(s->requests[i]);
    free(s->requests);
    plat_cond_destroy(&s->changed);
    plat_mutex_destroy(&s->lock);
    free(s);
#ifdef _WIN32
    WSACleanup();
#endif
}

int http_test_server_port(const http_test_server *s) { return s ? s->port : 0; }

void http_test_server_url(const http_test_server *s, const char *path, char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", http_test_server_port(s), path ? path : "");
}

static void push(http_test_server *s, reply_kind kind, int status, const char *headers, const char *body)
{
    plat_mutex_lock(&s->lock);
    if (s->script_count == s->script_cap) {
        s->script_cap = s->script_cap ? s->script_cap * 2 : 8;
        s->script = realloc(s->script, s->script_cap * sizeof *s->script);
        if (!s->script) abort();
    }
    scripted_reply *rep = &s->script[s->script_count++];
    rep->kind = kind;
    rep->status = status;
    rep->headers = headers ? dup_range(headers, strlen(headers)) : NULL;
    rep->body = body ? dup_range(body, strlen(body)) : NULL;
    plat_mutex_unlock(&s->lock);
}

void http_test_server_push_response(http_test_server *s, int status, const char *body)
{
    push(s, REPLY_ANSWER, status, NULL, body);
}

void http_test_server_push_response_ex(http_test_server *s, int status, const char *headers, const char *body)
{
    push(s, REPLY_ANSWER, status, headers, body);
}

void http_test_server_push_close(http_test_server *s) { push(s, REPLY_CLOSE, 0, NULL, NULL); }
void http_test_server_push_hang(http_test_server *s) { push(s, REPLY_HANG, 0, NULL, NULL); }

size_t http_test_server_request_count(http_test_server *s)
{
    plat_mutex_lock(&s->lock);
    size_t n = s->request_count;
    plat_mutex_unlock(&s->lock);
    return n;
}

const http_test_request *http_test_server_request(http_test_server *s, size_t i)
{
    plat_mutex_lock(&s->lock);
    const http_test_request *r = i < s->request_count ? s->requests[i] : NULL;
    plat_mutex_unlock(&s->lock);
    return r;
}

size_t http_test_server_wait_requests(http_test_server *s, size_t n, int timeout_ms)
{
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    plat_mutex_lock(&s->lock);
    while (s->request_count < n) {
        uint64_t now = plat_monotonic_ns();
        if (now >= deadline) break;
        plat_cond_timedwait(&s->changed, &s->lock, (int64_t)((deadline - now) / 1000000u) + 1);
    }
    size_t got = s->request_count;
    plat_mutex_unlock(&s->lock);
    return got;
}
