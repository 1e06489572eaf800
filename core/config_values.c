/*
 * core/config_values.c - the checks every config level shares: allowed keys and typed values, each
 * reported with its exact JSON path and the value that was found.
 */
#include "config_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/double_int.h"

void *config_calloc(config_ctx *x, const char *path, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) diag_add(x->d, path, "out of memory loading the config; the running config (if any) is kept");
    return p;
}

char *config_strdup(config_ctx *x, const char *path, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = config_calloc(x, path, n, 1);
    if (p) memcpy(p, s, n);
    return p;
}

static int key_allowed(const char *key, const char *const *allowed)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], key) == 0) return 1;
    return 0;
}

static void join_allowed(const char *const *allowed, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; allowed[i] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", allowed[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

void config_check_keys(const cJSON *obj, const char *path, const char *const *allowed, diag_list *d)
{
    char sub[CONFIG_PATH_SIZE], list[512];
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        diag_path_key(sub, sizeof sub, path, c->string);
        if (!key_allowed(c->string, allowed)) {
            join_allowed(allowed, list, sizeof list);
            diag_add(d, sub, "unknown key (allowed here: %s)", list);
            continue;
        }
        for (const cJSON *p = obj->child; p != c; p = p->next) {
            if (strcmp(p->string, c->string) == 0) {
                diag_add(d, sub, "given twice; keep one");
                break;
            }
        }
    }
}

void config_missing(const char *path, const char *key, const char *hint, diag_list *d)
{
    char sub[CONFIG_PATH_SIZE];
    diag_add(d, diag_path_key(sub, sizeof sub, path, key), "missing; %s", hint);
}

int config_get_int(const cJSON *obj, const char *key, const char *path, int64_t min, int64_t max, int64_t *out,
                   diag_list *d)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return 0;
    int64_t v;
    if (cJSON_IsNumber(j) && double_to_int64(j->valuedouble, &v) && v >= min && v <= max) {
        *out = v;
        return 1;
    }
    char sub[CONFIG_PATH_SIZE];
    diag_int_range(d, diag_path_key(sub, sizeof sub, path, key), min, max, j);
    return -1;
}

int config_get_bool(const cJSON *obj, const char *key, const char *path, int *out, diag_list *d)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return 0;
    if (cJSON_IsBool(j)) {
        *out = cJSON_IsTrue(j) ? 1 : 0;
        return 1;
    }
    char sub[CONFIG_PATH_SIZE], seen[128];
    diag_describe_json(j, seen, sizeof seen);
    diag_add(d, diag_path_key(sub, sizeof sub, path, key), "expected true or false, got %s", seen);
    return -1;
}

int config_get_string(const cJSON *obj, const char *key, const char *path, const char **out, diag_list *d)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return 0;
    if (cJSON_IsString(j) && j->valuestring[0]) {
        *out = j->valuestring;
        return 1;
    }
    char sub[CONFIG_PATH_SIZE], seen[128];
    diag_describe_json(j, seen, sizeof seen);
    diag_add(d, diag_path_key(sub, sizeof sub, path, key), "expected non-empty string, got %s", seen);
    return -1;
}

int config_get_choice(const cJSON *obj, const char *key, const char *path, const char *const *choices, int *out,
                      diag_list *d)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) return 0;
    for (int i = 0; cJSON_IsString(j) && choices[i]; i++) {
        if (strcmp(choices[i], j->valuestring) == 0) {
            *out = i;
            return 1;
        }
    }
    char sub[CONFIG_PATH_SIZE], seen[128], list[256];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; choices[i] && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? "|" : "", choices[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
    diag_describe_json(j, seen, sizeof seen);
    diag_add(d, diag_path_key(sub, sizeof sub, path, key), "expected one of %s, got %s", list, seen);
    return -1;
}

void config_list_modules(const module_registry *reg, wee_module_kind kind, char *buf, size_t size)
{
    size_t used = 0, n = 0;
    buf[0] = '\0';
    for (size_t i = 0; reg && i < reg->count && used < size; i++) {
        const wee_module_desc *m = &reg->mods[i]->desc;
        if (!(m->kind & kind)) continue;
        int w = snprintf(buf + used, size - used, "%s%s", n++ ? ", " : "", m->name);
        if (w < 0) break;
        used += (size_t)w;
    }
    if (n == 0) snprintf(buf, size, "none; check the modules folder");
}

/* Reports where cJSON stopped, as the line and column an editor shows (both from 1). */
void config_report_syntax(const char *text, const char *stop, diag_list *d)
{
    size_t line = 1, column = 1;
    if (!stop || stop < text) stop = text;
    for (const char *p = text; *p && p < stop; p++) {
        if (*p == '\n') { line++; column = 1; }
        else if (((unsigned char)*p & 0xC0) != 0x80) column++; /* count characters, not UTF-8 bytes */
    }
    if (!*stop)
        diag_add(d, "", "invalid JSON: the document ends early at line %zu, column %zu; close every open \"{\", "
                        "\"[\" and string", line, column);
    else
        diag_add(d, "", "invalid JSON at line %zu, column %zu; look there (or just before) for a missing comma, "
                        "quote or bracket, a trailing comma, or a comment (JSON has none)", line, column);
}
