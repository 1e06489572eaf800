/*
 * core/util/file_replace.h - write a whole file so that a reader sees the old one or the new one,
 * never half of either: the content goes to "<path>.tmp", which is then renamed over path
 * (plat_file_replace: rename(2) / MoveFileExW REPLACE_EXISTING). A failed write leaves path as it was
 * and removes the temporary file. Used for the console's rule file and its .bak, `host schema --out`
 * and the MQTT action's spool.
 * Functions return 0 or a negative WEE_E* code (wee/errors.h).
 */
#ifndef WEE_FILE_REPLACE_H
#define WEE_FILE_REPLACE_H
#include <stddef.h>
#include <stdio.h>

/* write puts the content into f (opened for binary writing) and returns 0, or non-zero to give up. */
typedef int (*file_replace_writer)(FILE *f, void *ctx);

int file_replace_with(const char *path, file_replace_writer write, void *ctx);
/* The content is data[0 .. len). */
int file_replace(const char *path, const char *data, size_t len);
#endif
