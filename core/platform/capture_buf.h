/*
 * core/platform/capture_buf.h - the bounded output buffer both process runners (posix/, win32/) fill
 * from a child's pipes. Header-only: it is the one piece of their capture logic that does not touch
 * the OS. Ownership: buf is malloc'd; capture_buf_finish hands it to the caller (free()).
 */
#ifndef WEE_PLATFORM_CAPTURE_BUF_H
#define WEE_PLATFORM_CAPTURE_BUF_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct capture_buf {
    char *buf;
    size_t len, cap, max;
    int truncated;
} capture_buf;

/* Keeps up to max bytes; the rest is dropped (the caller still reads it, so the child never blocks
 * on a full pipe). */
static inline void capture_buf_take(capture_buf *c, const char *data, size_t n)
{
    size_t room = c->max - c->len;
    size_t keep = n < room ? n : room;
    if (keep < n) c->truncated = 1;
    if (keep == 0) return;
    if (c->len + keep + 1 > c->cap) {
        size_t need = c->len + keep + 1, want = c->cap ? c->cap : 4096;
        while (want < need && want <= SIZE_MAX / 2) want *= 2;
        /* Grow by doubling, but never past what max allows (max may be SIZE_MAX: "no limit"). */
        if (want < need || want - 1 > c->max) want = need;
        char *bigger = realloc(c->buf, want);
        if (!bigger) {
            c->truncated = 1; /* out of memory: keep what we have, still drain */
            return;
        }
        c->buf = bigger;
        c->cap = want;
    }
    memcpy(c->buf + c->len, data, keep);
    c->len += keep;
}

/* The captured bytes, NUL-terminated (an empty string when nothing came); the buffer is the
 * caller's from here. */
static inline char *capture_buf_finish(capture_buf *c, size_t *len)
{
    char *s = c->buf ? c->buf : malloc(1);
    c->buf = NULL;
    if (s) s[c->len] = '\0';
    *len = s ? c->len : 0;
    return s;
}
#endif
