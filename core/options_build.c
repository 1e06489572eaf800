/*
 * core/options_build.c - validating a config object against a module's option table into an owned tree.
 * Every problem is reported with its JSON path and what to write instead; nothing stops at the first one.
 */
#include "options_tree.h"
#include <inttypes.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "util/double_int.h"

/* Nested JSON option values are walked recursively with a path buffer per level: bound the depth. */
#define OPTIONS_MAX_DEPTH 64
#define OPTIONS_PATH_SIZE 512

void *options_calloc(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }

const wee_option_spec *options_spec_next(const wee_option_spec *spec, const wee_option_spec *cur)
{
    return wee_spec_next(spec, cur);
}

int options_spec_is_1_3(const wee_option_spec *s) { return s && s->struct_size >= WEE_OPTION_SPEC_SIZE_1_3; }

const char *options_spec_expect(const wee_option_spec *s) { return options_spec_is_1_3(s) ? s->expect : NULL; }

uint32_t options_spec_flags(const wee_option_spec *s)
{
    /* Tables built against ABI 1.0 end before `flags`; the 1.3 bits mean nothing to older tables. */
    if (s->struct_size < offsetof(wee_option_spec, flags) + sizeof s->flags) return 0;
    return options_spec_is_1_3(s) ? s->flags : s->flags & WEE_OPTF_WATCHED_FILE;
}

const wee_option_spec *options_spec_fields(const wee_option_spec *s)
{
    if (!s || s->struct_size < offsetof(wee_option_spec, fields) + sizeof s->fields) return NULL;
    return s->fields;
}

typedef struct build_ctx {
    options_tree *tree;
    int templated;
    int host_style; /* a section of the host's own config: its wording ("unknown key", "integer lo..hi") */
    int depth;      /* nested object tables: a table that contains itself must not recurse for ever */
    diag_list *d;
} build_ctx;

static options_tree *build_tree(const wee_option_spec *spec, const cJSON *obj, const char *json_path,
                                const char *const *own_keys, int templated, int host_style, int depth,
                                diag_list *d);

/* Out of memory is one more error at path: the tree is then freed and the config refused. */
static void *build_calloc(build_ctx *b, const char *path, size_t n, size_t size)
{
    void *p = options_calloc(n, size);
    if (!p) diag_add(b->d, path, "out of memory loading the options");
    return p;
}

/* count children for n (items zeroed, n->count set); 0, or -1 when out of memory (reported at path). */
static int build_items(build_ctx *b, opt_node *n, size_t count, const char *path)
{
    if (!(n->items = build_calloc(b, path, count, sizeof *n->items))) return -1;
    n->count = count;
    return 0;
}

static char *build_strdup(build_ctx *b, const char *path, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = build_calloc(b, path, n, 1);
    if (p) memcpy(p, s, n);
    return p;
}

static void node_free(opt_node *n)
{
    free(n->key);
    free(n->text);
    free(n->literal);
    template_free(n->tpl);
    for (size_t i = 0; i < n->count; i++) node_free(&n->items[i]);
    free(n->items);
    options_tree_free(n->sub);
}

static void set_string(build_ctx *b, opt_node *n, const char *text, const char *path)
{
    n->kind = NODE_STRING;
    n->text = build_strdup(b, path, text);
    if (!n->text || !b->templated) return;
    char err[256];
    template *t = template_compile(text, err, sizeof err);
    if (!t) {
        diag_add(b->d, path, "bad template: %s", err);
        return;
    }
    if (!template_is_literal(t)) {
        n->tpl = t;
        n->slot = b->tree->template_count++;
        return;
    }
    /* Only "{{{{" escapes make the rendering differ from the text; otherwise every view shares the text. */
    strbuf sb = STRBUF_INIT;
    template_render(t, NULL, &sb);
    if (strbuf_failed(&sb)) diag_add(b->d, path, "out of memory loading the options");
    else if (strcmp(strbuf_cstr(&sb), text) != 0 && !(n->literal = strbuf_detach(&sb)))
        diag_add(b->d, path, "out of memory loading the options");
    strbuf_free(&sb);
    template_free(t);
}

/* Any JSON value, strings inside compiled as templates (WEE_OPT_JSON). */
static void set_json(build_ctx *b, opt_node *n, const cJSON *j, const char *path, int depth)
{
    if (depth > OPTIONS_MAX_DEPTH) {
        diag_add(b->d, path, "nested more than %d levels deep; flatten this value", OPTIONS_MAX_DEPTH);
        return;
    }
    if (cJSON_IsString(j)) { set_string(b, n, j->valuestring, path); return; }
    if (cJSON_IsBool(j)) { n->kind = NODE_BOOL; n->integer = cJSON_IsTrue(j); return; }
    if (cJSON_IsNumber(j)) { n->kind = NODE_NUMBER; n->number = j->valuedouble; return; }
    if (!cJSON_IsArray(j) && !cJSON_IsObject(j)) { n->kind = NODE_NULL; return; }
    n->kind = cJSON_IsArray(j) ? NODE_ARRAY : NODE_OBJECT;
    if (build_items(b, n, (size_t)cJSON_GetArraySize(j), path) != 0) return;
    char sub[OPTIONS_PATH_SIZE];
    size_t i = 0;
    for (const cJSON *c = j->child; c; c = c->next, i++) {
        if (n->kind == NODE_OBJECT) {
            if (!(n->items[i].key = build_strdup(b, path, c->string))) return;
            diag_path_key(sub, sizeof sub, path, c->string);
        } else {
            diag_path_index(sub, sizeof sub, path, i);
        }
        set_json(b, &n->items[i], c, sub, depth + 1);
    }
}

static int choice_allowed(const char *choices, const char *value) { return wee_choice_index(choices, value) >= 0; }

int options_int_range(const wee_option_spec *s, int64_t *min, int64_t *max)
{
    int ranged = s->min <= s->max;
    *min = ranged ? s->min : INT64_MIN;
    *max = ranged ? s->max : INT64_MAX;
    size_t n = s->name ? strlen(s->name) : 0;
    if (n >= 3 && strcmp(s->name + n - 3, "_ms") == 0) {
        /* Durations become nanoseconds and deadlines in the modules: an unbounded one wraps. */
        if (!ranged) *min = 0;
        if (*min < -WEE_DURATION_MS_MAX) *min = -WEE_DURATION_MS_MAX;
        if (*max > WEE_DURATION_MS_MAX) *max = WEE_DURATION_MS_MAX;
        return 1;
    }
    return ranged;
}

static void check_int(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128];
    int64_t v, lo, hi;
    int ranged = options_int_range(s, &lo, &hi);
    const char *unit = hi == WEE_DURATION_MS_MAX ? " (365 days)" : "";
    int integral = cJSON_IsNumber(j) && double_to_int64(j->valuedouble, &v);
    if (b->host_style && ranged && (!integral || v < lo || v > hi)) {
        diag_int_range(b->d, path, lo, hi, j); /* the rest of the host's config words it so: the whole range */
        return;
    }
    if (!integral) {
        diag_describe_json(j, seen, sizeof seen);
        if (ranged && lo != INT64_MIN)
            diag_add(b->d, path, "expected integer >= %" PRId64 ", got %s", lo, seen);
        else if (ranged && hi != INT64_MAX)
            diag_add(b->d, path, "expected integer <= %" PRId64 ", got %s", hi, seen);
        else
            diag_add(b->d, path, "expected integer, got %s", seen);
        return;
    }
    if (ranged && v < lo) {
        diag_add(b->d, path, "expected integer >= %" PRId64 ", got %" PRId64, lo, v);
        return;
    }
    if (ranged && v > hi) {
        diag_add(b->d, path, "expected integer <= %" PRId64 "%s, got %" PRId64, hi, unit, v);
        return;
    }
    n->kind = NODE_INT;
    n->integer = v;
}

/* One string value (an option, or an element of a list): type, non-empty, choices. `choices` is NULL
 * where they do not apply (a list element of a table older than ABI 1.3). Choices are checked on the
 * text as written, templated or not: create() reads that text, so a template where a fixed choice is
 * expected ("level": "{{x}}") could never be valid. */
static int string_ok(build_ctx *b, const wee_option_spec *s, const char *choices, const cJSON *j, const char *path)
{
    char seen[128];
    int empty = cJSON_IsString(j) && !j->valuestring[0] && (options_spec_flags(s) & WEE_OPTF_NONEMPTY);
    if (cJSON_IsString(j) && !empty && (!choices || choice_allowed(choices, j->valuestring))) return 1;
    diag_describe_json(j, seen, sizeof seen);
    if (choices) diag_add(b->d, path, "expected one of %s, got %s", choices, seen);
    else if (options_spec_expect(s)) diag_add(b->d, path, "expected %s, got %s", options_spec_expect(s), seen);
    else diag_add(b->d, path, "expected %sstring, got %s", empty ? "non-empty " : "", seen);
    return 0;
}

static void check_string(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    if (string_ok(b, s, s->choices, j, path)) set_string(b, n, j->valuestring, path);
}

static void check_list(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128], sub[OPTIONS_PATH_SIZE];
    /* Choices for list elements came with ABI 1.3: an older table's choices were never checked there. */
    const char *choices = options_spec_is_1_3(s) ? s->choices : NULL;
    n->kind = NODE_ARRAY;
    if (cJSON_IsString(j)) {
        if (build_items(b, n, 1, path) != 0) return;
        if (string_ok(b, s, choices, j, path)) set_string(b, &n->items[0], j->valuestring, path);
        return;
    }
    if (!cJSON_IsArray(j)) {
        diag_describe_json(j, seen, sizeof seen);
        diag_add(b->d, path, "expected array of strings (or one string), got %s", seen);
        return;
    }
    if (build_items(b, n, (size_t)cJSON_GetArraySize(j), path) != 0) return;
    size_t i = 0;
    for (const cJSON *c = j->child; c; c = c->next, i++) {
        diag_path_index(sub, sizeof sub, path, i);
        if (string_ok(b, s, choices, c, sub)) set_string(b, &n->items[i], c->valuestring, sub);
    }
}

static void check_map(build_ctx *b, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128], sub[OPTIONS_PATH_SIZE];
    n->kind = NODE_OBJECT;
    if (!cJSON_IsObject(j)) {
        diag_describe_json(j, seen, sizeof seen);
        diag_add(b->d, path, "expected object with string values, got %s", seen);
        return;
    }
    if (build_items(b, n, (size_t)cJSON_GetArraySize(j), path) != 0) return;
    size_t i = 0;
    for (const cJSON *c = j->child; c; c = c->next, i++) {
        diag_path_key(sub, sizeof sub, path, c->string);
        if (!(n->items[i].key = build_strdup(b, sub, c->string))) return;
        if (cJSON_IsString(c)) {
            set_string(b, &n->items[i], c->valuestring, sub);
        } else {
            diag_describe_json(c, seen, sizeof seen);
            diag_add(b->d, sub, "expected string, got %s", seen);
        }
    }
}

/* Each object is validated against the item table into its own tree, so a module reads it with the
 * same accessors as its top-level options. */
static void check_object_list(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128], sub[OPTIONS_PATH_SIZE];
    n->kind = NODE_ARRAY;
    if (!cJSON_IsArray(j)) {
        diag_describe_json(j, seen, sizeof seen);
        diag_add(b->d, path, "expected array of objects, got %s", seen);
        return;
    }
    if (build_items(b, n, (size_t)cJSON_GetArraySize(j), path) != 0) return;
    size_t i = 0;
    for (const cJSON *c = j->child; c; c = c->next, i++) {
        diag_path_index(sub, sizeof sub, path, i);
        n->items[i].kind = NODE_OBJECT;
        if (!cJSON_IsObject(c)) {
            diag_describe_json(c, seen, sizeof seen);
            diag_add(b->d, sub, "expected object, got %s", seen);
            continue;
        }
        n->items[i].sub = build_tree(options_spec_fields(s), c, sub, NULL, b->templated, b->host_style, b->depth + 1, b->d);
    }
}

/* A nested section (ABI 1.3): its own tree, read with opt_object_at(opts, name, 0) or bound. Absent, it
 * is built from nothing, so its fields' defaults are there all the same. */
static void check_object(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128];
    n->kind = NODE_OBJECT;
    if (j && !cJSON_IsObject(j)) {
        diag_describe_json(j, seen, sizeof seen);
        diag_add(b->d, path, "expected object, got %s", seen);
        return;
    }
    n->sub = build_tree(options_spec_fields(s), j, path, NULL, b->templated, b->host_style, b->depth + 1, b->d);
}

static void check_value(build_ctx *b, const wee_option_spec *s, opt_node *n, const cJSON *j, const char *path)
{
    char seen[128];
    switch (s->type) {
    case WEE_OPT_STRING: check_string(b, s, n, j, path); break;
    case WEE_OPT_INT: check_int(b, s, n, j, path); break;
    case WEE_OPT_BOOL:
        if (cJSON_IsBool(j)) {
            n->kind = NODE_BOOL;
            n->integer = cJSON_IsTrue(j);
        } else {
            diag_describe_json(j, seen, sizeof seen);
            diag_add(b->d, path, "expected true or false, got %s", seen);
        }
        break;
    case WEE_OPT_STRING_LIST: check_list(b, s, n, j, path); break;
    case WEE_OPT_STRING_MAP: check_map(b, n, j, path); break;
    case WEE_OPT_JSON: set_json(b, n, j, path, 0); break;
    case WEE_OPT_OBJECT_LIST: check_object_list(b, s, n, j, path); break;
    case WEE_OPT_OBJECT:
        /* type 8 in an older table is as unknown as it was then */
        if (options_spec_is_1_3(s)) check_object(b, s, n, j, path);
        else diag_add(b->d, path, "the module declares this option with unknown type %d", (int)s->type);
        break;
    default: diag_add(b->d, path, "the module declares this option with unknown type %d", (int)s->type); break;
    }
}

/* A default is the module's promise, but a wrong one must still not reach create() unchecked. */
static void apply_default(build_ctx *b, const wee_option_spec *s, opt_node *n, const char *path)
{
    cJSON *j = cJSON_Parse(s->default_value);
    if (!j) {
        diag_add(b->d, path, "the module's default value %s is not valid JSON (a module bug)", s->default_value);
        return;
    }
    diag_list local = DIAG_INIT;
    diag_list *outer = b->d;
    b->d = &local;
    check_value(b, s, n, j, path);
    b->d = outer;
    for (size_t i = 0; i < local.count; i++)
        diag_add(outer, local.items[i].path, "the module's default value is invalid (a module bug): %s",
                 local.items[i].message);
    diag_free(&local);
    cJSON_Delete(j);
}

static int is_own_key(const char *const *own_keys, const char *key)
{
    for (size_t i = 0; own_keys && own_keys[i]; i++)
        if (strcmp(own_keys[i], key) == 0) return 1;
    return 0;
}

static const wee_option_spec *find_spec(const wee_option_spec *spec, const char *name)
{
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s))
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}

/* The config names the module under a host key ("module" for sources, "action" for actions). */
static const char *module_name_of(const cJSON *obj, const char *const *own_keys)
{
    static const char *const keys[] = { "module", "action" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, keys[i]);
        if (cJSON_IsString(m) && is_own_key(own_keys, keys[i])) return m->valuestring;
    }
    return NULL;
}

static void report_unknown(diag_list *d, const wee_option_spec *spec, const cJSON *obj,
                           const char *const *own_keys, int host_style, const char *path)
{
    strbuf known = STRBUF_INIT;
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        if (known.len) strbuf_puts(&known, ", ");
        strbuf_puts(&known, s->name);
    }
    const char *module = module_name_of(obj, own_keys);
    if (host_style) diag_add(d, path, "unknown key (allowed here: %s)", known.len ? known.data : "none");
    else if (module && known.len) diag_add(d, path, "unknown option (module \"%s\" has: %s)", module, known.data);
    else if (module) diag_add(d, path, "unknown option (module \"%s\" has no options)", module);
    else if (known.len) diag_add(d, path, "unknown option (known options: %s)", known.data);
    else diag_add(d, path, "unknown option (this module has no options)");
    strbuf_free(&known);
}

static void check_keys(diag_list *d, const wee_option_spec *spec, const cJSON *obj, const char *const *own_keys,
                       int host_style, const char *json_path)
{
    char path[OPTIONS_PATH_SIZE];
    for (const cJSON *c = obj->child; c; c = c->next) {
        diag_path_key(path, sizeof path, json_path, c->string);
        for (const cJSON *e = obj->child; e != c; e = e->next) {
            if (strcmp(e->string, c->string) == 0) {
                diag_add(d, path, "given twice; keep one");
                break;
            }
        }
        if (!is_own_key(own_keys, c->string) && !find_spec(spec, c->string))
            report_unknown(d, spec, obj, own_keys, host_style, path);
    }
}

options_tree *options_build(const wee_option_spec *spec, const void *obj, const char *json_path,
                            const char *const *own_keys, int templated, diag_list *d)
{
    return build_tree(spec, obj, json_path, own_keys, templated, 0, 0, d);
}

options_tree *options_build_section(const wee_option_spec *spec, const void *obj, const char *json_path,
                                    diag_list *d)
{
    return build_tree(spec, obj, json_path, NULL, 0, 1, 0, d);
}

static options_tree *build_tree(const wee_option_spec *spec, const cJSON *obj, const char *json_path,
                                const char *const *own_keys, int templated, int host_style, int depth,
                                diag_list *d)
{
    diag_list fallback = DIAG_INIT;
    if (!d) d = &fallback;
    if (!json_path) json_path = "";
    if (depth > OPTIONS_MAX_DEPTH) {
        diag_add(d, json_path, "option tables nested more than %d levels deep (a module bug: a table that contains "
                               "itself)", OPTIONS_MAX_DEPTH);
        diag_free(&fallback);
        return NULL;
    }
    size_t errors_before = d->count;
    char seen[128], path[OPTIONS_PATH_SIZE];
    if (obj && !cJSON_IsObject(obj)) {
        diag_describe_json(obj, seen, sizeof seen);
        diag_add(d, json_path, "expected an object of options, got %s", seen);
        diag_free(&fallback);
        return NULL;
    }
    options_tree *tree = options_calloc(1, sizeof *tree);
    size_t spec_count = 0;
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) spec_count++;
    if (tree) tree->entries = options_calloc(spec_count, sizeof *tree->entries);
    if (!tree || !tree->entries) {
        diag_add(d, json_path, "out of memory loading the options");
        free(tree);
        diag_free(&fallback);
        return NULL;
    }
    tree->static_view.tree = tree;
    if (obj) check_keys(d, spec, obj, own_keys, host_style, json_path);
    build_ctx b = { tree, templated, host_style, depth, d };
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        const cJSON *j = obj ? cJSON_GetObjectItemCaseSensitive(obj, s->name) : NULL;
        /* null means "not set" (use the default) except where any JSON value is meaningful. */
        if (cJSON_IsNull(j) && s->type != WEE_OPT_JSON) j = NULL;
        diag_path_key(path, sizeof path, json_path, s->name);
        opt_entry *e = &tree->entries[tree->count];
        size_t errors_here = d->count;
        if (j) check_value(&b, s, &e->value, j, path);
        else if (s->type == WEE_OPT_OBJECT && options_spec_is_1_3(s) && !s->required) check_object(&b, s, &e->value, NULL, path);
        else if (s->required) { diag_add(d, path, "required option missing"); continue; }
        else if (s->default_value) apply_default(&b, s, &e->value, path);
        else continue;
        if (host_style && d->count > errors_here && s->type != WEE_OPT_OBJECT) {
            /* A section keeps its valid values (below): this one takes its default, as if absent. */
            node_free(&e->value);
            memset(&e->value, 0, sizeof e->value);
            if (!s->default_value) continue;
            diag_list ignored = DIAG_INIT;
            b.d = &ignored;
            apply_default(&b, s, &e->value, path);
            b.d = d;
            diag_free(&ignored);
        }
        if (!(e->name = build_strdup(&b, path, s->name))) {
            node_free(&e->value); /* a tree's entries always have their names */
            break;
        }
        tree->count++;
    }
    int failed = d->count > errors_before;
    diag_free(&fallback);
    /* A host section with errors is still returned, without the invalid values, so the checks its
     * owner makes after binding (a listen address, a pipe name) run on the valid ones and the file's
     * every error is reported at once; the errors in `d` keep the config from running. */
    if (failed && !host_style) {
        options_tree_free(tree);
        return NULL;
    }
    return tree;
}

void options_tree_free(options_tree *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) {
        free(t->entries[i].name);
        node_free(&t->entries[i].value);
    }
    free(t->entries);
    free(t);
}

int options_has_templates(const options_tree *t) { return t && t->template_count > 0; }
