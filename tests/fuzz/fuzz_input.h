/*
 * tests/fuzz/fuzz_input.h - helpers shared by the harnesses: take typed pieces off the fuzzer's bytes,
 * build an event from them, check invariants.
 *
 * Why a byte reader and not text formats: libFuzzer mutates bytes; a reader that never fails (missing
 * bytes read as 0) lets every input reach the code under test instead of dying in a parser of ours.
 * Header-only so each harness stays one file plus this.
 */
#ifndef WEE_FUZZ_INPUT_H
#define WEE_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "log.h"

typedef struct fuzz_input {
    const uint8_t *p;
    size_t n;
} fuzz_input;

/* A failed invariant: print what and abort, which libFuzzer records as a crash with the input. */
#define FUZZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
            abort(); \
        } \
    } while (0)

static inline uint8_t fuzz_byte(fuzz_input *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static inline uint64_t fuzz_u64(fuzz_input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | fuzz_byte(in);
    return v;
}

/* A malloc'd, NUL-terminated copy of the next len bytes (fewer at the end; NULs inside cut it short
 * as C strings do). */
static inline char *fuzz_take(fuzz_input *in, size_t len)
{
    if (len > in->n) len = in->n;
    char *s = malloc(len + 1);
    if (!s) abort();
    memcpy(s, in->p, len);
    s[len] = '\0';
    in->p += len;
    in->n -= len;
    return s;
}

/* A string of length given by one byte. */
static inline char *fuzz_str(fuzz_input *in) { return fuzz_take(in, fuzz_byte(in)); }

/* The bytes up to the first NUL (consumed with it), as a C string: lets seeds be "text\0binary". */
static inline char *fuzz_until_nul(fuzz_input *in)
{
    const uint8_t *z = memchr(in->p, 0, in->n);
    size_t len = z ? (size_t)(z - in->p) : in->n;
    char *s = fuzz_take(in, len);
    if (z) fuzz_byte(in);
    return s;
}

/* Field names events really carry (docs/config.md), plus the ones a harness found in its input. */
static const char *const fuzz_field_names[] = {
    "path", "name", "dir", "ext", "old_path", "exe", "key", "process", "pid", "ppid", "title", "size",
    "source", "type", "time", "seq", "user", "value", "data", "exit_code", "cmdline", "class",
    "exec.stdout", "exec.exit_code", "by_engine",
};
#define FUZZ_FIELD_NAME_COUNT (sizeof fuzz_field_names / sizeof fuzz_field_names[0])

/* Interesting integers: the edges where arithmetic and conversions break. */
static const int64_t fuzz_ints[] = { 0, 1, -1, 2, 255, 256, 65535, 65536, INT32_MAX, INT32_MIN, (int64_t)1 << 53,
                                     ((int64_t)1 << 53) + 1, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1 };

/* An event with up to 15 fields whose names come from fuzz_field_names or extra_names (may be NULL)
 * and whose values are arbitrary bytes (invalid UTF-8 included), edge integers or booleans. */
static inline wee_event *fuzz_event(fuzz_input *in, const char *const *extra_names, size_t extra_count)
{
    static const char *const types[] = { "file.created", "file.modified", "file.deleted", "file.renamed",
                                         "process.started", "process.stopped", "window.focused",
                                         "registry.changed", "timer.tick", "custom.x" };
    uint8_t t = fuzz_byte(in);
    char *raw_type = NULL;
    const char *type;
    if (t < 200) {
        type = types[t % (sizeof types / sizeof types[0])];
    } else {
        raw_type = fuzz_str(in);
        type = *raw_type ? raw_type : "custom.x";
    }
    wee_event *ev = event_new(type);
    free(raw_type);
    if (!ev) abort();
    unsigned count = fuzz_byte(in) % 16;
    for (unsigned i = 0; i < count && in->n; i++) {
        uint8_t sel = fuzz_byte(in);
        char *own_name = NULL;
        const char *name;
        if (extra_count && sel & 1) name = extra_names[(sel >> 1) % extra_count];
        else if (sel < 240) name = fuzz_field_names[(sel >> 1) % FUZZ_FIELD_NAME_COUNT];
        else name = own_name = fuzz_str(in);
        uint8_t kind = fuzz_byte(in);
        switch (kind % 4) {
        case 0:
        case 1: {
            char *v = fuzz_str(in);
            event_set_string(ev, name, v);
            free(v);
            break;
        }
        case 2:
            if (kind & 0x80) event_set_int(ev, name, (int64_t)fuzz_u64(in));
            else event_set_int(ev, name, fuzz_ints[(kind >> 2) % (sizeof fuzz_ints / sizeof fuzz_ints[0])]);
            break;
        default:
            event_set_bool(ev, name, kind & 4);
            break;
        }
        free(own_name);
    }
    return ev;
}

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static inline int fuzz_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, need;
        uint32_t cp;
        if (c < 0x80) { p++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; }
        else return 0;
        for (unsigned i = 1; i <= need; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += need + 1;
    }
    return 1;
}

/* The host logs nothing while fuzzing: log lines would cost more than the code under test. */
static inline void fuzz_quiet_log(void) { log_configure(WEE_LOG_ERROR + 1, NULL, 0); }
#endif
