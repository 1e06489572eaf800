/*
 * wee/options.h - how a module declares its options, and how it reads them.
 *
 * A module lists its options once, in a static array of wee_option_spec ending with an entry whose
 * name is NULL. The host validates a config object against it before calling create (type, required,
 * unknown keys, integer range, enumerated choices), fills defaults, and prints it for
 * `host modules --describe NAME`. A module never parses JSON itself.
 *
 * Ownership: the spec array is static in the module and must outlive the loaded module. wee_options
 * handles are owned by the host. For sources and action create(), they live until destroy. For an
 * action call (host->call_params), the handle and every string read from it live until run() returns;
 * strings read from an action call's params are already rendered (templates filled).
 */
#ifndef WEE_OPTIONS_H
#define WEE_OPTIONS_H

#include "abi.h"

typedef struct wee_options wee_options;

typedef enum wee_option_type {
    WEE_OPT_STRING = 1,      /* JSON string */
    WEE_OPT_INT = 2,         /* JSON integer within [min, max] */
    WEE_OPT_BOOL = 3,        /* JSON true/false */
    WEE_OPT_STRING_LIST = 4, /* JSON array of strings (a single string is accepted as a list of one) */
    WEE_OPT_STRING_MAP = 5,  /* JSON object whose values are strings */
    WEE_OPT_JSON = 6,        /* any JSON value; strings inside are templates for actions */
    WEE_OPT_OBJECT_LIST = 7  /* ABI 1.2: JSON array of objects, each validated against `fields`; read
                                with host->opt_object_count/opt_object_at (strings as written) */
} wee_option_type;

typedef struct wee_option_spec {
    uint32_t struct_size;        /* sizeof(wee_option_spec); the host steps the array by this stride */
    const char *name;            /* NULL terminates the array */
    wee_option_type type;
    const char *default_value;   /* JSON text of the default ("200", "true", "\"info\"", "[]"), or NULL */
    int required;                /* non-zero: the key must be present */
    int64_t min, max;            /* WEE_OPT_INT range, inclusive; ignored when min > max */
    const char *choices;         /* WEE_OPT_STRING: "a|b|c" allowed values, or NULL for any */
    const char *description;     /* one line for --describe */
    /* --- ABI 1.1 (the host reads it only when struct_size covers it) --- */
    uint32_t flags;              /* WEE_OPTF_* */
    /* --- ABI 1.2 --- */
    const struct wee_option_spec *fields; /* WEE_OPT_OBJECT_LIST: each object's option table */
} wee_option_spec;

/* The option names a file the config depends on (a script): the host reloads the config when that
 * file changes, as it does for the config file itself. A relative path is taken from the config
 * file's folder. */
#define WEE_OPTF_WATCHED_FILE 0x1u

/* Designated-initializer helper: WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, ...) */
#define WEE_OPTION(...) { .struct_size = sizeof(wee_option_spec), __VA_ARGS__ }
#define WEE_OPTION_END { .struct_size = sizeof(wee_option_spec), .name = NULL }

/* The longest duration a "*_ms" integer option may hold: 365 days. In nanoseconds it is ~3.2e16, so
 * ms * 1000000 plus a monotonic clock reading stays far from 2^63. The host enforces it on every
 * integer option whose name ends in "_ms", whatever max the module declared (0..this when the module
 * declared no range). */
#define WEE_DURATION_MS_MAX INT64_C(31536000000)

#endif
