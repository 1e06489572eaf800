/*
 * core/event.h - the host's event: a type plus a small flat list of typed fields.
 *
 * Ownership: event_new returns a reference count of 1; event_ref/event_unref share it between the
 * dispatcher, debounce timers and workers. Fields are only written before the event is emitted
 * (sources) or by the one worker that owns an event it created (results lists); after emit an event
 * is read-only, so readers need no lock.
 * The functions match the wee_host_api signatures so host_api.c can point at them directly.
 */
#ifndef WEE_CORE_EVENT_H
#define WEE_CORE_EVENT_H
#include <stdint.h>
#include <stddef.h>
#include <stdatomic.h>
#include "wee/event.h"

typedef struct event_field {
    char *name;
    char *text;        /* text form, always set */
    int64_t ival;      /* INT value, or BOOL 0/1 */
    wee_value_type type;
} event_field;

/* The events a batch event keeps (built by event_batch.c); released by event_unref with the event that
 * holds them, in event.c, so event.c never calls into event_batch.c. */
struct event_batch {
    struct wee_event **members;
    size_t count;
};

struct wee_event {
    atomic_int refs;
    char *type;
    event_field *fields;
    size_t count, cap;
    int depth;         /* emit chain depth (events raised by actions) */
    int by_engine;     /* caused by the engine's own action (engine_origin.h) */
    struct event_batch *batch; /* the events a batched rule collected (event_batch.h); NULL otherwise */
};

wee_event *event_new(const char *type);
wee_event *event_ref(wee_event *ev);
void event_unref(wee_event *ev);
void event_free(wee_event *ev);        /* = event_unref (ABI name) */
wee_event *event_clone(const wee_event *ev);

int event_set_string(wee_event *ev, const char *name, const char *value);
int event_set_int(wee_event *ev, const char *name, int64_t value);
int event_set_bool(wee_event *ev, const char *name, int value);
int event_set_type(wee_event *ev, const char *type);

const event_field *event_find(const wee_event *ev, const char *name);
const char *event_type(const wee_event *ev);
wee_value_type event_get_type(const wee_event *ev, const char *name);
const char *event_get_string(const wee_event *ev, const char *name);
int64_t event_get_int(const wee_event *ev, const char *name, int64_t fallback);
int event_get_bool(const wee_event *ev, const char *name, int fallback);
size_t event_field_count(const wee_event *ev);
const char *event_field_name(const wee_event *ev, size_t i);
wee_value_type event_field_type(const wee_event *ev, size_t i);
const char *event_field_string(const wee_event *ev, size_t i);

/* Build an event from a JSON object {"type": "...", "field": value, ...} (host test / host emit).
 * Returns NULL and fills err on bad input. */
wee_event *event_from_json(const char *json_text, char *err, size_t err_size);
/* The same from a parsed JSON value (a cJSON*, as void* to keep cJSON out of this header). */
wee_event *event_from_cjson(const void *cjson_item, char *err, size_t err_size);
/* JSON object text of the event (caller frees with free()). */
char *event_to_json(const wee_event *ev);
/* The same as a new cJSON object (a cJSON*; the caller deletes it); NULL when out of memory. Integers
 * are raw items holding their exact decimal text. */
void *event_to_cjson(const wee_event *ev);
#endif
