/*
 * core/util/path_name.h - the separator rule of the platform's paths, for code that splits a path as
 * text: '/' everywhere, and '\\' too on Windows (where both separate).
 * Pure (path_config_join only allocates its result); safe from any thread.
 */
#ifndef WEE_PATH_NAME_H
#define WEE_PATH_NAME_H
#include <stddef.h>

int path_is_sep(char c);
/* The last component of path (after its last separator; path itself when it has none). */
const char *path_base_name(const char *path);

/* Names written in a config (an included rule file, a script option) are taken from the config file's
 * folder unless absolute. A config may be shared between Windows and Linux, so here both '/' and '\\'
 * end a folder and "/x", "\\x" and "C:..." are absolute, on every OS. */
int path_config_name_is_absolute(const char *name);
/* The length of config_file's folder part, its last separator included; 0 when it has none. */
size_t path_config_folder_len(const char *config_file);
/* name as read from config_file's folder: name itself when it is absolute or config_file has no folder
 * part, else that folder followed by name. malloc'd; NULL when out of memory. */
char *path_config_join(const char *config_file, const char *name);
#endif
