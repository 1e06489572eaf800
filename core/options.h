/*
 * core/options.h - module options: validated against a module's wee_option_spec table, defaults filled,
 * and (for actions) every string compiled as a template and rendered per call.
 *
 * struct wee_options (the ABI's opaque handle) is a *view*: a tree plus, for an action call, a render
 * context and an arena that owns the strings rendered during that call.
 * Ownership: options_build returns a tree the caller frees (options_tree_free). options_view_* views are
 * owned by their creator; strings read from a rendering view live until options_view_free.
 * The accessor functions have the exact wee_host_api signatures.
 */
#ifndef WEE_OPTIONS_INTERNAL_H
#define WEE_OPTIONS_INTERNAL_H
#include <stddef.h>
#include "wee/options.h"
#include "wee/bind.h"
#include "template.h"
#include "util/diag.h"

typedef struct options_tree options_tree;

/* Validate `obj` (a cJSON object, passed as void* to keep cJSON out of this header) against `spec`.
 * Keys in `own_keys` (NULL-terminated; e.g. "id", "module", "action", "on_error") belong to the host and
 * are skipped. Unknown keys, wrong types, out-of-range ints, bad choices, missing required keys and
 * (templated) template syntax errors are all reported to `d` under `json_path`. Returns NULL when any
 * error was reported. */
options_tree *options_build(const wee_option_spec *spec, const void *obj, const char *json_path,
                            const char *const *own_keys, int templated, diag_list *d);
/* A section of the host's own config (engine.*) described by a table of the same kind: validated like
 * module options, untemplated, worded like the rest of the host's config ("unknown key (allowed here:
 * ...)", "expected integer lo..hi"). Bind it as modules bind theirs: wee_opt_bind(host_api_get(), view,
 * spec, &settings). Unlike options_build, the tree comes back even when errors were reported (their
 * values replaced by the defaults), so checks made after binding still run and every error is reported at once; the
 * caller tells failure by the errors added to `d`. */
options_tree *options_build_section(const wee_option_spec *spec, const void *obj, const char *json_path,
                                    diag_list *d);
void options_tree_free(options_tree *t);

/* The static view (unrendered text) for create(). Lives inside the tree. */
const wee_options *options_static_view(const options_tree *t);
/* A view that renders templates against ctx on access. */
wee_options *options_view_render(const options_tree *t, const render_ctx *ctx);
void options_view_free(wee_options *v);
/* Is any string in this tree a non-literal template? (lets a caller skip rendering) */
int options_has_templates(const options_tree *t);

/* wee_host_api accessors */
int options_has(const wee_options *o, const char *name);
const char *options_string(const wee_options *o, const char *name);
int64_t options_int(const wee_options *o, const char *name);
int options_bool(const wee_options *o, const char *name);
size_t options_list_count(const wee_options *o, const char *name);
const char *options_list_at(const wee_options *o, const char *name, size_t i);
size_t options_map_count(const wee_options *o, const char *name);
const char *options_map_key(const wee_options *o, const char *name, size_t i);
const char *options_map_value(const wee_options *o, const char *name, size_t i);
char *options_json(const wee_options *o, const char *name); /* caller frees with free() */

/* Prints a module's option table for `host modules --describe` (name, type, default, required,
 * description), one option per line. */
void options_describe(const wee_option_spec *spec, void *file /* FILE* */);
/* "string", "integer", "boolean", "list of strings", ... as options_describe names a type. */
const char *options_type_name(wee_option_type type);
/* Options flagged WEE_OPTF_WATCHED_FILE: a relative literal path becomes <config file's folder>/path
 * (options_files.c); options_watched_files lists their values (pointers into the tree). */
/* 0, or WEE_ENOMEM (the tree is then as it was). */
int options_resolve_files(options_tree *t, const wee_option_spec *spec, const char *config_file);
size_t options_watched_files(const options_tree *t, const wee_option_spec *spec, const char **out, size_t max);
/* The integer range the host enforces for an option: the module's min/max, narrowed for a duration
 * (a name ending in "_ms") to at most WEE_DURATION_MS_MAX (0..WEE_DURATION_MS_MAX when the module
 * gave no range). 0 when the option is not ranged at all. Used by validation, --describe and the
 * schema, so all three say the same. */
int options_int_range(const wee_option_spec *s, int64_t *min, int64_t *max);
/* Steps through a module's spec array honouring its struct_size stride; NULL at the end. */
const wee_option_spec *options_spec_next(const wee_option_spec *spec, const wee_option_spec *cur);
/* Does the entry carry the ABI 1.3 fields (expect, bind, offset; list choices, the 1.3 flags)? */
int options_spec_is_1_3(const wee_option_spec *s);
/* The entry's `expect` text (NULL before 1.3) and flags (0 before 1.1; only 1.1's before 1.3). */
const char *options_spec_expect(const wee_option_spec *s);
uint32_t options_spec_flags(const wee_option_spec *s);
/* A WEE_OPT_OBJECT_LIST entry's item table; NULL when the spec predates ABI 1.2 or gives none. */
const wee_option_spec *options_spec_fields(const wee_option_spec *s);
/* WEE_OPT_OBJECT_LIST accessors (wee_host_api 1.2): the i-th object's static view. */
size_t options_object_count(const wee_options *o, const char *name);
const wee_options *options_object_at(const wee_options *o, const char *name, size_t i);
#endif
