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
    WEE_OPT_OBJECT_LIST = 7, /* ABI 1.2: JSON array of objects, each validated against `fields`; read
                                with host->opt_object_count/opt_object_at (strings as written) */
    WEE_OPT_OBJECT = 8       /* ABI 1.3: one JSON object validated against `fields` (a nested section);
                                read with host->opt_object_at(opts, name, 0), or bound (wee/bind.h) */
} wee_option_type;

typedef struct wee_option_spec {
    uint32_t struct_size;        /* sizeof(wee_option_spec); the host steps the array by this stride */
    const char *name;            /* NULL terminates the array */
    wee_option_type type;
    const char *default_value;   /* JSON text of the default ("200", "true", "\"info\"", "[]"), or NULL */
    int required;                /* non-zero: the key must be present */
    int64_t min, max;            /* WEE_OPT_INT range, inclusive; ignored when min > max */
    const char *choices;         /* WEE_OPT_STRING: "a|b|c" allowed values, or NULL for any; from ABI 1.3
                                    also WEE_OPT_STRING_LIST: every element must be one of them */
    const char *description;     /* one line for --describe */
    /* --- ABI 1.1 (the host reads it only when struct_size covers it) --- */
    uint32_t flags;              /* WEE_OPTF_* */
    /* --- ABI 1.2 --- */
    const struct wee_option_spec *fields; /* WEE_OPT_OBJECT_LIST: each object's option table (1.3: and
                                             WEE_OPT_OBJECT's) */
    /* --- ABI 1.3 --- */
    /* What a valid value looks like, for error messages ("a host name", "a file path or null"): a wrong
     * value is reported as "expected <expect>, got ...". NULL: the type says it ("expected string"). */
    const char *expect;
    /* Binding (wee/bind.h, modelled on Fluent Bit's config_map): wee_opt_bind stores the option's
     * value at `offset` (offsetof) in the module's settings struct. WEE_BIND_* says how; 0: unbound.
     * WEE_OPT_OBJECT's fields bind into the same struct (their offsets are from the same base). */
    uint32_t bind;
    size_t offset;
} wee_option_spec;

/* The size of a wee_option_spec built against ABI 1.3 or later: a smaller struct_size means an older
 * table, which has none of the 1.3 fields and whose list choices and 1.3 flags the host ignores. */
#define WEE_OPTION_SPEC_SIZE_1_3 (offsetof(wee_option_spec, offset) + sizeof(size_t))

/* How wee_opt_bind stores a bound option (field types in wee/bind.h):
 *   WEE_BIND_VALUE:  STRING -> const char *, INT -> int64_t, BOOL -> int, STRING_LIST -> wee_opt_list,
 *                    STRING_MAP -> wee_opt_map, OBJECT_LIST and JSON -> wee_opt_list (a handle: wee_object_at,
 *                    wee_json), OBJECT -> its fields (same base)
 *   WEE_BIND_CHOICE: STRING with choices -> int, the index of the value in choices (-1 when absent);
 *                    STRING_LIST with choices -> uint32_t, bit i set when choice i is listed (at most
 *                    32 choices) */
#define WEE_BIND_VALUE 1u
#define WEE_BIND_CHOICE 2u

/* The option names a file the config depends on (a script): the host reloads the config when that
 * file changes, as it does for the config file itself. A relative path is taken from the config
 * file's folder. */
#define WEE_OPTF_WATCHED_FILE 0x1u
/* ABI 1.3: an empty string (or an empty element of a string list) is an error. */
#define WEE_OPTF_NONEMPTY 0x2u
/* ABI 1.3: null has a meaning worth writing ("file": null = stderr); the schema offers it. (The host
 * takes null as "not set" for every option but WEE_OPT_JSON either way.) */
#define WEE_OPTF_NULLABLE 0x4u
/* ABI 1.3: a WEE_OPT_STRING_LIST whose elements each become one argument of a program. `host validate`
 * warns where one begins with event data (a value beginning with '-' would reach the program as an
 * option); an element "--" ends the check. */
#define WEE_OPTF_ARGV 0x8u
/* ABI 1.3: when this option is given, the module hands its WEE_OPTF_ARGV list over as data that is never
 * parsed as options (pwsh's inline script gets them as $WeeArgs): no warning then. */
#define WEE_OPTF_ARGV_AS_DATA 0x10u

/* Designated-initializer helper: WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, ...) */
#define WEE_OPTION(...) { .struct_size = sizeof(wee_option_spec), __VA_ARGS__ }
#define WEE_OPTION_END { .struct_size = sizeof(wee_option_spec), .name = NULL }
/* ABI 1.3 bindings: WEE_OPTION(.name = "paths", ..., WEE_BIND(my_settings, paths)) */
#define WEE_BIND(type, field) .bind = WEE_BIND_VALUE, .offset = offsetof(type, field)
#define WEE_BIND_INDEX(type, field) .bind = WEE_BIND_CHOICE, .offset = offsetof(type, field)
#define WEE_BIND_FIELDS .bind = WEE_BIND_VALUE /* a WEE_OPT_OBJECT: bind its fields */

/* The longest duration a "*_ms" integer option may hold: 365 days. In nanoseconds it is ~3.2e16, so
 * ms * 1000000 plus a monotonic clock reading stays far from 2^63. The host enforces it on every
 * integer option whose name ends in "_ms", whatever max the module declared (0..this when the module
 * declared no range). */
#define WEE_DURATION_MS_MAX INT64_C(31536000000)

#endif
