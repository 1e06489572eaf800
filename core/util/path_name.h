/*
 * core/util/path_name.h - the separator rule of the platform's paths, for code that splits a path as
 * text: '/' everywhere, and '\\' too on Windows (where both separate).
 * Pure; safe from any thread.
 */
#ifndef WEE_PATH_NAME_H
#define WEE_PATH_NAME_H

int path_is_sep(char c);
/* The last component of path (after its last separator; path itself when it has none). */
const char *path_base_name(const char *path);
#endif
