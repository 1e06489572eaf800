#include "diag.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "strbuf.h"

/* Out of memory must still count as an error (callers compare d->count), so it is recorded with texts
 * and, for a first error, an item that need no allocation; diag_free knows them by address. */
static char oom_path[] = "";
static char oom_message[] = "out of memory: this error's text could not be kept";
static diag_item oom_items[1] = { { oom_path, oom_message } };

void diag_add(diag_list *d, const char *path, const char *fmt, ...)
{
    if (d->items == oom_items) return;  /* one error is known; there is no room for more */
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        diag_item *p = realloc(d->items, cap * sizeof *p);
        if (!p) {
            if (d->count == 0) { d->items = oom_items; d->count = d->cap = 1; }
            return;                        /* else the errors so far stand for the rest */
        }
        d->items = p;
        d->cap = cap;
    }
    strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(&sb, fmt, ap);
    va_end(ap);
    diag_item *it = &d->items[d->count++];
    it->path = str_dup(path ? path : "");
    it->message = strbuf_detach(&sb);
    it->file = NULL;
    if (!it->path) it->path = oom_path;
    if (!it->message) it->message = oom_message;
}

void diag_print(const diag_list *d, const char *file, FILE *out)
{
    for (size_t i = 0; i < d->count; i++) {
        const char *f = d->items[i].file ? d->items[i].file : file;
        if (d->items[i].path && d->items[i].path[0])
            fprintf(out, "%s: %s: %s\n", f, d->items[i].path, d->items[i].message);
        else
            fprintf(out, "%s: %s\n", f, d->items[i].message);
    }
}

void diag_relocate(diag_list *d, size_t index, const char *file, const char *path)
{
    if (d->items == oom_items || index >= d->count) return;
    diag_item *it = &d->items[index];
    char *f = str_dup(file);
    char *p = str_dup(path);
    if (!f || (path && !p)) {
        free(f);
        free(p);
        return;
    }
    free(it->file);
    it->file = f;
    if (p) {
        if (it->path != oom_path) free(it->path);
        it->path = p;
    }
}

void diag_free(diag_list *d)
{
    if (d->items == oom_items) d->count = 0;
    for (size_t i = 0; i < d->count; i++) {
        if (d->items[i].path != oom_path) free(d->items[i].path);
        if (d->items[i].message != oom_message) free(d->items[i].message);
        free(d->items[i].file);
    }
    if (d->items != oom_items) free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
}

const char *diag_path_key(char *buf, size_t size, const char *base, const char *key)
{
    if (!base || !*base) snprintf(buf, size, "%s", key);
    else snprintf(buf, size, "%s.%s", base, key);
    return buf;
}

const char *diag_path_index(char *buf, size_t size, const char *base, size_t index)
{
    snprintf(buf, size, "%s[%zu]", base ? base : "", index);
    return buf;
}

void diag_describe_json(const void *item, char *buf, size_t size)
{
    const cJSON *j = item;
    if (!j) snprintf(buf, size, "nothing");
    else if (cJSON_IsString(j)) {
        size_t n = strlen(j->valuestring);
        if (n > 40) snprintf(buf, size, "\"%.37s...\"", j->valuestring);
        else snprintf(buf, size, "\"%s\"", j->valuestring);
    } else if (cJSON_IsBool(j)) snprintf(buf, size, "%s", cJSON_IsTrue(j) ? "true" : "false");
    else if (cJSON_IsNull(j)) snprintf(buf, size, "null");
    else if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        /* range-checked: casting a double outside long long's range is undefined */
        if (v > -9.2e18 && v < 9.2e18 && v == (double)(long long)v) snprintf(buf, size, "%lld", (long long)v);
        else snprintf(buf, size, "%g", j->valuedouble);
    } else if (cJSON_IsArray(j)) snprintf(buf, size, "%s", j->child ? "an array" : "[]");
    else if (cJSON_IsObject(j)) snprintf(buf, size, "%s", j->child ? "an object" : "{}");
    else snprintf(buf, size, "an invalid value");
}

void diag_int_range(diag_list *d, const char *path, int64_t lo, int64_t hi, const void *cjson_item)
{
    char seen[128];
    diag_describe_json(cjson_item, seen, sizeof seen);
    if (hi == lo + 1)
        diag_add(d, path, "expected %" PRId64 " or %" PRId64 ", got %s", lo, hi, seen);
    else if (hi == INT64_MAX)
        diag_add(d, path, "expected integer >= %" PRId64 ", got %s", lo, seen);
    else
        diag_add(d, path, "expected integer %" PRId64 "..%" PRId64 ", got %s", lo, hi, seen);
}
