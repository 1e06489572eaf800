/*
 * core/util/utf8_cut.h - cutting text without splitting a UTF-8 character: a capture or a value cut at
 * a byte limit must not hand later actions (or a JSON log) half a character.
 * Pure; safe from any thread.
 */
#ifndef WEE_UTF8_CUT_H
#define WEE_UTF8_CUT_H
#include <stddef.h>

/* Length of the longest prefix of s[0..len) that does not end inside a UTF-8 sequence (len itself
 * when s[0..len) ends on a whole character, or when it holds no lead byte to judge by). */
size_t utf8_whole_prefix(const char *s, size_t len);
/* Cuts the NUL-terminated s in place to utf8_whole_prefix(s, strlen(s)); NULL is ignored. */
void utf8_cut_in_place(char *s);
#endif
