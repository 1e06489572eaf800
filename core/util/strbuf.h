/*
 * core/util/strbuf.h - a growable NUL-terminated byte buffer.
 * Ownership: the strbuf owns `data` (malloc); strbuf_detach hands it to the caller (free()).
 * Out of memory (the project's rule, docs/modules.md "Out of memory": failures are returned, nothing
 * aborts): a growth that fails drops the whole text and makes the buffer fail for good (strbuf_failed);
 * later appends do nothing, strbuf_cstr gives "", strbuf_detach NULL. So a builder appends without
 * checking each call and checks once where the text is used; what it never checks is an empty text.
 */
#ifndef WEE_STRBUF_H
#define WEE_STRBUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct strbuf { char *data; size_t len, cap; int failed; } strbuf;

#define STRBUF_INIT { NULL, 0, 0, 0 }
/* 0, or WEE_ENOMEM (then the buffer has failed). */
int strbuf_reserve(strbuf *sb, size_t extra);
/* 1 once an append ran out of memory (strbuf_reset and strbuf_free clear it). */
int strbuf_failed(const strbuf *sb);
void strbuf_append(strbuf *sb, const char *s, size_t n);
void strbuf_puts(strbuf *sb, const char *s);
void strbuf_putc(strbuf *sb, char c);
void strbuf_printf(strbuf *sb, const char *fmt, ...);
void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(strbuf *sb);
const char *strbuf_cstr(const strbuf *sb);  /* "" when empty */
/* The text, handed to the caller (free()); NULL when the buffer failed or the 1-byte "" cannot be had. */
char *strbuf_detach(strbuf *sb);
void strbuf_free(strbuf *sb);
/* malloc'd copy of s; NULL if s is NULL or out of memory. free(). */
char *str_dup(const char *s);
#endif
