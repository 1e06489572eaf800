/*
 * core/field_traits.h - what the loaded modules declared about their events' fields (wee_field_spec,
 * ABI 1.3), looked up by field name when rules and templates are compiled. The core itself knows no
 * module field: a condition on "path" compares paths because a loaded module declared "path" one.
 *
 * A field declared by several modules has the union of their traits and every normaliser (in load
 * order). The loader adds a module's table when it loads or reopens the library and removes it before
 * it closes it, so no normaliser is called after its library is gone.
 * Ownership: the registry copies names and aliases; normalise functions are the modules' own.
 * Threads: every function may be called from any thread (one lock).
 */
#ifndef WEE_FIELD_TRAITS_H
#define WEE_FIELD_TRAITS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "wee/fields.h"

/* Records `module`'s table (stepped by each entry's struct_size; NULL: nothing). Returns 0 or WEE_ENOMEM
 * (the registry is then unchanged). */
int field_traits_add(const char *module, const wee_field_spec *fields);
void field_traits_remove(const char *module);

/* WEE_FIELD_* declared for `field` by any loaded module; 0 when none. */
uint32_t field_traits_of(const char *field);
/* Did a loaded module declare `field` a path (WEE_FIELD_PATH)? */
int field_traits_is_path(const char *field);
/* The names of the fields any loaded module declared with any of `traits` (field_traits_of(name) &
 * traits is not 0), each once, in declaration order: one malloc'd NULL-terminated array holding the
 * names too (free it once). A snapshot taken under the lock once, for a caller that asks about many
 * fields at a time. NULL when out of memory. */
char **field_traits_names_with(uint32_t traits);
/* Does a path-like field compare case-insensitively by default on this build? (The traits asked for
 * WEE_FIELD_CASELESS_ON_WINDOWS and this is a Windows build.) */
int field_traits_caseless(uint32_t traits);
/* `text` rewritten by every normaliser declared for `field`, as a malloc'd string; NULL when no loaded
 * module declared one (use text as is) or when out of memory (*oom set). */
char *field_traits_normalise(const char *field, const char *text, int *oom);
/* Copies the field a template alias names ("EVENT_PATH" -> "path") into out and returns 1; 0 when no
 * loaded module declared the alias (or the name does not fit). */
int field_traits_alias(const char *alias, char *out, size_t out_size);
/* One line per declared field for `host modules --describe`: name, traits, alias, description. */
void field_traits_describe(const wee_field_spec *fields, FILE *out);
#endif
