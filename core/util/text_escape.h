/*
 * core/util/text_escape.h - control characters made visible in one-line text records.
 *
 * A text log line is one record; event data (a file name with a newline, a window title, an
 * action's error quoting a rendered command) must not split it or forge the next one. Used by the
 * host log's text format (core/log.c) and the `log` action's text format (modules/log).
 * Pure function, no allocation; safe from any thread.
 */
#ifndef WEE_TEXT_ESCAPE_H
#define WEE_TEXT_ESCAPE_H
#include <stddef.h>

/* Copies in to out with \n -> "\\n", \r -> "\\r", every other byte below 0x20 (except tab) and
 * 0x7F -> "\\xHH"; other bytes unchanged. Returns the length written (no NUL is added). out NULL:
 * returns the length only, so callers size their buffer with a first pass. */
size_t text_escape_controls(const char *in, char *out);
#endif
