/* event_tap.c - bounded per-viewer queues of processed events; see event_tap.h. */
#include "event_tap.h"
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "platform/platform.h"
#include "util/utf8_cut.h"
#include "wee/errors.h"

typedef struct tap_item { struct tap_item *next; size_t len; char data[]; } tap_item;

struct tap_viewer {
    event_tap *tap;
    tap_item *head, *tail;
    size_t items, bytes;
    uint64_t missed;
    int used;
};

typedef struct tap_failure {
    int64_t at_ms;
    char rule[128], action[128], module[64], event[128], error[512];
} tap_failure;

struct event_tap {
    plat_mutex lock;
    plat_cond wake;
    atomic_int viewers;
    int closing;
    tap_viewer v[TAP_MAX_VIEWERS];
    tap_failure failures[TAP_FAILURES];
    size_t failure_next, failure_count;
};

event_tap *event_tap_new(void)
{
    event_tap *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    plat_mutex_init(&t->lock);
    plat_cond_init(&t->wake);
    return t;
}

static void drop_items(tap_viewer *v)
{
    while (v->head) {
        tap_item *n = v->head->next;
        free(v->head);
        v->head = n;
    }
    v->tail = NULL;
    v->items = v->bytes = 0;
}

void event_tap_free(event_tap *t)
{
    if (!t) return;
    for (int i = 0; i < TAP_MAX_VIEWERS; i++) drop_items(&t->v[i]);
    plat_cond_destroy(&t->wake);
    plat_mutex_destroy(&t->lock);
    free(t);
}

int event_tap_watched(event_tap *t) { return t && atomic_load_explicit(&t->viewers, memory_order_relaxed) > 0; }

void event_tap_publish(event_tap *t, const char *line, size_t len)
{
    if (!event_tap_watched(t)) return;
    plat_mutex_lock(&t->lock);
    for (int i = 0; i < TAP_MAX_VIEWERS; i++) {
        tap_viewer *v = &t->v[i];
        if (!v->used) continue;
        tap_item *it = NULL;
        if (len > TAP_ITEM_MAX || v->items >= TAP_VIEWER_ITEMS || v->bytes + len > TAP_VIEWER_BYTES || !(it = malloc(sizeof *it + len + 1))) {
            v->missed++;
            continue;
        }
        it->next = NULL;
        it->len = len;
        memcpy(it->data, line, len);
        it->data[len] = '\0';
        if (v->tail) v->tail->next = it;
        else v->head = it;
        v->tail = it;
        v->items++;
        v->bytes += len;
    }
    plat_mutex_unlock(&t->lock);
    plat_cond_broadcast(&t->wake);
}

static void copy(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

void event_tap_failure(event_tap *t, const char *rule, const char *action_path, const char *module,
                       const char *event_type, const char *error)
{
    if (!t) return;
    plat_mutex_lock(&t->lock);
    tap_failure *f = &t->failures[t->failure_next];
    f->at_ms = plat_wall_time_ms();
    copy(f->rule, sizeof f->rule, rule);
    copy(f->action, sizeof f->action, action_path);
    copy(f->module, sizeof f->module, module);
    copy(f->event, sizeof f->event, event_type);
    copy(f->error, sizeof f->error, error);
    t->failure_next = (t->failure_next + 1) % TAP_FAILURES;
    if (t->failure_count < TAP_FAILURES) t->failure_count++;
    plat_mutex_unlock(&t->lock);
}

cJSON *event_tap_failures(event_tap *t)
{
    cJSON *arr = cJSON_CreateArray();
    plat_mutex_lock(&t->lock);
    for (size_t k = 0; arr && k < t->failure_count; k++) {
        const tap_failure *f = &t->failures[(t->failure_next + TAP_FAILURES - 1 - k) % TAP_FAILURES];
        char when[40];
        plat_format_rfc3339(f->at_ms, when, sizeof when);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", when);
        cJSON_AddStringToObject(o, "rule", f->rule);
        cJSON_AddStringToObject(o, "action", f->action);
        cJSON_AddStringToObject(o, "module", f->module);
        cJSON_AddStringToObject(o, "event", f->event);
        cJSON_AddStringToObject(o, "error", f->error);
        cJSON_AddItemToArray(arr, o);
    }
    plat_mutex_unlock(&t->lock);
    return arr;
}

void event_tap_stats(event_tap *t, unsigned *viewers, size_t *queued_bytes, uint64_t *missed)
{
    *viewers = 0;
    *queued_bytes = 0;
    *missed = 0;
    plat_mutex_lock(&t->lock);
    for (int i = 0; i < TAP_MAX_VIEWERS; i++) {
        if (!t->v[i].used) continue;
        (*viewers)++;
        *queued_bytes += t->v[i].bytes;
        *missed += t->v[i].missed;
    }
    plat_mutex_unlock(&t->lock);
}

tap_viewer *event_tap_subscribe(event_tap *t)
{
    tap_viewer *v = NULL;
    plat_mutex_lock(&t->lock);
    for (int i = 0; i < TAP_MAX_VIEWERS && !v && !t->closing; i++) {
        if (t->v[i].used) continue;
        v = &t->v[i];
        memset(v, 0, sizeof *v);
        v->tap = t;
        v->used = 1;
        atomic_fetch_add(&t->viewers, 1);
    }
    plat_mutex_unlock(&t->lock);
    return v;
}

int event_tap_next(tap_viewer *v, int timeout_ms, char **line, uint64_t *missed)
{
    event_tap *t = v->tap;
    int rc = 0;
    *line = NULL;
    plat_mutex_lock(&t->lock);
    uint64_t until = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!v->head && !t->closing) {
        uint64_t now = plat_monotonic_ns();
        if (now >= until) break;
        plat_cond_timedwait(&t->wake, &t->lock, (int64_t)((until - now) / 1000000u) + 1);
    }
    if (t->closing) {
        rc = WEE_ESTOPPED;
    } else if (!v->head) {
        rc = WEE_ETIMEOUT;
    } else {
        tap_item *it = v->head;
        v->head = it->next;
        if (!v->head) v->tail = NULL;
        v->items--;
        v->bytes -= it->len;
        /* The item's memory becomes the line: the text sits at its start. */
        memmove(it, it->data, it->len + 1);
        *line = (char *)it;
    }
    *missed = v->missed;
    plat_mutex_unlock(&t->lock);
    return rc;
}

void event_tap_unsubscribe(tap_viewer *v)
{
    if (!v) return;
    event_tap *t = v->tap;
    plat_mutex_lock(&t->lock);
    drop_items(v);
    v->used = 0;
    atomic_fetch_sub(&t->viewers, 1);
    plat_mutex_unlock(&t->lock);
}

void event_tap_close(event_tap *t)
{
    if (!t) return;
    plat_mutex_lock(&t->lock);
    t->closing = 1;
    plat_mutex_unlock(&t->lock);
    plat_cond_broadcast(&t->wake);
}

void event_tap_add_results(cJSON *action_json, const wee_event *results, const char *module)
{
    size_t plen = strlen(module);
    cJSON *o = NULL;
    for (size_t k = 0; k < event_field_count(results); k++) {
        const char *name = event_field_name(results, k), *text = event_field_string(results, k);
        if (strncmp(name, module, plen) != 0 || name[plen] != '.') continue;
        if (!o && !(o = cJSON_AddObjectToObject(action_json, "results"))) return;
        name += plen + 1;
        switch (event_field_type(results, k)) {
        case WEE_VALUE_INT: cJSON_AddNumberToObject(o, name, (double)event_get_int(results, event_field_name(results, k), 0)); break;
        case WEE_VALUE_BOOL: cJSON_AddBoolToObject(o, name, event_get_bool(results, event_field_name(results, k), 0)); break;
        default: {
            char cut[TAP_RESULT_TEXT + 4];
            size_t n = text ? strlen(text) : 0;
            if (n > TAP_RESULT_TEXT) {
                n = utf8_whole_prefix(text, TAP_RESULT_TEXT); /* never half a character */
                snprintf(cut, sizeof cut, "%.*s...", (int)n, text);
                cJSON_AddStringToObject(o, name, cut);
            } else {
                cJSON_AddStringToObject(o, name, text ? text : "");
            }
        }
        }
    }
}
