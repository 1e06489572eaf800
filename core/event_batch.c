/*
 * Batch events (see event_batch.h). The JSON array is built once when the batch fires: rendering it
 * per action from the members would repeat the work for every action of the rule.
 */
#include "event_batch.h"
#include <stdlib.h>
#include <string.h>
#include "field_traits.h"
#include "wee/errors.h"

/* The event's first field that is one of `subjects` (the fields declared WEE_FIELD_SUBJECT: the path it
 * is about); NULL if none. */
static const char *subject_of(const wee_event *ev, char *const *subjects)
{
    for (size_t i = 0, n = event_field_count(ev); i < n; i++) {
        const char *name = event_field_name(ev, i);
        for (char *const *s = subjects; name && *s; s++)
            if (strcmp(*s, name) == 0) return event_field_string(ev, i);
    }
    return NULL;
}

static void release(wee_event **members, size_t count)
{
    for (size_t i = 0; i < count; i++) event_unref(members[i]);
    free(members);
}

wee_event *event_batch_new(wee_event **members, size_t count)
{
    event_batch *b = malloc(sizeof *b);
    /* Looked up once for the whole batch (field_traits_of per field would take its lock each time). */
    char **subjects = count && b ? field_traits_names_with(WEE_FIELD_SUBJECT) : NULL;
    wee_event *ev = subjects ? event_clone(members[0]) : NULL;
    if (!ev) {
        free(subjects);
        free(b);
        release(members, count);
        return NULL;
    }
    b->members = members;
    b->count = count;
    strbuf paths = STRBUF_INIT, json = STRBUF_INIT;
    strbuf_putc(&json, '[');
    for (size_t i = 0; i < count; i++) {
        const char *p = subject_of(members[i], subjects);
        if (p) {
            if (paths.len) strbuf_putc(&paths, '\n');
            strbuf_puts(&paths, p);
        }
        char *j = event_to_json(members[i]);
        if (i) strbuf_putc(&json, ',');
        strbuf_puts(&json, j ? j : "null");
        free(j);
    }
    strbuf_putc(&json, ']');
    free(subjects);
    int rc = strbuf_failed(&paths) || strbuf_failed(&json) ? WEE_ENOMEM : event_set_int(ev, "batch.count", (int64_t)count);
    if (!rc) rc = event_set_string(ev, "batch.paths", strbuf_cstr(&paths));
    if (!rc) rc = event_set_string(ev, "batch.events", strbuf_cstr(&json));
    strbuf_free(&paths);
    strbuf_free(&json);
    ev->batch = b;
    if (rc) {
        event_unref(ev);
        return NULL;
    }
    return ev;
}

size_t event_batch_count(const wee_event *ev) { return ev && ev->batch ? ev->batch->count : 0; }

const char *event_batch_field(const wee_event *ev, size_t i, const char *field)
{
    if (!ev || !ev->batch || i >= ev->batch->count) return NULL;
    const wee_event *m = ev->batch->members[i];
    return strcmp(field, "type") == 0 ? event_type(m) : event_get_string(m, field);
}

void event_batch_append_each(const wee_event *ev, const char *field, strbuf *out)
{
    size_t n = event_batch_count(ev), written = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = event_batch_field(ev, i, field);
        if (!v) continue;
        if (written++) strbuf_putc(out, '\n');
        strbuf_puts(out, v);
    }
}
