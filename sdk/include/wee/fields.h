/*
 * wee/fields.h - ABI 1.3: how a module declares the fields its events carry, with the traits the host
 * needs to compare them in rule conditions and to name them in templates.
 *
 * A source lists its fields once, in a static array of wee_field_spec ending with an entry whose name is
 * NULL (wee_module_desc.fields). The host knows nothing about a module's fields beyond what it declares
 * here: a condition on "path" is a path comparison only because the file module says so.
 *
 * Traits are looked up by field name over every loaded module, so two modules that emit a field of the
 * same name should mean the same kind of value by it (both file and process events' "exe" is a path).
 *
 * Ownership: the array, its strings and its normalise function are static in the module and must
 * outlive the loaded module; the host stops using them before it unloads the library.
 */
#ifndef WEE_FIELDS_H
#define WEE_FIELDS_H

#include <stddef.h>
#include "abi.h"

/* The value is a path: in globs '*' and '?' stop at a separator and '**' crosses them; on Windows
 * builds '\\' and '/' are the same separator. */
#define WEE_FIELD_PATH 0x1u
/* On Windows builds string tests on the field ignore ASCII case (a rule can still say
 * "case_insensitive": false). Elsewhere case counts. */
#define WEE_FIELD_CASELESS_ON_WINDOWS 0x2u
/* The path the event is about (the file source's `path`): a batch's `batch.paths` lists each collected
 * event's. At most one field of an event should carry it. */
#define WEE_FIELD_SUBJECT 0x4u

/* Rewrites a literal a rule compares the field with into the spelling the module's events carry
 * ("HKEY_CURRENT_USER\\Software" -> "HKCU\\Software"), so a rule may use any accepted spelling.
 * Writes the result (always, even when unchanged) like snprintf: at most out_size bytes including the
 * terminating NUL, and returns the length of the whole result; the host calls again with a larger
 * buffer when that is >= out_size. Called at config load, from any thread, never concurrently with
 * module_shutdown. */
typedef size_t (*wee_field_normalise_fn)(const char *text, char *out, size_t out_size);

typedef struct wee_field_spec {
    uint32_t struct_size;              /* sizeof(wee_field_spec); the host steps the array by this stride */
    const char *name;                  /* "path"; NULL terminates the array */
    uint32_t traits;                   /* WEE_FIELD_* */
    wee_field_normalise_fn normalise;  /* NULL: literals are compared as written */
    const char *alias;                 /* another name templates accept ("EVENT_PATH"), or NULL */
    const char *description;           /* one line for docs and `host modules --describe` */
    /* --- new members go below this line only --- */
} wee_field_spec;

/* Designated-initializer helpers, like WEE_OPTION. */
#define WEE_FIELD(...) { .struct_size = sizeof(wee_field_spec), __VA_ARGS__ }
#define WEE_FIELD_END { .struct_size = sizeof(wee_field_spec), .name = NULL }

#endif
