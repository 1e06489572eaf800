#include "strbuf.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wee/errors.h"

static void fail(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = 1;
}

int strbuf_reserve(strbuf *sb, size_t extra)
{
    if (sb->failed) return WEE_ENOMEM;
    if (extra > SIZE_MAX / 2 - sb->len) { fail(sb); return WEE_ENOMEM; }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need) cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) { fail(sb); return WEE_ENOMEM; }
    sb->data = p;
    sb->cap = cap;
    return 0;
}

int strbuf_failed(const strbuf *sb) { return sb->failed; }

void strbuf_append(strbuf *sb, const char *s, size_t n)
{
    if (strbuf_reserve(sb, n) != 0) return;
    if (n) memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_puts(strbuf *sb, const char *s) { strbuf_append(sb, s, strlen(s)); }
void strbuf_putc(strbuf *sb, char c) { strbuf_append(sb, &c, 1); }

void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0 || strbuf_reserve(sb, (size_t)n) != 0) return;
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_reset(strbuf *sb) { sb->len = 0; sb->failed = 0; if (sb->data) sb->data[0] = '\0'; }
const char *strbuf_cstr(const strbuf *sb) { return sb->data ? sb->data : ""; }

char *strbuf_detach(strbuf *sb)
{
    char *p = sb->data;
    if (!p && !sb->failed && (p = malloc(1)) != NULL) p[0] = '\0';
    sb->data = NULL; sb->len = sb->cap = 0; sb->failed = 0;
    return p;
}

void strbuf_free(strbuf *sb) { free(sb->data); sb->data = NULL; sb->len = sb->cap = 0; sb->failed = 0; }

char *str_dup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}
