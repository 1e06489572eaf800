/*
 * core/log.h - the host's logger: level filter, text or JSON lines, stderr or a file.
 * Thread-safe (one lock around each write, so lines never interleave).
 * Ownership: log_configure copies the file path; log_shutdown closes the file.
 * The file rotates by size when log_set_rotation gave a limit (engine.log.max_size_mb / keep).
 */
#ifndef WEE_LOG_H
#define WEE_LOG_H
#include <stdarg.h>
#include "wee/host.h"

#include <stdint.h>

/* The level names in wee_log_level order, as option choices (engine.log.level binds the index). */
#define LOG_LEVEL_CHOICES "trace|debug|info|warn|error"

/* file NULL: stderr. Missing folders above file are created. 0, or a WEE_E* code (then
 * rotating_file_check(file, ...) says why in words). */
int log_configure(int level, const char *file, int json);
/* Size-based rotation of the log file (util/rotating_file.h): file -> file.1 ... file.KEEP when a
 * line would take it past max_bytes (0: never). Applies to the open file and to later configures. */
void log_set_rotation(uint64_t max_bytes, unsigned keep);
/* hook (NULL: none) also receives every error-level message as "[module] text", outside the log's
 * lock (the Windows service forwards them to the Event Log). */
void log_set_error_hook(void (*hook)(const char *text));
void log_shutdown(void);
int log_enabled(wee_log_level level);
void log_write(wee_log_level level, const char *module, const char *fmt, ...);
void log_vwrite(wee_log_level level, const char *module, const char *fmt, va_list ap);
const char *log_level_name(int level);
int log_level_parse(const char *name); /* -1 if unknown */
#endif
