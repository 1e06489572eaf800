/*
 * core/log.h - the host's logger: level filter, text or JSON lines, stderr or a file.
 * Thread-safe (one lock around each write, so lines never interleave).
 * Ownership: log_configure copies the file path; log_shutdown closes the file.
 */
#ifndef WEE_LOG_H
#define WEE_LOG_H
#include <stdarg.h>
#include "wee/host.h"

int log_configure(int level, const char *file, int json); /* file NULL: stderr */
void log_shutdown(void);
int log_enabled(wee_log_level level);
void log_write(wee_log_level level, const char *module, const char *fmt, ...);
void log_vwrite(wee_log_level level, const char *module, const char *fmt, va_list ap);
const char *log_level_name(int level);
int log_level_parse(const char *name); /* -1 if unknown */
#endif
