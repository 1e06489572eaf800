/*
 * tests/support/http_test_server.h - a real HTTP/1.1 server on 127.0.0.1 for tests (Linux and Wine).
 *
 * SHARED PIECE (used by the http and lua tests): keep this API stable; add, don't change.
 *
 * The server listens on an ephemeral loopback port and serves on its own thread, one connection at a
 * time, one request per connection (it always answers with "Connection: close"). Each request is
 * recorded (method, target, headers, body) and answered with the next scripted response, in push
 * order; when the script is empty it answers 200 with an empty body.
 *
 *     http_test_server *s = http_test_server_start();
 *     http_test_server_push_response(s, 500, "oops");
 *     http_test_server_push_response(s, 200, "fine");
 *     ... request http://127.0.0.1:<http_test_server_port(s)>/path ...
 *     const http_test_request *r = http_test_server_request(s, 0);
 *     assert_string_equal(r->method, "POST");
 *     http_test_server_stop(s);
 *
 * Ownership: the server owns every recorded request; pointers stay valid until http_test_server_stop.
 * Threads: every function may be called from the test's thread while the server thread runs.
 * Reading a request: headers up to the blank line, then Content-Length bytes of body, or a chunked
 * body. A request that is not HTTP/1.x gets 400 and is still recorded with what could be read.
 * A TLS ClientHello (an https:// URL pointed at this plain server) is recorded with method "TLS" and
 * the connection is closed at once, so the client fails fast with a TLS error.
 */
#ifndef WEE_HTTP_TEST_SERVER_H
#define WEE_HTTP_TEST_SERVER_H
#include <stddef.h>

typedef struct http_test_server http_test_server;

typedef struct http_test_request {
    char method[16];
    char *target;            /* the request-target as sent: "/hook?x=1" */
    size_t header_count;
    char **header_names;     /* as sent (case kept) */
    char **header_values;    /* leading/trailing blanks removed */
    char *body;              /* NUL-terminated (the body may hold NULs too: use body_len) */
    size_t body_len;
} http_test_request;

/* NULL (with a message on stderr) if no socket could be bound. */
http_test_server *http_test_server_start(void);
/* Stops the thread (also while a response hangs), closes the sockets and frees everything. */
void http_test_server_stop(http_test_server *s);
int http_test_server_port(const http_test_server *s);
/* "http://127.0.0.1:<port>" + path into out. */
void http_test_server_url(const http_test_server *s, const char *path, char *out, size_t size);

/* Answer the next request with `status` and `body` (Content-Type: text/plain). */
void http_test_server_push_response(http_test_server *s, int status, const char *body);
/* Same with extra header lines ("Name: value\r\n"...; may be NULL). */
void http_test_server_push_response_ex(http_test_server *s, int status, const char *headers, const char *body);
/* Read the next request, then close the connection without answering a byte. */
void http_test_server_push_close(http_test_server *s);
/* Read the next request, then never answer: hold the connection until the client gives up (closes)
 * or the server stops. For client timeout tests. */
void http_test_server_push_hang(http_test_server *s);

/* Requests recorded so far. */
size_t http_test_server_request_count(http_test_server *s);
/* The i-th recorded request (0-based), or NULL if there is none yet. */
const http_test_request *http_test_server_request(http_test_server *s, size_t i);
/* Waits until at least n requests were recorded; returns the count seen (< n on timeout). */
size_t http_test_server_wait_requests(http_test_server *s, size_t n, int timeout_ms);
/* Value of a header (name compared case-insensitively), or NULL. */
const char *http_test_request_header(const http_test_request *r, const char *name);

#endif
