#include "util/strbuf.h"
#include "event.h"
#include "event_batch.h"
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wee/errors.h"
#include "util/double_int.h"

wee_event *event_new(const char *type)
{
    wee_event *ev = calloc(1, sizeof *ev);
    if (!ev) return NULL;
    ev->type = str_dup(type ? type : "");
    if (!ev->type) { free(ev); return NULL; }
    atomic_init(&ev->refs, 1);
    return ev;
}

wee_event *event_ref(wee_event *ev)
{
    if (ev) atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
    return ev;
}

static void batch_free(struct event_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->count; i++) event_unref(b->members[i]);
    free(b->members);
    free(b);
}

void event_unref(wee_event *ev)
{
    if (!ev) return;
    if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < ev->count; i++) {
        free(ev->fields[i].name);
        free(ev->fields[i].text);
    }
    free(ev->fields);
    free(ev->type);
    batch_free(ev->batch);
    free(ev);
}

void event_free(wee_event *ev) { event_unref(ev); }

int event_set_type(wee_event *ev, const char *type)
{
    char *t = str_dup(type);
    if (!t) return WEE_ENOMEM;
    free(ev->type);
    ev->type = t;
    return 0;
}

static int set_field(wee_event *ev, const char *name, wee_value_type type, const char *text, int64_t ival)
{
    if (!ev || !name || !*name || !text) return WEE_EINVAL;
    char *t = str_dup(text);
    if (!t) return WEE_ENOMEM;
    for (size_t i = 0; i < ev->count; i++) {
        if (strcmp(ev->fields[i].name, name) == 0) {
            free(ev->fields[i].text);
            ev->fields[i].text = t;
            ev->fields[i].type = type;
            ev->fields[i].ival = ival;
            return 0;
        }
    }
    if (ev->count == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 8;
        event_field *f = realloc(ev->fields, cap * sizeof *f);
        if (!f) { free(t); return WEE_ENOMEM; }
        ev->fields = f;
        ev->cap = cap;
    }
    char *n = str_dup(name);
    if (!n) { free(t); return WEE_ENOMEM; }
    ev->fields[ev->count++] = (event_field){ n, t, ival, type };
    return 0;
}

int event_set_string(wee_event *ev, const char *name, const char *value)
{
    return set_field(ev, name, WEE_VALUE_STRING, value ? value : "", 0);
}

int event_set_int(wee_event *ev, const char *name, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, value);
    return set_field(ev, name, WEE_VALUE_INT, buf, value);
}

int event_set_bool(wee_event *ev, const char *name, int value)
{
    return set_field(ev, name, WEE_VALUE_BOOL, value ? "true" : "false", value ? 1 : 0);
}

wee_event *event_clone(const wee_event *src)
{
    wee_event *ev = event_new(src->type);
    if (!ev) return NULL;
    for (size_t i = 0; i < src->count; i++) {
        const event_field *f = &src->fields[i];
        if (set_field(ev, f->name, f->type, f->text, f->ival) != 0) { event_unref(ev); return NULL; }
    }
    ev->depth = src->depth;
    ev->by_engine = src->by_engine;
    return ev;
}

const event_field *event_find(const wee_event *ev, const char *name)
{
    if (!ev || !name) return NULL;
    for (size_t i = 0; i < ev->count; i++)
        if (strcmp(ev->fields[i].name, name) == 0) return &ev->fields[i];
    return NULL;
}

const char *event_type(const wee_event *ev) { return ev ? ev->type : NULL; }

wee_value_type event_get_type(const wee_event *ev, const char *name)
{
    const event_field *f = event_find(ev, name);
    return f ? f->type : WEE_VALUE_NONE;
}

const char *event_get_string(const wee_event *ev, const char *name)
{
    const event_field *f = event_find(ev, name);
    return f ? f->text : NULL;
}

int64_t event_get_int(const wee_event *ev, const char *name, int64_t fallback)
{
    const event_field *f = event_find(ev, name);
    if (!f) return fallback;
    if (f->type == WEE_VALUE_INT || f->type == WEE_VALUE_BOOL) return f->ival;
    char *end;
    long long v = strtoll(f->text, &end, 10);
    return (*f->text && !*end) ? (int64_t)v : fallback;
}

int event_get_bool(const wee_event *ev, const char *name, int fallback)
{
    const event_field *f = event_find(ev, name);
    if (!f) return fallback;
    if (f->type != WEE_VALUE_STRING) return f->ival != 0;
    if (strcmp(f->text, "true") == 0) return 1;
    if (strcmp(f->text, "false") == 0) return 0;
    return fallback;
}

size_t event_field_count(const wee_event *ev) { return ev ? ev->count : 0; }
const char *event_field_name(const wee_event *ev, size_t i) { return (ev && i < ev->count) ? ev->fields[i].name : NULL; }
wee_value_type event_field_type(const wee_event *ev, size_t i) { return (ev && i < ev->count) ? ev->fields[i].type : WEE_VALUE_NONE; }
const char *event_field_string(const wee_event *ev, size_t i) { return (ev && i < ev->count) ? ev->fields[i].text : NULL; }

wee_event *event_from_json(const char *json_text, char *err, size_t err_size)
{
    cJSON *root = cJSON_Parse(json_text);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, err_size, "event is not valid JSON near: %.20s", at ? at : "(start)");
        return NULL;
    }
    wee_event *ev = event_from_cjson(root, err, err_size);
    cJSON_Delete(root);
    return ev;
}

wee_event *event_from_cjson(const void *item, char *err, size_t err_size)
{
    const cJSON *root = item;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsObject(root) || !cJSON_IsString(type) || !*type->valuestring) {
        snprintf(err, err_size, "event must be a JSON object with a string \"type\" such as \"custom.ping\"");
        return NULL;
    }
    wee_event *ev = event_new(type->valuestring);
    if (!ev) { snprintf(err, err_size, "out of memory"); return NULL; }
    for (const cJSON *it = root->child; it; it = it->next) {
        if (strcmp(it->string, "type") == 0) continue;
        int rc;
        if (cJSON_IsString(it)) rc = event_set_string(ev, it->string, it->valuestring);
        else if (cJSON_IsBool(it)) rc = event_set_bool(ev, it->string, cJSON_IsTrue(it));
        else if (cJSON_IsNumber(it)) {
            /* Checked before any conversion: casting 1e400 (infinity) or 2^70 to int64_t is undefined
             * behaviour, and this JSON comes from any client of the control channel. */
            int64_t v;
            if (!double_to_int64(it->valuedouble, &v)) {
                snprintf(err, err_size, "event field \"%s\": expected an integer from -2^63 to 2^63-1 (no fraction); "
                         "quote other numbers to pass them as text", it->string);
                event_unref(ev);
                return NULL;
            }
            rc = event_set_int(ev, it->string, v);
        } else {
            snprintf(err, err_size, "event field \"%s\": expected string, integer or boolean", it->string);
            event_unref(ev);
            return NULL;
        }
        if (rc != 0) {
            snprintf(err, err_size, "event field \"%s\": %s", it->string, wee_strerror(rc));
            event_unref(ev);
            return NULL;
        }
    }
    return ev;
}

void *event_to_cjson(const wee_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "type", ev->type);
    for (size_t i = 0; i < ev->count; i++) {
        const event_field *f = &ev->fields[i];
        /* The decimal text is exact; through a double cJSON prints 15 digits (found by fuzz_event_json). */
        if (f->type == WEE_VALUE_INT) cJSON_AddRawToObject(o, f->name, f->text);
        else if (f->type == WEE_VALUE_BOOL) cJSON_AddBoolToObject(o, f->name, f->ival != 0);
        else cJSON_AddStringToObject(o, f->name, f->text);
    }
    return o;
}

char *event_to_json(const wee_event *ev)
{
    cJSON *o = event_to_cjson(ev);
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}
