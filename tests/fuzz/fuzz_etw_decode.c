/*
 * fuzz_etw_decode - the hand decoder of Kernel-Process ETW payloads (modules/process/process_etw_decode.c):
 * what the kernel (or whoever can write into the session) hands the process source on Windows.
 * Input: version byte, event byte (odd: stop, even: start), an NT path map, then the payload.
 * Invariants: image names are NUL-terminated inside their buffers; a start image (UTF-16 from the
 * payload) is valid UTF-8 and equals a reference conversion when it fits; an unmatched path is copied.
 */
#include <string.h>
#include "fuzz_input.h"
#include "process_etw_decode.h"
#include "util/strbuf.h"

/* Reference UTF-16LE -> UTF-8 into a strbuf, without the size limit. */
static void reference_utf8(const uint8_t *s, size_t n, strbuf *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = (uint32_t)s[i] | (uint32_t)s[i + 1] << 8;
        if (u == 0) return;
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t lo = (uint32_t)s[i + 2] | (uint32_t)s[i + 3] << 8;
            if (lo >= 0xDC00 && lo <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); i += 2; }
            else u = 0xFFFD;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        if (u < 0x80) strbuf_putc(out, (char)u);
        else if (u < 0x800) { strbuf_putc(out, (char)(0xC0 | u >> 6)); strbuf_putc(out, (char)(0x80 | (u & 0x3F))); }
        else if (u < 0x10000) {
            strbuf_putc(out, (char)(0xE0 | u >> 12)); strbuf_putc(out, (char)(0x80 | ((u >> 6) & 0x3F)));
            strbuf_putc(out, (char)(0x80 | (u & 0x3F)));
        } else {
            strbuf_putc(out, (char)(0xF0 | u >> 18)); strbuf_putc(out, (char)(0x80 | ((u >> 12) & 0x3F)));
            strbuf_putc(out, (char)(0x80 | ((u >> 6) & 0x3F))); strbuf_putc(out, (char)(0x80 | (u & 0x3F)));
        }
    }
}

static void check_conversion(const uint8_t *payload, size_t n, size_t out_size)
{
    char *out = malloc(out_size);
    if (!out) abort();
    memset(out, 'x', out_size);
    size_t used = etw_utf16le_to_utf8(payload, n, out, out_size);
    FUZZ_CHECK(used <= n, "consumed %zu of %zu bytes", used, n);
    if (out_size) {
        FUZZ_CHECK(memchr(out, 0, out_size) != NULL, "output not terminated");
        FUZZ_CHECK(fuzz_utf8_valid(out), "output is not valid UTF-8");
        strbuf want = STRBUF_INIT;
        reference_utf8(payload, n, &want);
        if (want.len < out_size)
            FUZZ_CHECK(strcmp(out, strbuf_cstr(&want)) == 0, "\"%s\" != reference \"%s\"", out, strbuf_cstr(&want));
        else
            FUZZ_CHECK(strncmp(out, strbuf_cstr(&want), strlen(out)) == 0, "a cut output is not a prefix");
        strbuf_free(&want);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    unsigned version = fuzz_byte(&in) % 6;
    uint8_t which = fuzz_byte(&in);
    char *dev[3], *dos[3];
    const char *map[3][2];
    size_t map_count = fuzz_byte(&in) % 4;
    for (size_t i = 0; i < map_count; i++) {
        map[i][0] = dev[i] = fuzz_str(&in);
        map[i][1] = dos[i] = fuzz_str(&in);
    }
    size_t out_size = fuzz_byte(&in);
    /* The payload gets its own allocation, so reading past it is an ASan finding. */
    uint8_t *payload = malloc(in.n ? in.n : 1);
    if (!payload) abort();
    memcpy(payload, in.p, in.n);
    size_t n = in.n;
    if (which & 1) {
        etw_process_stop s;
        if (etw_decode_process_stop(version, payload, n, &s) == 0)
            FUZZ_CHECK(memchr(s.image, 0, sizeof s.image) != NULL, "stop image not terminated");
    } else {
        etw_process_start s;
        if (etw_decode_process_start(version, payload, n, &s) == 0) {
            FUZZ_CHECK(memchr(s.image, 0, sizeof s.image) != NULL, "start image not terminated");
            FUZZ_CHECK(fuzz_utf8_valid(s.image), "start image is not valid UTF-8");
            char *path = malloc(out_size ? out_size : 1);
            if (!path) abort();
            etw_nt_to_dos_path(s.image, map, map_count, path, out_size);
            if (out_size) {
                FUZZ_CHECK(memchr(path, 0, out_size) != NULL, "DOS path not terminated");
                int matched = 0;
                for (size_t i = 0; i < map_count; i++)
                    if (*map[i][0] && strlen(s.image) >= strlen(map[i][0])) matched = 1;
                if (!matched && strlen(s.image) < out_size)
                    FUZZ_CHECK(strcmp(path, s.image) == 0, "unmatched \"%s\" became \"%s\"", s.image, path);
            }
            free(path);
        }
    }
    check_conversion(payload, n, out_size);
    free(payload);
    for (size_t i = 0; i < map_count; i++) { free(dev[i]); free(dos[i]); }
    return 0;
}
