/*
 * Required-literal extraction for PCRE2 patterns (see regex_literal.h). A scan of the top level keeps
 * a current run of literal bytes; a quantifier that allows zero (?, *, {0..}) takes back the character
 * it applies to, '+' keeps it, and anything else that is not a plain character ends the run. Groups
 * and classes are skipped whole. Runs are only reported once the whole pattern has been read, since a
 * top-level '|' late in the pattern makes every earlier run optional.
 */
#include "regex_literal.h"
#include <string.h>

enum { MAX_RUNS = 16 };

typedef struct scan {
    char run[256];
    size_t run_len;
    char runs[MAX_RUNS][256]; /* the longest runs seen, kept until the pattern is known to be usable */
    size_t lens[MAX_RUNS];
    size_t nruns;
    int caseless;
} scan;

static void end_run(scan *s)
{
    if (s->run_len == 0) return;
    size_t slot = s->nruns;
    if (slot == MAX_RUNS) { /* keep the longest: replace the shortest if this one is longer */
        slot = 0;
        for (size_t i = 1; i < MAX_RUNS; i++) if (s->lens[i] < s->lens[slot]) slot = i;
        if (s->lens[slot] >= s->run_len) { s->run_len = 0; return; }
    } else {
        s->nruns++;
    }
    memcpy(s->runs[slot], s->run, s->run_len);
    s->lens[slot] = s->run_len;
    s->run_len = 0;
}

/* Takes back the last character of the run (all bytes of a UTF-8 sequence), then ends the run. */
static void drop_last(scan *s)
{
    while (s->run_len > 0 && ((unsigned char)s->run[s->run_len - 1] & 0xC0) == 0x80) s->run_len--;
    if (s->run_len > 0) s->run_len--;
    end_run(s);
}

static void add_byte(scan *s, unsigned char c)
{
    if (s->caseless) {
        /* Under PCRE2_CASELESS|PCRE2_UTF, k and s also match the Kelvin sign and the long s, and
         * non-ASCII letters have Unicode partners: none of them can be compared by ASCII folding. */
        if (c >= 0x80 || c == 'k' || c == 'K' || c == 's' || c == 'S') { end_run(s); return; }
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    }
    if (s->run_len == sizeof s->run - 1) end_run(s); /* a cut run is still required */
    s->run[s->run_len++] = (char)c;
}

/* A {n}, {n,}, {n,m} quantifier at p? Returns its length, 0 if '{' is literal text. */
static size_t quantifier_len(const char *p, int *min_zero)
{
    size_t i = 1, digits = 0;
    int zero = 1;
    while (p[i] >= '0' && p[i] <= '9') { if (p[i] != '0') zero = 0; i++; digits++; }
    if (p[i] == ',') { i++; while (p[i] >= '0' && p[i] <= '9') i++; }
    if (p[i] != '}') return 0;
    if (digits == 0) zero = 1; /* "{,m}" in newer PCRE2 */
    *min_zero = zero;
    return i + 1;
}

/* Skips a class starting at p ('['); returns the position after it, or NULL when unsure. */
static const char *skip_class(const char *p)
{
    p++;
    if (*p == '^') p++;
    if (*p == ']') p++; /* a leading ']' is literal */
    while (*p && *p != ']') {
        if (*p == '\\') {
            if (!p[1] || p[1] == 'Q') return NULL; /* quoting could end the class elsewhere */
            p += 2;
        } else if (p[0] == '[' && p[1] == ':') {
            const char *e = strstr(p + 2, ":]");
            if (!e) return NULL;
            p = e + 2;
        } else {
            p++;
        }
    }
    return *p == ']' ? p + 1 : NULL;
}

/* Skips a group starting at p ('('), nested groups and classes included; NULL when unsure. */
static const char *skip_group(const char *p)
{
    int depth = 0;
    while (*p) {
        if (*p == '\\') {
            if (!p[1] || p[1] == 'Q') return NULL;
            p += 2;
        } else if (*p == '[') {
            p = skip_class(p);
            if (!p) return NULL;
        } else if (*p == '(') {
            depth++, p++;
        } else if (*p == ')') {
            p++;
            if (--depth == 0) return p;
        } else {
            p++;
        }
    }
    return NULL;
}

/* Escapes that stand for a class or an assertion, one letter long, never for a literal. */
static int simple_class_escape(char c) { return c && strchr("dDwWsSbBnNtrfeaRhHvVAzZG", c) != NULL; }

size_t regex_required_literals(const char *pattern, int caseless, regex_literal_fn found, void *ctx)
{
    static const scan empty;
    scan s = empty;
    s.caseless = caseless;
    const char *p = pattern;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        int min_zero = 0;
        size_t q;
        switch (c) {
        case '|':
            return 0; /* top-level alternation: no single literal is required */
        case '(':
            /* Inline options ("(?i)", "(?x)", "(?-s)") change how the rest reads: give up. */
            if (p[1] == '?' && p[2] && strchr("imnsxJU-^)", p[2])) return 0;
            end_run(&s);
            p = skip_group(p);
            if (!p) return 0;
            continue;
        case '[':
            end_run(&s);
            p = skip_class(p);
            if (!p) return 0;
            continue;
        case '\\':
            if (!p[1]) return 0;
            if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= '0' && p[1] <= '9')) {
                if (!simple_class_escape(p[1])) return 0; /* \x{..}, \p{..}, \Q, backrefs: not read here */
                end_run(&s);
                p += 2;
                continue;
            }
            add_byte(&s, (unsigned char)p[1]); /* an escaped punctuation character is itself */
            p += 2;
            continue;
        case '?': case '*':
            drop_last(&s);
            p++;
            continue;
        case '+':
            end_run(&s); /* the character before is required at least once */
            p++;
            continue;
        case '{':
            q = quantifier_len(p, &min_zero);
            if (q) {
                if (min_zero) drop_last(&s);
                else end_run(&s);
                p += q;
            } else {
                end_run(&s); /* a literal '{': correct to skip, only less selective */
                p++;
            }
            continue;
        case '.': case '^': case '$': case ')': case '}': case ']':
            end_run(&s);
            p++;
            continue;
        default:
            add_byte(&s, c);
            p++;
            continue;
        }
    }
    end_run(&s);
    for (size_t i = 0; i < s.nruns; i++) found(ctx, s.runs[i], s.lens[i]);
    return s.nruns;
}
