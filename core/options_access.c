/*
 * core/options_access.c - reading an option tree: the static view (text as written) for create(), and
 * rendering views for action calls that fill templates on first access and keep the result until freed.
 * A rendering view is used by one thread; the tree under it is read-only, so views never lock.
 */
#include "options_tree.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "event_batch.h"
#include "util/double_int.h"

const wee_options *options_static_view(const options_tree *t) { return t ? &t->static_view : NULL; }

wee_options *options_view_render(const options_tree *t, const render_ctx *ctx)
{
    if (!t) return NULL;
    render_view *rv = options_calloc(1, sizeof *rv);
    if (!rv) return NULL;
    rv->view.tree = t;
    if (ctx) rv->view.ctx = *ctx; /* callers pass a stack render_ctx: keep a copy, not the pointer */
    rv->view.state = &rv->state;
    if (t->template_count && !(rv->state.cache = options_calloc(t->template_count, sizeof *rv->state.cache))) {
        free(rv);
        return NULL;
    }
    return &rv->view;
}

void options_view_free(wee_options *v)
{
    if (!v || !v->state) return; /* the static view belongs to its tree */
    render_view *rv = (render_view *)v;
    for (arena_block *a = rv->state.arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(rv->state.cache);
    strbuf_free(&rv->state.scratch);
    free(rv);
}

static const char *arena_copy(render_state *st, const char *s, size_t len)
{
    arena_block *a = st->arena;
    if (!a || a->size - a->used < len + 1) {
        size_t size = len + 1 > 1024 ? len + 1 : 1024;
        a = options_calloc(1, sizeof *a + size);
        if (!a) return NULL;
        a->size = size;
        a->next = st->arena;
        st->arena = a;
    }
    char *p = a->data + a->used;
    memcpy(p, s, len);
    p[len] = '\0';
    a->used += len + 1;
    return p;
}

static const char *node_string(const wee_options *o, const opt_node *n)
{
    if (!n || n->kind != NODE_STRING) return NULL;
    if (!o->state) return n->text;
    if (!n->tpl) return n->literal ? n->literal : n->text;
    render_state *st = o->state;
    if (!st->cache[n->slot]) {
        strbuf_reset(&st->scratch);
        template_render(n->tpl, &o->ctx, &st->scratch);
        /* Out of memory: the option reads as absent (NULL) this once, never as a shortened text. */
        if (strbuf_failed(&st->scratch)) return NULL;
        st->cache[n->slot] = arena_copy(st, strbuf_cstr(&st->scratch), st->scratch.len);
    }
    return st->cache[n->slot];
}

static const opt_node *find_node(const wee_options *o, const char *name)
{
    if (!o || !name) return NULL;
    for (size_t i = 0; i < o->tree->count; i++)
        if (strcmp(o->tree->entries[i].name, name) == 0) return &o->tree->entries[i].value;
    return NULL;
}

int options_has(const wee_options *o, const char *name) { return find_node(o, name) != NULL; }

const char *options_string(const wee_options *o, const char *name) { return node_string(o, find_node(o, name)); }

int64_t options_int(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    if (n && n->kind == NODE_INT) return n->integer;
    int64_t v;
    if (n && n->kind == NODE_NUMBER && double_to_int64(n->number, &v)) return v;
    return 0;
}

int options_bool(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    return n && n->kind == NODE_BOOL && n->integer;
}

/* In a rendering view for a batch event, a list element that is only "{{batch.each.FIELD}}" stands for
 * one element per collected event (event_batch.h); returns FIELD then, else NULL. */
static const char *each_field(const wee_options *o, const opt_node *item)
{
    const char *f = o->state && item->tpl ? template_sole_field(item->tpl) : NULL;
    size_t k = strlen(EVENT_BATCH_EACH);
    return f && strncmp(f, EVENT_BATCH_EACH, k) == 0 && event_batch_count(o->ctx.event) ? f + k : NULL;
}

size_t options_list_count(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    if (!n || n->kind != NODE_ARRAY) return 0;
    size_t count = 0;
    for (size_t i = 0; i < n->count; i++) count += each_field(o, &n->items[i]) ? event_batch_count(o->ctx.event) : 1;
    return count;
}

const char *options_list_at(const wee_options *o, const char *name, size_t i)
{
    const opt_node *n = find_node(o, name);
    if (!n || n->kind != NODE_ARRAY) return NULL;
    for (size_t k = 0; k < n->count; k++) {
        const char *field = each_field(o, &n->items[k]);
        size_t span = field ? event_batch_count(o->ctx.event) : 1;
        if (i >= span) { i -= span; continue; }
        if (!field) return node_string(o, &n->items[k]);
        const char *v = event_batch_field(o->ctx.event, i, field);
        return v ? v : "";
    }
    return NULL;
}

size_t options_map_count(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    return n && n->kind == NODE_OBJECT ? n->count : 0;
}

const char *options_map_key(const wee_options *o, const char *name, size_t i)
{
    const opt_node *n = find_node(o, name);
    return n && n->kind == NODE_OBJECT && i < n->count ? n->items[i].key : NULL;
}

const char *options_map_value(const wee_options *o, const char *name, size_t i)
{
    const opt_node *n = find_node(o, name);
    return n && n->kind == NODE_OBJECT && i < n->count ? node_string(o, &n->items[i]) : NULL;
}

/* An object list's objects; a WEE_OPT_OBJECT section (ABI 1.3) reads as a list of that one object. */
size_t options_object_count(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    if (n && n->kind == NODE_OBJECT && n->sub) return 1;
    return n && n->kind == NODE_ARRAY ? n->count : 0;
}

const wee_options *options_object_at(const wee_options *o, const char *name, size_t i)
{
    const opt_node *n = find_node(o, name);
    if (n && n->kind == NODE_OBJECT && n->sub) return i == 0 ? options_static_view(n->sub) : NULL;
    return n && n->kind == NODE_ARRAY && i < n->count ? options_static_view(n->items[i].sub) : NULL;
}

static cJSON *node_to_json(const wee_options *o, const opt_node *n);

static cJSON *tree_to_json(const options_tree *t)
{
    cJSON *j = cJSON_CreateObject();
    for (size_t i = 0; j && t && i < t->count; i++) {
        cJSON *c = node_to_json(&t->static_view, &t->entries[i].value);
        if (!c) { cJSON_Delete(j); return NULL; }
        cJSON_AddItemToObject(j, t->entries[i].name, c);
    }
    return j;
}

static cJSON *node_to_json(const wee_options *o, const opt_node *n)
{
    if (n->sub) return tree_to_json(n->sub);
    char digits[32];
    cJSON *j = NULL;
    switch (n->kind) {
    case NODE_BOOL: return cJSON_CreateBool(n->integer != 0);
    case NODE_INT: /* raw digits: a double would round integers beyond 2^53 */
        snprintf(digits, sizeof digits, "%" PRId64, n->integer);
        return cJSON_CreateRaw(digits);
    case NODE_NUMBER: return cJSON_CreateNumber(n->number);
    case NODE_STRING: return cJSON_CreateString(node_string(o, n));
    case NODE_ARRAY:
    case NODE_OBJECT:
        j = n->kind == NODE_ARRAY ? cJSON_CreateArray() : cJSON_CreateObject();
        for (size_t i = 0; j && i < n->count; i++) {
            const char *field = n->kind == NODE_ARRAY ? each_field(o, &n->items[i]) : NULL;
            if (field) { /* one string per collected event, as in options_list_at */
                for (size_t m = 0; m < event_batch_count(o->ctx.event); m++) {
                    const char *v = event_batch_field(o->ctx.event, m, field);
                    cJSON_AddItemToArray(j, cJSON_CreateString(v ? v : ""));
                }
                continue;
            }
            cJSON *c = node_to_json(o, &n->items[i]);
            if (!c) { cJSON_Delete(j); return NULL; }
            if (n->kind == NODE_ARRAY) cJSON_AddItemToArray(j, c);
            else cJSON_AddItemToObject(j, n->items[i].key, c);
        }
        return j;
    default: return cJSON_CreateNull();
    }
}

char *options_json(const wee_options *o, const char *name)
{
    const opt_node *n = find_node(o, name);
    if (!n) return NULL;
    cJSON *j = node_to_json(o, n);
    char *printed = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!printed) return NULL;
    /* cJSON may use custom allocator hooks; the contract promises free(). */
    size_t len = strlen(printed) + 1;
    char *out = malloc(len);
    if (out) memcpy(out, printed, len);
    cJSON_free(printed);
    return out;
}

