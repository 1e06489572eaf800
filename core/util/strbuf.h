/*
 * core/util/strbuf.h - a growable NUL-terminated byte buffer.
 * Ownership: the strbuf owns `data` (malloc); strbuf_detach hands it to the caller (free()).
 * Allocation failure aborts: every caller would otherwise need the same error path for a case the
 * engine cannot recover from anyway.
 */
#ifndef WEE_STRBUF_H
#define WEE_STRBUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct strbuf { char *data; size_t len, cap; } strbuf;

#define STRBUF_INIT { NULL, 0, 0 }
void strbuf_reserve(strbuf *sb, size_t extra);
void strbuf_append(strbuf *sb, const char *s, size_t n);
void strbuf_puts(strbuf *sb, const char *s);
void strbuf_putc(strbuf *sb, char c);
void strbuf_printf(strbuf *sb, const char *fmt, ...);
void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(strbuf *sb);
const char *strbuf_cstr(const strbuf *sb);  /* "" when empty */
char *strbuf_detach(strbuf *sb);
void strbuf_free(strbuf *sb);
/* malloc'd copy of s (NULL if out of memory); free(). */
char *str_dup(const char *s);
#endif
