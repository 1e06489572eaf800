/*
 * core/config_include.c - rule files included into the config; see config_include.h.
 */
#include "config_include.h"
#include "config_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/path_name.h"
#include "util/strbuf.h"
#include "wee/errors.h"

/* One array per level, as in config.c. */
static const char *const file_keys[] = { "$schema", "version", "sources", "rules", NULL };

static int same_file(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return 1;
    char ra[1024], rb[1024];
    return plat_realpath(a, ra, sizeof ra) == 0 && plat_realpath(b, rb, sizeof rb) == 0 && strcmp(ra, rb) == 0;
}

/* The errors from index from on are in file. */
static void name_file(diag_list *d, size_t from, const char *file)
{
    for (size_t i = from; i < d->count; i++)
        if (!d->items[i].file) diag_relocate(d, i, file, NULL);
}

/* Moves the items of doc[key] to the end of root[key]; records where they went. */
static void append(cJSON *root, cJSON *doc, const char *key, size_t *start, size_t *count, diag_list *d)
{
    cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!items) return;
    if (!cJSON_IsArray(items)) {
        char seen[128];
        diag_describe_json(items, seen, sizeof seen);
        diag_add(d, key, "expected array of %s objects, got %s", strcmp(key, "rules") == 0 ? "rule" : "source", seen);
        return;
    }
    cJSON *dst = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!dst) dst = cJSON_AddArrayToObject(root, key);
    if (!cJSON_IsArray(dst)) return; /* the config's own "rules"/"sources" is wrong: reported by its loader */
    *start = (size_t)cJSON_GetArraySize(dst);
    while (items->child) {
        cJSON_AddItemToArray(dst, cJSON_DetachItemViaPointer(items, items->child));
        (*count)++;
    }
}

static void load_one(config_include *f, cJSON *root, const char *override_file, const char *override_text,
                     int required, const char *where, diag_list *d)
{
    char *text = NULL;
    size_t len = 0;
    const char *src = NULL;
    if (override_file && strcmp(override_file, f->file) == 0) {
        src = override_text ? override_text : "";
    } else {
        if (!required && !plat_path_exists(f->file)) return; /* the console has not saved a rule yet */
        int rc = plat_read_file(f->file, &text, &len);
        if (rc != 0) {
            diag_add(d, where, "cannot read the included rule file %s: %s; create it or take it out of the list",
                     f->file, wee_strerror(rc));
            return;
        }
        if (strlen(text) != len) {
            diag_add(d, where, "the included rule file %s contains a NUL byte; save it as UTF-8 text", f->file);
            free(text);
            return;
        }
        src = text;
    }
    f->exists = 1;
    size_t from = d->count;
    if ((unsigned char)src[0] == 0xEF && (unsigned char)src[1] == 0xBB && (unsigned char)src[2] == 0xBF) src += 3;
    const char *stop = NULL;
    cJSON *doc = cJSON_ParseWithOpts(src, &stop, 1);
    char seen[128];
    if (!doc) {
        config_report_syntax(src, stop, d);
    } else if (!cJSON_IsObject(doc)) {
        diag_describe_json(doc, seen, sizeof seen);
        diag_add(d, "", "expected a JSON object ({\"sources\": [...], \"rules\": [...]}), got %s", seen);
    } else {
        config_check_keys(doc, "", file_keys, d);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
        if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1.0)) {
            diag_describe_json(v, seen, sizeof seen);
            diag_add(d, "version", "expected 1 (or no \"version\"), got %s", seen);
        }
        append(root, doc, "sources", &f->source_start, &f->source_count, d);
        append(root, doc, "rules", &f->rule_start, &f->rule_count, d);
    }
    name_file(d, from, f->file);
    cJSON_Delete(doc);
    free(text);
}

/* Adds file (owned) unless it is already there; returns the entry or NULL for a repeat. */
static config_include *add(config_includes *inc, char *file, size_t *repeat_of)
{
    for (size_t i = 0; i < inc->count; i++) {
        if (same_file(inc->items[i].file, file)) {
            free(file);
            *repeat_of = i;
            return NULL;
        }
    }
    config_include *f = &inc->items[inc->count++];
    f->file = file;
    return f;
}

/* Called for each rule file a config names, in order: the "include" list, then the console's file.
 * where: the JSON path of the name; file: the name resolved (path_config_join), handed over, NULL when out of
 * memory. */
typedef void (*named_file_fn)(void *ctx, const char *where, const char *name, char *file, int console);

/* The one walk over the rule files root names (config_includes_merge, config_include_files). An "include"
 * that is not a list of names is reported in d (when not NULL) and its wrong entries skipped; a wrong
 * engine.console.rules_file is reported by the engine's option table (config_engine.c) and names no file. */
static void walk_named_files(const char *config_file, const cJSON *root, diag_list *d, named_file_fn fn, void *ctx)
{
    char item[CONFIG_PATH_SIZE], seen[128];
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "include");
    if (list && !cJSON_IsArray(list) && d) {
        diag_describe_json(list, seen, sizeof seen);
        diag_add(d, "include", "expected array of rule file names (e.g. [\"more-rules.json\"]), got %s", seen);
    }
    size_t i = 0;
    for (const cJSON *h = cJSON_IsArray(list) ? list->child : NULL; h; h = h->next, i++) {
        diag_path_index(item, sizeof item, "include", i);
        if (!cJSON_IsString(h) || !h->valuestring[0]) {
            if (d) {
                diag_describe_json(h, seen, sizeof seen);
                diag_add(d, item, "expected a rule file name (relative to this config's folder), got %s", seen);
            }
            continue;
        }
        fn(ctx, item, h->valuestring, path_config_join(config_file, h->valuestring), 0);
    }

    const cJSON *console = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "engine"), "console");
    if (!cJSON_IsObject(console)) return;
    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(console, "rules_file");
    const char *name = CONFIG_CONSOLE_RULES_DEFAULT;
    if (cJSON_IsString(rf) && rf->valuestring[0]) name = rf->valuestring;
    else if (rf && !cJSON_IsNull(rf)) return; /* not a name */
    fn(ctx, "engine.console.rules_file", name, path_config_join(config_file, name), 1);
}

typedef struct merge_ctx {
    const char *config_file, *override_file, *override_text;
    cJSON *root;
    config_includes *inc;
    diag_list *d;
} merge_ctx;

static void merge_named_file(void *ctx, const char *where, const char *name, char *file, int console)
{
    merge_ctx *m = ctx;
    size_t repeat = 0;
    if (!file) {
        diag_add(m->d, where, "out of memory loading the config; the running config (if any) is kept");
        return;
    }
    if (same_file(file, m->config_file)) {
        if (console)
            diag_add(m->d, where, "names this config file itself; the console writes a file of its own (e.g. \"%s\")",
                     CONFIG_CONSOLE_RULES_DEFAULT);
        else
            diag_add(m->d, where, "names this config file itself; list other files");
        free(file);
        return;
    }
    config_include *f = add(m->inc, file, &repeat);
    if (!console) {
        if (!f) diag_add(m->d, where, "\"%s\" is listed twice; remove one", name);
        else load_one(f, m->root, m->override_file, m->override_text, 1, where, m->d);
        return;
    }
    if (f) load_one(f, m->root, m->override_file, m->override_text, 0, where, m->d);
    else f = &m->inc->items[repeat]; /* also in "include": read once, and still the console's */
    f->console = 1;
}

void config_includes_merge(const char *config_file, cJSON *root, const char *override_file,
                           const char *override_text, config_includes *inc, diag_list *d)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "include");
    size_t listed = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
    inc->count = 0;
    inc->items = calloc(listed + 1, sizeof *inc->items); /* every listed name and the console's file */
    if (!inc->items) {
        diag_add(d, "include", "out of memory loading the config; the running config (if any) is kept");
        return;
    }
    merge_ctx m = { config_file, override_file, override_text, root, inc, d };
    walk_named_files(config_file, root, d, merge_named_file, &m);
}

/* "rules[12].do[0]" -> key "rules", index 12, rest ".do[0]". */
static int split_path(const char *path, const char **key_end, size_t *index, const char **rest)
{
    const char *b = strchr(path, '[');
    if (!b) return 0;
    size_t klen = (size_t)(b - path);
    if (!((klen == 5 && strncmp(path, "rules", 5) == 0) || (klen == 7 && strncmp(path, "sources", 7) == 0))) return 0;
    char *end = NULL;
    unsigned long n = strtoul(b + 1, &end, 10);
    if (!end || *end != ']') return 0;
    *key_end = b;
    *index = (size_t)n;
    *rest = end + 1;
    return 1;
}

void config_includes_attribute(const config_includes *inc, diag_list *d, size_t from)
{
    for (size_t k = from; k < d->count; k++) {
        diag_item *it = &d->items[k];
        const char *key_end, *rest;
        size_t n;
        if (it->file || !it->path || !split_path(it->path, &key_end, &n, &rest)) continue;
        int rules = key_end - it->path == 5;
        for (size_t i = 0; i < inc->count; i++) {
            const config_include *f = &inc->items[i];
            size_t start = rules ? f->rule_start : f->source_start, count = rules ? f->rule_count : f->source_count;
            if (n < start || n >= start + count) continue;
            char path[CONFIG_PATH_SIZE * 2];
            snprintf(path, sizeof path, "%s[%zu]%s", rules ? "rules" : "sources", n - start, rest);
            diag_relocate(d, k, f->file, path);
            break;
        }
    }
}

/* "rules[7].do[1]" -> "automations.json: rules[0].do[1]" when rule 7 is the file's first. */
static void rename_path(const config_includes *inc, char **path)
{
    const char *key_end, *rest;
    size_t n;
    if (!*path || !split_path(*path, &key_end, &n, &rest)) return;
    int rules = key_end - *path == 5;
    for (size_t i = 0; i < inc->count; i++) {
        const config_include *f = &inc->items[i];
        size_t start = rules ? f->rule_start : f->source_start, count = rules ? f->rule_count : f->source_count;
        if (n < start || n >= start + count) continue;
        const char *base = f->file + path_config_folder_len(f->file);
        char path2[CONFIG_PATH_SIZE * 2];
        snprintf(path2, sizeof path2, "%s: %s[%zu]%s", base, rules ? "rules" : "sources", n - start, rest);
        char *renamed = str_dup(path2);
        if (!renamed) return; /* out of memory: the path stays as the merged config's */
        free(*path);
        *path = renamed;
        return;
    }
}

void config_includes_name_paths(config *c)
{
    if (!c->includes.count) return;
    for (size_t i = 0; c->rules && i < rule_set_count(c->rules); i++) {
        rule *r = rule_set_at(c->rules, i);
        for (size_t j = 0; j < r->action_count; j++) rename_path(&c->includes, &r->actions[j].json_path);
        rename_path(&c->includes, &r->json_path);
    }
    for (size_t i = 0; i < c->source_count; i++) rename_path(&c->includes, &c->sources[i].json_path);
}

void config_includes_free(config_includes *inc)
{
    for (size_t i = 0; i < inc->count; i++) free(inc->items[i].file);
    free(inc->items);
    inc->items = NULL;
    inc->count = 0;
}

const config_include *config_console_include(const config *c)
{
    for (size_t i = 0; i < c->includes.count; i++)
        if (c->includes.items[i].console) return &c->includes.items[i];
    return NULL;
}

typedef struct files_ctx {
    void (*fn)(const char *file, void *ctx);
    void *ctx;
} files_ctx;

static void pass_named_file(void *ctx, const char *where, const char *name, char *file, int console)
{
    const files_ctx *c = ctx;
    (void)where; (void)name; (void)console;
    if (file) c->fn(file, c->ctx); /* out of memory: the file is not passed on */
    free(file);
}

void config_include_files(const char *config_file, void (*fn)(const char *file, void *ctx), void *ctx)
{
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(config_file, &text, &len) != 0) return;
    const char *src = text;
    /* A byte order mark, skipped here as the loader skips it (config.c), whatever cJSON does with it. */
    if ((unsigned char)src[0] == 0xEF && (unsigned char)src[1] == 0xBB && (unsigned char)src[2] == 0xBF) src += 3;
    cJSON *root = cJSON_Parse(src);
    free(text);
    files_ctx c = { fn, ctx };
    if (root) walk_named_files(config_file, root, NULL, pass_named_file, &c);
    cJSON_Delete(root);
}
