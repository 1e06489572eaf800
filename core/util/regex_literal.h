/*
 * core/util/regex_literal.h - a literal every match of a PCRE2 pattern must contain, for indexing.
 *
 * The pattern is read conservatively: only the top level (outside groups and classes) is used, and
 * anything not understood for certain (alternation at the top, \Q, inline options, escapes with
 * arguments) yields no literal rather than a wrong one. A wrong literal would hide a matching rule, a
 * missing one only costs an evaluation.
 * Pure, no allocation; safe from any thread.
 */
#ifndef WEE_REGEX_LITERAL_H
#define WEE_REGEX_LITERAL_H
#include <stddef.h>

/* Calls found(ctx, run, len) for each literal byte run (not NUL-terminated; at most 255 bytes, a longer
 * run being cut, which stays correct) that every match of the pattern contains, and returns how many
 * there were: 0 when the pattern was not understood or has none (nothing is reported then, even runs
 * seen before the point it gave up). caseless: the pattern is compiled with PCRE2_CASELESS|PCRE2_UTF;
 * then only ASCII characters whose only other case is ASCII are kept (k and s also match U+212A and
 * U+017F), lowered, so the caller compares with ASCII folding. */
typedef void (*regex_literal_fn)(void *ctx, const char *run, size_t len);
size_t regex_required_literals(const char *pattern, int caseless, regex_literal_fn found, void *ctx);
#endif
