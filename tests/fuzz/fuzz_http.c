/*
 * fuzz_http - what the host itself parses of HTTP, now that CivetWeb reads the requests
 * (core/http_server.c): the Host header value every request is checked against (DNS rebinding) and the
 * configured listen address of the metrics endpoint and the console.
 * Invariants: an allowed Host value names localhost, 127.x.y.z or ::1 (optionally with a port); an
 * accepted listen address is loopback with a port in 0-65535, and a refused one has a message.
 * Input: the Host value, a NUL, then the listen text.
 */
#include <string.h>
#include "fuzz_input.h"
#include "http_server.h"

static int lower_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != *p) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *host = fuzz_until_nul(&in);
    if (http_host_value_allowed(host)) {
        const char *h = host[0] == '[' ? host + 1 : host;
        FUZZ_CHECK(lower_prefix(h, "localhost") || strncmp(h, "127.", 4) == 0 || strncmp(h, "::1", 3) == 0,
                   "Host \"%s\" allowed", host);
    }
    char *listen = fuzz_take(&in, in.n);
    char addr[64], err[256] = "";
    int port = -1;
    if (http_listen_parse(listen, "the endpoint", addr, sizeof addr, &port, err, sizeof err) == 0) {
        FUZZ_CHECK(port >= 0 && port <= 65535, "port %d", port);
        FUZZ_CHECK(strcmp(addr, "::1") == 0 || strncmp(addr, "127.", 4) == 0, "non-loopback host \"%s\" from \"%s\"",
                   addr, listen);
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    free(listen);
    free(host);
    return 0;
}
