/*
 * core/util/glob.h - glob matching: '*' (within one path segment), '**' (across segments), '?',
 * '[abc]', '[a-z]', '[!x]', and '\\' escapes on POSIX patterns.
 * Flags: GLOB_CASEFOLD (ASCII case-insensitive), GLOB_PATHSEP_ANY ('/' and '\\' are both separators,
 * in the pattern and the text; used for Windows paths, where '\\' is then not an escape).
 * Without GLOB_PATH, '*' also matches separators (plain strings such as event types, titles).
 * Pure functions, no allocation; safe from any thread.
 */
#ifndef WEE_GLOB_H
#define WEE_GLOB_H
#include <stddef.h>

enum { GLOB_CASEFOLD = 1, GLOB_PATHSEP_ANY = 2, GLOB_PATH = 4 };

int glob_match(const char *pattern, const char *text, int flags);
/* 1 if the pattern has no wildcard characters (so equality can be used). */
int glob_is_literal(const char *pattern);
/* Literal ends of a pattern, for indexing: every text glob_match accepts with these flags starts with
 * the first glob_literal_prefix_len() characters of the pattern and ends with its last
 * glob_literal_suffix_len() characters (compared as glob_match compares: GLOB_CASEFOLD folds ASCII,
 * GLOB_PATHSEP_ANY makes '/' and '\\' equal). Either may be 0; never longer than the pattern. */
size_t glob_literal_prefix_len(const char *pattern, int flags);
size_t glob_literal_suffix_len(const char *pattern, int flags);
#endif
