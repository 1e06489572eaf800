/*
 * modules/notify/notify_text.h - make event text safe to show: what a notification title or message
 * becomes before it reaches D-Bus or the Windows shell (portable, unit-tested).
 */
#ifndef WEE_NOTIFY_TEXT_H
#define WEE_NOTIFY_TEXT_H
#include <stddef.h>

/* A malloc'd copy of `in` that is valid UTF-8 (each invalid byte becomes U+FFFD: libdbus aborts the
 * process on an invalid string, and event data is attacker-written), with control characters other
 * than newline and tab replaced by a space, at most max_bytes long (cut on a character boundary), and
 * with & < > escaped as &amp; &lt; &gt; when escape_markup is set (a server that advertises
 * body-markup would otherwise interpret them). NULL only when out of memory. */
char *notify_text_clean(const char *in, size_t max_bytes, int escape_markup);

#endif
