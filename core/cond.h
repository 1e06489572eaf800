/*
 * core/cond.h - compiled rule conditions.
 *
 * JSON forms (inside a rule's "when"):
 *   "match": { "<field>": <test>, ... }          all listed fields must pass (implicit all)
 *   <test> is a bare string/number/bool (= equals) or an object with exactly one operator:
 *     {"equals": v} {"glob": "*.exe"} {"regex": "^a.*$"} {"contains": s} {"starts_with": s}
 *     {"ends_with": s} {"in": [v, ...]} {"gt": n} {"gte": n} {"lt": n} {"lte": n}
 *   and may add {"case_insensitive": true}. Fields a loaded module declared as paths (WEE_FIELD_PATH)
 *   use path globs; on Windows builds string tests on fields declared WEE_FIELD_CASELESS_ON_WINDOWS are
 *   case-insensitive by default; literals go through the field's normaliser (field_traits.h).
 *   Composites: {"all": [cond, ...]} {"any": [cond, ...]} {"not": cond} where cond is {"match": {...}}
 *   or another composite.
 * Regexes are PCRE2, JIT-compiled once; match data is per thread.
 * Ownership: cond_compile returns a tree the caller frees with cond_free. Evaluation is read-only and
 * thread-safe.
 */
#ifndef WEE_COND_H
#define WEE_COND_H
#include <stddef.h>
#include "wee/event.h"
#include "util/diag.h"

typedef struct cond cond;

/* json: the cJSON value of "match" (kind "match") or of a composite; path: its JSON path.
 * Returns NULL and reports to d on any error. */
cond *cond_compile_match(const void *match_obj, const char *json_path, diag_list *d);
cond *cond_compile(const void *cond_obj, const char *json_path, diag_list *d); /* {"match":..}|{"all":..}|... */
void cond_free(cond *c);
int cond_eval(const cond *c, const wee_event *ev);
/* Like cond_eval, but on failure writes why into why ("name: \"a.txt\" does not match glob \"*.exe\""). */
int cond_explain(const cond *c, const wee_event *ev, char *why, size_t why_size);
#endif
