/*
 * test_http_client - modules/http/http_client.c (shared with lua) against the real loopback server of
 * tests/support/http_test_server.c: what reaches the wire, retries with backoff, the failure texts.
 * Runs natively and under Wine (real Winsock loopback, curl with Schannel).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http_client.h"
#include "http_test_server.h"
#include "test_support.h"
#include "wee/errors.h"

typedef struct fixture {
    http_test_server *server;
    CURL *curl;
    char url[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->server = http_test_server_start();
    assert_non_null(f->server);
    f->curl = curl_easy_init();
    assert_non_null(f->curl);
    http_test_server_url(f->server, "/hook?x=1", f->url, sizeof f->url);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    curl_easy_cleanup(f->curl);
    http_test_server_stop(f->server);
    free(f);
    return 0;
}

static http_request base_request(const fixture *f)
{
    http_request req;
    memset(&req, 0, sizeof req);
    req.url = f->url;
    req.timeout_ms = 10000;
    req.body_max = 1 << 20;
    req.backoff_ms = 10;
    return req;
}

static void test_get_defaults(void **state)
{
    fixture *f = *state;
    http_test_server_push_response(f->server, 200, "hello");
    http_request req = base_request(f);
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "hello");
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.body_truncated, 0);
    http_response_free(&resp);
    const http_test_request *r = http_test_server_request(f->server, 0);
    assert_non_null(r);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->target, "/hook?x=1");
    assert_int_equal(r->body_len, 0);
}

static void test_methods_headers_body(void **state)
{
    fixture *f = *state;
    static const char *const methods[] = { "POST", "PUT", "PATCH", "DELETE" };
    static const char *const headers[] = { "X-Token: s3cr3t", "Content-Type: application/json", NULL };
    const char body[] = "{\"a\":\"b\\n\"}";
    for (size_t i = 0; i < 4; i++) {
        http_test_server_push_response(f->server, 201, "made");
        http_request req = base_request(f);
        req.method = methods[i];
        req.headers = headers;
        req.body = body;
        req.body_len = strlen(body);
        http_response resp;
        char err[256];
        assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
        assert_int_equal(resp.status, 201);
        http_response_free(&resp);
        const http_test_request *r = http_test_server_request(f->server, i);
        assert_non_null(r);
        assert_string_equal(r->method, methods[i]);
        assert_string_equal(http_test_request_header(r, "x-token"), "s3cr3t");
        assert_string_equal(http_test_request_header(r, "Content-Type"), "application/json");
        assert_null(http_test_request_header(r, "Expect"));
        assert_int_equal(r->body_len, strlen(body));
        assert_string_equal(r->body, body);
    }
}

static void test_body_without_method_is_post(void **state)
{
    fixture *f = *state;
    http_request req = base_request(f);
    req.body = "x=1";
    req.body_len = 3;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 200); /* the empty script answers 200 */
    http_response_free(&resp);
    assert_string_equal(http_test_server_request(f->server, 0)->method, "POST");
    assert_string_equal(http_test_server_request(f->server, 0)->body, "x=1");
}

static void test_retries_5xx_then_ok(void **state)
{
    fixture *f = *state;
    http_test_server_push_response(f->server, 500, "oops");
    http_test_server_push_response(f->server, 503, "busy");
    http_test_server_push_response(f->server, 200, "fine");
    http_request req = base_request(f);
    req.retries = 3;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "fine");
    assert_int_equal(resp.attempts, 3);
    http_response_free(&resp);
    assert_int_equal(http_test_server_request_count(f->server), 3);
}

static void test_retries_spent_returns_last_5xx(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++) http_test_server_push_response(f->server, 500, "oops");
    http_test_server_push_response(f->server, 200, "never asked");
    http_request req = base_request(f);
    req.retries = 2;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 500);
    assert_string_equal(resp.body, "oops");
    assert_int_equal(resp.attempts, 3);
    http_response_free(&resp);
    assert_int_equal(http_test_server_request_count(f->server), 3);
}

static void test_4xx_is_not_retried(void **state)
{
    fixture *f = *state;
    http_test_server_push_response(f->server, 404, "no");
    http_request req = base_request(f);
    req.retries = 3;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 404);
    assert_int_equal(resp.attempts, 1);
    http_response_free(&resp);
}

static void test_close_without_answer_is_retried(void **state)
{
    fixture *f = *state;
    http_test_server_push_close(f->server);
    http_test_server_push_response(f->server, 200, "second time lucky");
    http_request req = base_request(f);
    req.retries = 1;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 2);
    http_response_free(&resp);

    http_test_server_push_close(f->server);
    req.retries = 0;
    int rc = http_client_perform(f->curl, &req, &resp, err, sizeof err);
    assert_int_equal(rc, WEE_EIO);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(err, "closed the connection without a complete answer"));
    http_response_free(&resp);
}

static void test_body_max_truncates(void **state)
{
    fixture *f = *state;
    http_test_server_push_response(f->server, 200, "0123456789abcdef");
    http_request req = base_request(f);
    req.body_max = 10;
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), 0);
    assert_string_equal(resp.body, "0123456789");
    assert_int_equal(resp.body_len, 10);
    assert_int_equal(resp.body_truncated, 1);
    http_response_free(&resp);
}

static void test_timeout(void **state)
{
    fixture *f = *state;
    http_test_server_push_hang(f->server);
    http_request req = base_request(f);
    req.timeout_ms = 300;
    req.retries = 2; /* a timeout is not retried */
    http_response resp;
    char err[256];
    int rc = http_client_perform(f->curl, &req, &resp, err, sizeof err);
    assert_int_equal(rc, WEE_ETIMEOUT);
    assert_int_equal(resp.attempts, 1);
    char expect[128];
    snprintf(expect, sizeof expect, "timed out after 300 ms waiting for 127.0.0.1:%d",
             http_test_server_port(f->server));
    assert_string_equal(err, expect);
    http_response_free(&resp);
}

static void test_connection_refused(void **state)
{
    fixture *f = *state;
    /* A port that was just listening and is now closed: nothing answers there. */
    http_test_server *gone = http_test_server_start();
    char url[128];
    http_test_server_url(gone, "/", url, sizeof url);
    int port = http_test_server_port(gone);
    http_test_server_stop(gone);

    http_request req = base_request(f);
    req.url = url;
    req.retries = 1;
    http_response resp;
    char err[256], expect[128];
    int rc = http_client_perform(f->curl, &req, &resp, err, sizeof err);
    assert_int_equal(rc, WEE_EIO);
    assert_int_equal(resp.attempts, 2);
    snprintf(expect, sizeof expect, "connection refused by 127.0.0.1:%d (2 attempts)", port);
    assert_string_equal(err, expect);
    http_response_free(&resp);
}

static void test_bad_scheme_and_missing_ca_file(void **state)
{
    fixture *f = *state;
    http_request req = base_request(f);
    req.url = "ftp://127.0.0.1/file";
    http_response resp;
    char err[256];
    assert_int_equal(http_client_perform(f->curl, &req, &resp, err, sizeof err), WEE_EINVAL);
    assert_non_null(strstr(err, "only http:// and https:// are allowed"));
    http_response_free(&resp);

    /* ca_file reaches curl: a bundle that does not exist fails the TLS setup of an https request. */
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", http_test_server_port(f->server));
    req.url = url;
    req.ca_file = "/nonexistent/wee-ca.pem";
    int rc = http_client_perform(f->curl, &req, &resp, err, sizeof err);
    printf("https with a missing ca_file: %s\n", err);
    assert_int_equal(rc, WEE_EIO);
    assert_non_null(strstr(err, "TLS error with 127.0.0.1:"));
#ifndef _WIN32
    /* OpenSSL loads the bundle before connecting and names it; Schannel only reads it to verify a
     * server certificate, which this plain server never sends (it closes on the ClientHello). */
    assert_non_null(strstr(err, "wee-ca.pem"));
#endif
    http_response_free(&resp);
}

static void test_host_port(void **state)
{
    (void)state;
    char out[64];
    http_client_host_port("https://Example.com/x", out, sizeof out);
    assert_string_equal(out, "Example.com:443");
    http_client_host_port("http://10.0.0.1:8080/", out, sizeof out);
    assert_string_equal(out, "10.0.0.1:8080");
    http_client_host_port("not a url", out, sizeof out);
    assert_string_equal(out, "?");
}

int main(void)
{
    test_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods_headers_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_without_method_is_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_5xx_then_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_spent_returns_last_5xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4xx_is_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_without_answer_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_max_truncates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_scheme_and_missing_ca_file, setup, teardown),
        cmocka_unit_test(test_host_port),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
