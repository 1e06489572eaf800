/*
 * core/util/diag.h - collected configuration errors, each with a JSON path.
 * Printed as "<file>: <json path>: <message>" (file prefixed by diag_print).
 * Ownership: the list owns its messages; diag_free releases them.
 */
#ifndef WEE_DIAG_H
#define WEE_DIAG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* file: the file the error is in when it is not the config file itself (an included rule file,
 * config_include.c); NULL otherwise. */
typedef struct diag_item { char *path; char *message; char *file; } diag_item;
typedef struct diag_list { diag_item *items; size_t count, cap; } diag_list;

#define DIAG_INIT { NULL, 0, 0 }
/* path: "rules[1].do[0].timeout_ms" (may be "" for the whole document). */
void diag_add(diag_list *d, const char *path, const char *fmt, ...);
/* file: the config file, printed unless the item names its own (diag_item.file). */
void diag_print(const diag_list *d, const char *file, FILE *out);
void diag_free(diag_list *d);
/* Says that item index is in file, at path (NULL: path unchanged), as read in that file. Out of memory
 * leaves the item as it was. */
void diag_relocate(diag_list *d, size_t index, const char *file, const char *path);
/* Helpers to build child paths into a caller buffer: "base.key", "base[i]". */
const char *diag_path_key(char *buf, size_t size, const char *base, const char *key);
const char *diag_path_index(char *buf, size_t size, const char *base, size_t index);
/* Short human rendering of a JSON value for "got ..." (cJSON*, as void* to keep cJSON out). */
void diag_describe_json(const void *cjson_item, char *buf, size_t size);
/* "expected integer lo..hi, got ..." at path for a JSON value outside [lo, hi] (or not an integer):
 * "lo or hi" when there are two, ">= lo" when hi is INT64_MAX. The host config's wording. */
void diag_int_range(diag_list *d, const char *path, int64_t lo, int64_t hi, const void *cjson_item);
#endif
