/*
 * fuzz_http - the metrics endpoint's hand-written HTTP parsing (core/metrics_http.c): the request line
 * of any head a client sends, and the configured listen address.
 * Invariants: an accepted request line gives NUL-terminated method and path that are the line's own
 * first two words (truncated to the buffers); an accepted listen address is loopback with a port in
 * 0-65535, and a refused one has a message.
 * With the Host check (metrics_host_allowed, DNS rebinding): a head without any "host" text is allowed.
 * Input: the request head, a NUL, then the listen text.
 */
#include <string.h>
#include "fuzz_input.h"
#include "metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *head = fuzz_until_nul(&in);
    char method[16], path[256];
    memset(method, 'x', sizeof method);
    memset(path, 'x', sizeof path);
    if (metrics_parse_request_line(head, method, sizeof method, path, sizeof path) == 0) {
        FUZZ_CHECK(memchr(method, 0, sizeof method) && memchr(path, 0, sizeof path), "unterminated output");
        FUZZ_CHECK(method[0] && path[0], "empty method or path accepted");
        FUZZ_CHECK(strncmp(head, method, strlen(method)) == 0, "method \"%s\" is not the line's start", method);
        FUZZ_CHECK(strstr(head, path) != NULL, "path \"%s\" is not in the line", path);
        FUZZ_CHECK(!strchr(method, ' ') && !strchr(path, ' ') && !strpbrk(path, "\r\n"), "separator in a word");
    }
#ifdef WEE_FUZZ_HOST_CHECK
    int allowed = metrics_host_allowed(head);
    char *lower = strdup(head);
    if (!lower) abort();
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    if (!strstr(lower, "host")) FUZZ_CHECK(allowed, "a head without a Host header refused");
    free(lower);
#endif
    char *listen = fuzz_take(&in, in.n);
    char host[64], err[256] = "";
    int port = -1;
    if (metrics_listen_parse(listen, host, sizeof host, &port, err, sizeof err) == 0) {
        FUZZ_CHECK(port >= 0 && port <= 65535, "port %d", port);
        FUZZ_CHECK(strcmp(host, "::1") == 0 || strncmp(host, "127.", 4) == 0, "non-loopback host \"%s\" from \"%s\"",
                   host, listen);
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    free(listen);
    free(head);
    return 0;
}
