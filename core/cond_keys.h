/*
 * core/cond_keys.h - literals a condition needs its event to carry, for the rule index.
 *
 * An index option is a necessary condition of a compiled condition: whenever the condition holds, at
 * least one key of the option holds (an option with no key: the condition never holds). A key says a
 * field's text equals, starts with, ends with or contains a literal, compared byte for byte after
 * index_key_fold() (the same folding the condition's own test applies). A condition may offer several
 * options (one per indexable test of an "all"); the index picks one. Nothing here can make a rule
 * match: the index only decides which rules are worth evaluating.
 * Ownership: index_options owns its keys and literals; fields are borrowed from the condition, which
 * must outlive them.
 */
#ifndef WEE_COND_KEYS_H
#define WEE_COND_KEYS_H
#include <stddef.h>
#include "cond.h"

typedef enum { IKEY_EXACT, IKEY_PREFIX, IKEY_SUFFIX, IKEY_SUBSTR } index_key_kind;

typedef struct index_key {
    const char *field;
    index_key_kind kind;
    unsigned char casefold;  /* ASCII letters compare case-insensitively */
    unsigned char sepnorm;   /* '\\' compares equal to '/' (glob on Windows paths) */
    char *literal;           /* already folded */
} index_key;

typedef struct index_option { index_key *keys; size_t count; } index_option;
typedef struct index_options { index_option *items; size_t count; } index_options;

static inline unsigned char index_key_fold(unsigned char c, int casefold, int sepnorm)
{
    if (casefold && c >= 'A' && c <= 'Z') return (unsigned char)(c + 32);
    if (sepnorm && c == '\\') return '/';
    return c;
}

/* Fills out (zeroed first) with c's options. Returns 0, or -1 when out of memory (out is then empty). */
int cond_index_options(const cond *c, index_options *out);
void index_options_free(index_options *o);
#endif
