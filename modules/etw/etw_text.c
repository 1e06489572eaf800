/*
 * modules/etw/etw_text.c - see etw_text.h.
 */
#include "etw_text.h"
#include <string.h>

static size_t put_utf8(uint32_t cp, char *out, size_t at, size_t size)
{
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) { b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
    else { b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
    if (at + n >= size) return at;   /* no room: stop at a whole character */
    memcpy(out + at, b, n);
    return at + n;
}

size_t etw_utf16le_to_utf8(const uint8_t *src, size_t max_bytes, char *out, size_t out_size)
{
    size_t i = 0, o = 0;
    int full = 0; /* once a character does not fit, the rest is cut: the result stays a prefix */
    if (!out_size) return 0;
    while (i + 1 < max_bytes) {
        uint32_t u = (uint32_t)src[i] | (uint32_t)src[i + 1] << 8;
        i += 2;
        if (u == 0) { out[o] = '\0'; return i; }
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < max_bytes) {
            uint32_t lo = (uint32_t)src[i] | (uint32_t)src[i + 1] << 8;
            if (lo >= 0xDC00 && lo <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); i += 2; }
            else u = 0xFFFD;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        if (!full) { size_t next = put_utf8(u, out, o, out_size); full = next == o; o = next; }
    }
    out[o] = '\0';
    return i;
}
