/*
 * Glob matching without recursion: the classic "remember the last star" backtracking, kept at two
 * levels - the last '*' (which may not cross a separator in path mode) and the last '**' (which may).
 * On a mismatch the '*' is extended first; when it cannot grow (end of segment) the '**' takes one
 * more character (or, for "**" followed by a separator, one more whole segment). Each level only moves
 * forward, so matching is O(len(pattern) * len(text)) at worst - no exponential blowup.
 * '?', a class and each step of a star take one UTF-8 character (a whole valid sequence, else one
 * byte: a file name may hold any byte), so "?.txt" matches "\xc3\xa9.txt" and "\xff.txt" alike.
 */
#include "glob.h"
#include <ctype.h>
#include <string.h>

typedef struct gctx { int fold, anysep, path; } gctx;

static int is_sep(const gctx *g, char c) { return c == '/' || (g->anysep && c == '\\'); }

static int fold(const gctx *g, unsigned char c) { return g->fold ? tolower(c) : c; }

/* Bytes in the character at t: a valid UTF-8 sequence (no overlong form, no surrogate, <= U+10FFFF)
 * counts whole; anything else is one byte. *cp receives its code point, or 0x110000 + byte for an
 * invalid byte so that no class range written in the pattern can contain it. */
static size_t utf8_char(const char *t, unsigned long *cp)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t n = u[0] < 0x80 ? 1 : (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3 : (u[0] & 0xF8) == 0xF0 ? 4 : 0;
    unsigned long v = n == 1 ? u[0] : n == 2 ? (u[0] & 0x1Fu) : n == 3 ? (u[0] & 0x0Fu) : (u[0] & 0x07u);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) { n = 0; break; }
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    static const unsigned long min_for_len[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (n == 0 || v < min_for_len[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0x110000ul + u[0];
        return 1;
    }
    *cp = v;
    return n;
}

static size_t char_len(const char *t)
{
    unsigned long cp;
    return utf8_char(t, &cp);
}

static unsigned long fold_cp(const gctx *g, unsigned long c) { return (g->fold && c < 0x80) ? (unsigned long)tolower((int)c) : c; }

static int chars_equal(const gctx *g, char a, char b)
{
    if (is_sep(g, a) && is_sep(g, b)) return 1;
    return fold(g, (unsigned char)a) == fold(g, (unsigned char)b);
}

/* Matches the character at t against a class at p ('[' ...). Returns the pattern position after the
 * class, or NULL when the class is malformed (then '[' is taken literally). *ok receives the result. */
static const char *match_class(const gctx *g, const char *p, const char *t, int *ok)
{
    const char *q = p + 1;
    int negate = 0, hit = 0;
    unsigned long c;
    utf8_char(t, &c);
    if (*q == '!' || *q == '^') { negate = 1; q++; }
    int first = 1;
    while (*q && (first || *q != ']')) {
        first = 0;
        unsigned long lo, hi;
        if (*q == '\\' && !g->anysep && q[1]) q++;
        q += utf8_char(q, &lo);
        hi = lo;
        if (*q == '-' && q[1] && q[1] != ']') {
            q++;
            if (*q == '\\' && !g->anysep && q[1]) q++;
            q += utf8_char(q, &hi);
        }
        unsigned long fc = fold_cp(g, c);
        if ((fc >= fold_cp(g, lo) && fc <= fold_cp(g, hi)) || (c >= lo && c <= hi)) hit = 1;
    }
    if (*q != ']') return NULL;
    if (g->path && is_sep(g, *t)) hit = 0, negate = 0;
    *ok = hit != negate;
    return q + 1;
}

int glob_match(const char *pattern, const char *text, int flags)
{
    gctx g = { (flags & GLOB_CASEFOLD) != 0, (flags & GLOB_PATHSEP_ANY) != 0, (flags & GLOB_PATH) != 0 };
    const char *p = pattern, *t = text;
    const char *star_p = NULL, *star_t = NULL;    /* last single '*' */
    const char *dstar_p = NULL, *dstar_t = NULL;  /* last '**' */
    int dstar_segments = 0;                        /* '**' followed by a separator: whole segments */

    for (;;) {
        if (*p == '*') {
            const char *q = p;
            while (*q == '*') q++;
            int dbl = (q - p) >= 2 || !g.path;
            if (dbl) {
                dstar_segments = g.path && is_sep(&g, *q) && (p == pattern || is_sep(&g, p[-1]));
                /* a "**" segment may also match zero segments: skip the separator after it */
                dstar_p = dstar_segments ? q + 1 : q;
                dstar_t = t;
                star_p = star_t = NULL;
                p = dstar_p;
            } else {
                star_p = q;
                star_t = t;
                p = q;
            }
            continue;
        }
        if (!*t) {
            if (!*p) return 1;
            /* a trailing "**" segment matches the folder itself too */
            if (g.path && is_sep(&g, *p) && p[1] == '*' && p[2] == '*' && !p[3]) return 1;
            goto backtrack;
        }
        if (*p == '?') {
            if (g.path && is_sep(&g, *t)) goto backtrack;
            p++, t += char_len(t);
            continue;
        }
        if (*p == '[') {
            int ok = 0;
            const char *after = match_class(&g, p, t, &ok);
            if (after) {
                if (!ok) goto backtrack;
                p = after, t += char_len(t);
                continue;
            }
        }
        if (*p == '\\' && !g.anysep && p[1]) {
            if (p[1] != *t && !(g.fold && chars_equal(&g, p[1], *t))) goto backtrack;
            p += 2, t++;
            continue;
        }
        if (*p && chars_equal(&g, *p, *t)) { p++, t++; continue; }
    backtrack:
        if (star_p && *star_t && !(g.path && is_sep(&g, *star_t))) {
            star_t += char_len(star_t);
            p = star_p;
            t = star_t;
            continue;
        }
        if (dstar_p && *dstar_t) {
            if (dstar_segments) {
                while (*dstar_t && !is_sep(&g, *dstar_t)) dstar_t++;
                if (!*dstar_t) return 0;
                dstar_t++;
            } else {
                dstar_t += char_len(dstar_t);
            }
            star_p = star_t = NULL;
            p = dstar_p;
            t = dstar_t;
            continue;
        }
        return 0;
    }
}

int glob_is_literal(const char *pattern)
{
    return strpbrk(pattern, "*?[\\") == NULL;
}

/* A character that may stand for something else than itself: a wildcard, a class, or (outside
 * GLOB_PATHSEP_ANY) an escape. Stopping at ']' too keeps a class's tail out of a suffix. */
static int is_special(char c, int anysep) { return c == '*' || c == '?' || c == '[' || c == ']' || (c == '\\' && !anysep); }

static int is_any_sep(char c, int anysep) { return c == '/' || (anysep && c == '\\'); }

size_t glob_literal_prefix_len(const char *pattern, int flags)
{
    int anysep = (flags & GLOB_PATHSEP_ANY) != 0;
    size_t n = 0;
    while (pattern[n] && !is_special(pattern[n], anysep)) n++;
    /* A pattern ending in separator + "**" also matches the folder itself (the trailing-"**" rule of
     * glob_match): the separator before a final "**" is not required. */
    if (n > 0 && is_any_sep(pattern[n - 1], anysep) && pattern[n] == '*' && pattern[n + 1] == '*' && !pattern[n + 2])
        n--;
    return n;
}

size_t glob_literal_suffix_len(const char *pattern, int flags)
{
    int anysep = (flags & GLOB_PATHSEP_ANY) != 0;
    size_t len = strlen(pattern), start = len;
    while (start > 0 && !is_special(pattern[start - 1], anysep)) start--;
    if (start == 0) return len;
    /* "**" followed by a separator may match zero segments (so "a", "**", "/b" also matches "a/b"):
     * that separator is not required. */
    if (pattern[start - 1] == '*' && start < len && is_any_sep(pattern[start], anysep)) start++;
    return len - start;
}
