/*
 * modules/notify/notify_text.c - see notify_text.h.
 */
#include "notify_text.h"
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes there are not one (overlong
 * forms, surrogates and code points past U+10FFFF are invalid, as libdbus and RFC 3629 say). */
static size_t utf8_valid_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

char *notify_text_clean(const char *in, size_t max_bytes, int escape_markup)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    if (!in) in = "";
    /* Worst case per input byte: 5 bytes ("&amp;"); never more than max_bytes are kept. */
    size_t in_len = strlen(in);
    size_t cap = (in_len < max_bytes ? in_len : max_bytes) * 5 + 1;
    if (cap > max_bytes + 1) cap = max_bytes + 1;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        const char *piece;
        size_t piece_len, advance;
        char one[2] = { 0, 0 };
        size_t len = utf8_valid_len(p);
        if (len == 0) {
            piece = replacement; piece_len = 3; advance = 1;
        } else if (len == 1 && ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F)) {
            piece = " "; piece_len = 1; advance = 1;
        } else if (len == 1 && escape_markup && (*p == '&' || *p == '<' || *p == '>')) {
            piece = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;";
            piece_len = strlen(piece); advance = 1;
        } else if (len == 1) {
            one[0] = (char)*p; piece = one; piece_len = 1; advance = 1;
        } else {
            piece = (const char *)p; piece_len = len; advance = len;
        }
        if (n + piece_len > max_bytes) break; /* whole characters / entities only */
        memcpy(out + n, piece, piece_len);
        n += piece_len;
        p += advance;
    }
    out[n] = '\0';
    return out;
}
