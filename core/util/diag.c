#include "diag.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "strbuf.h"

void diag_add(diag_list *d, const char *path, const char *fmt, ...)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        diag_item *p = realloc(d->items, cap * sizeof *p);
        if (!p) return;
        d->items = p;
        d->cap = cap;
    }
    strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(&sb, fmt, ap);
    va_end(ap);
    d->items[d->count].path = str_dup(path ? path : "");
    d->items[d->count].message = strbuf_detach(&sb);
    d->items[d->count].file = NULL;
    d->count++;
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

void diag_free(diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].path);
        free(d->items[i].message);
        free(d->items[i].file);
    }
    free(d->items);
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
