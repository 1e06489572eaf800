/*
 * core/util/rotating_file.h - an append-only file that rotates by size: path -> path.1 -> ... ->
 * path.KEEP (the oldest is dropped), then a fresh path. Used by the host log (core/log.c) and the
 * `log` action (modules/log).
 *
 * Records: rotating_file_write takes one whole record (a line) and writes it with one write call,
 * so a record is never split across two files and concurrent writers never interleave. A record is
 * written to a fresh file when appending it would take the current file past max_bytes; a single
 * record larger than max_bytes gets a file of its own.
 *
 * Sharing: every rotating_file_open of the same path string in one process (one module image:
 * the host and each module DLL/.so have their own registry) returns the same object, so all writers
 * rotate under one lock. The latest open's limits apply. Writers in other processes are not
 * coordinated: their lines still land whole, in whichever file they had open.
 *
 * Ownership: rotating_file_open copies path; rotating_file_close drops one reference.
 */
#ifndef WEE_ROTATING_FILE_H
#define WEE_ROTATING_FILE_H
#include <stddef.h>
#include <stdint.h>

#define ROTATING_FILE_KEEP_MAX 1000

typedef struct rotating_file rotating_file;

/* max_bytes 0: never rotate. keep: how many rotated files to keep (0: start the file afresh).
 * Returns NULL and sets *err to a WEE_E* code when the file cannot be opened. */
rotating_file *rotating_file_open(const char *path, uint64_t max_bytes, unsigned keep, int *err);
/* The same object, but the file is opened by the first write (so creating it, e.g. under
 * `host validate`, has no effect on disk). Fails only without memory. Missing folders above the
 * file are created when it is opened, by either function. */
rotating_file *rotating_file_open_deferred(const char *path, uint64_t max_bytes, unsigned keep, int *err);
/* Touches nothing: would opening path for appending work (missing folders above it being created)?
 * 0, or a WEE_E* code with a one-line reason in why ("it is a directory; name a file in it",
 * "/var/x is a file, not a folder", "cannot create files in /var/log: permission denied"). */
int rotating_file_check(const char *path, char *why, size_t why_size);
/* Writes one record. 0, or a WEE_E* code when the record could not be written (disk full, file
 * gone and not re-creatable). A failed rotation does not fail the write: the record goes to the
 * current file and the failure is reported once by rotating_file_take_rotate_error. */
int rotating_file_write(rotating_file *rf, const void *data, size_t len);
void rotating_file_set_limits(rotating_file *rf, uint64_t max_bytes, unsigned keep);
/* The WEE_E* code of a failed rotation since the previous call (0 if none). A failed rotation (on
 * Windows: another process holds one of the files open without delete sharing) is retried by the
 * first write a second later; a run of failures is reported once, at its start. */
int rotating_file_take_rotate_error(rotating_file *rf);
void rotating_file_close(rotating_file *rf);
#endif
