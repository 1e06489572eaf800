/*
 * core/template.c - "{{field}}" templates: parsed once into segments, rendered per event.
 *
 * All text a template needs at render time lives in one pool: literal runs with "{{{{" already
 * unescaped, and field names with aliases and the "event." prefix already resolved. Rendering is then a
 * walk over the segments that appends to the caller's strbuf and allocates nothing else.
 */
#include "template.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "event_batch.h"
#include "field_traits.h"

typedef struct template_segment {
    int is_field;
    size_t offset, length; /* into pool; field names are also NUL-terminated there */
} template_segment;

struct template {
    char *source;
    char *pool;
    template_segment *segments;
    size_t count;
    int has_fields;
};

/* The Rust original's placeholder names for the fields the host stamps on every event, kept so its
 * configs keep working. Aliases of module fields ("EVENT_PATH") are declared by the modules
 * (wee_field_spec.alias, field_traits.h). */
static const char *const alias_table[][2] = {
    { "EVENT_TYPE", "type" }, { "EVENT_SOURCE", "source" }, { "TIMESTAMP", "time" },
};

/* name with aliases and the "event." prefix resolved; may be copied into buf (size FIELD_NAME_MAX). */
#define FIELD_NAME_MAX 256
static const char *canonical_name(const char *name, char *buf)
{
    if (strncmp(name, "event.", 6) == 0 && name[6]) name += 6;
    for (size_t i = 0; i < sizeof alias_table / sizeof alias_table[0]; i++)
        if (strcmp(name, alias_table[i][0]) == 0) return alias_table[i][1];
    return field_traits_alias(name, buf, FIELD_NAME_MAX) ? buf : name;
}

static const char *lookup_canonical(const render_ctx *ctx, const char *name)
{
    if (!ctx) return NULL;
    const event_field *f = ctx->results ? event_find(ctx->results, name) : NULL;
    if (!f && ctx->event) f = event_find(ctx->event, name);
    if (f) return f->text;
    /* The type lives outside the field list of an event that was never stamped (host test input). */
    if (ctx->event && strcmp(name, "type") == 0) return event_type(ctx->event);
    return NULL;
}

const char *template_lookup(const render_ctx *ctx, const char *name)
{
    char buf[FIELD_NAME_MAX];
    return name ? lookup_canonical(ctx, canonical_name(name, buf)) : NULL;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

typedef struct builder {
    strbuf pool;
    template_segment *segments;
    size_t count, cap;
} builder;

static int add_segment(builder *b, int is_field, const char *text, size_t len)
{
    if (strbuf_failed(&b->pool)) return -1;
    if (!is_field && b->count && !b->segments[b->count - 1].is_field) {
        /* Extend the previous literal so "a{{{{b" stays one segment. */
        b->pool.len--; /* drop its terminator */
        strbuf_append(&b->pool, text, len);
        strbuf_putc(&b->pool, '\0');
        b->segments[b->count - 1].length += len;
        return strbuf_failed(&b->pool) ? -1 : 0;
    }
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4;
        template_segment *p = realloc(b->segments, cap * sizeof *p);
        if (!p) return -1;
        b->segments = p;
        b->cap = cap;
    }
    b->segments[b->count++] = (template_segment){ is_field, b->pool.len, len };
    strbuf_append(&b->pool, text, len);
    strbuf_putc(&b->pool, '\0');
    return strbuf_failed(&b->pool) ? -1 : 0;
}

/* Parses the placeholder whose "{{" starts at `open`; returns the offset just past its "}}", or 0 with
 * err filled. */
static size_t parse_placeholder(builder *b, const char *text, size_t open, char *err, size_t err_size)
{
    const char *close = strstr(text + open + 2, "}}");
    if (!close) {
        snprintf(err, err_size, "unclosed '{{' at offset %zu (write '{{{{' for a literal '{{')", open);
        return 0;
    }
    size_t start = open + 2, end = (size_t)(close - text);
    while (start < end && is_space(text[start])) start++;
    while (end > start && is_space(text[end - 1])) end--;
    if (start == end) {
        snprintf(err, err_size, "empty placeholder '{{}}' at offset %zu (expected a field name such as {{path}})", open);
        return 0;
    }
    for (size_t i = start; i < end; i++) {
        if (!is_name_char(text[i])) {
            snprintf(err, err_size, "invalid field name '%.*s' at offset %zu (letters, digits, '_', '.' and '-' only)",
                     (int)(end - start), text + start, open);
            return 0;
        }
    }
    char name[256];
    if (end - start >= sizeof name) {
        snprintf(err, err_size, "field name too long at offset %zu", open);
        return 0;
    }
    memcpy(name, text + start, end - start);
    name[end - start] = '\0';
    char buf[FIELD_NAME_MAX];
    const char *canon = canonical_name(name, buf);
    if (add_segment(b, 1, canon, strlen(canon)) != 0) {
        snprintf(err, err_size, "out of memory");
        return 0;
    }
    return (size_t)(close - text) + 2;
}

template *template_compile(const char *text, char *err, size_t err_size)
{
    builder b = { STRBUF_INIT, NULL, 0, 0 };
    template *t = NULL;
    if (err && err_size) err[0] = '\0';
    char scratch[8];
    if (!err || !err_size) { err = scratch; err_size = sizeof scratch; }
    if (!text) text = "";
    size_t i = 0, lit = 0;
    while (text[i]) {
        if (text[i] != '{' || text[i + 1] != '{') { i++; continue; }
        if (i > lit && add_segment(&b, 0, text + lit, i - lit) != 0) goto oom;
        if (strncmp(text + i, "{{{{", 4) == 0) {
            if (add_segment(&b, 0, "{{", 2) != 0) goto oom;
            i += 4;
        } else {
            i = parse_placeholder(&b, text, i, err, err_size);
            if (!i) goto fail;
        }
        lit = i;
    }
    if (i > lit && add_segment(&b, 0, text + lit, i - lit) != 0) goto oom;
    t = calloc(1, sizeof *t);
    if (!t || !(t->source = str_dup(text))) goto oom;
    if (!(t->pool = strbuf_detach(&b.pool))) goto oom;
    t->segments = b.segments;
    t->count = b.count;
    for (size_t s = 0; s < b.count; s++)
        if (b.segments[s].is_field) t->has_fields = 1;
    return t;
oom:
    snprintf(err, err_size, "out of memory");
fail:
    if (t) free(t->source);
    free(t);
    strbuf_free(&b.pool);
    free(b.segments);
    return NULL;
}

void template_free(template *t)
{
    if (!t) return;
    free(t->source);
    free(t->pool);
    free(t->segments);
    free(t);
}

int template_is_literal(const template *t) { return !t || !t->has_fields; }

const char *template_leading_field(const template *t)
{
    return (t && t->count && t->segments[0].is_field) ? t->pool + t->segments[0].offset : NULL;
}
const char *template_source(const template *t) { return t ? t->source : NULL; }

void template_render(const template *t, const render_ctx *ctx, strbuf *out)
{
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) {
        const template_segment *s = &t->segments[i];
        if (!s->is_field) {
            strbuf_append(out, t->pool + s->offset, s->length);
            continue;
        }
        const char *name = t->pool + s->offset;
        const char *value = lookup_canonical(ctx, name);
        if (value) strbuf_puts(out, value);
        else if (ctx && strncmp(name, EVENT_BATCH_EACH, strlen(EVENT_BATCH_EACH)) == 0)
            event_batch_append_each(ctx->event, name + strlen(EVENT_BATCH_EACH), out);
    }
}

const char *template_sole_field(const template *t)
{
    return t && t->count == 1 && t->segments[0].is_field ? t->pool + t->segments[0].offset : NULL;
}
