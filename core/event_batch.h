/*
 * core/event_batch.h - the event a batched rule ("batch_ms") runs its actions with.
 *
 * It is a copy of the first collected event with three more fields:
 *   batch.count   how many events were collected
 *   batch.paths   their "path" fields, one per line (events without a path are skipped)
 *   batch.events  a JSON array of the events
 * and it keeps the collected events, so a string-list option whose element is exactly
 * "{{batch.each.FIELD}}" expands to one element per event (an exec argument per file), and the same
 * placeholder elsewhere renders the values one per line.
 * Ownership: event_batch_new takes the caller's references to the members.
 */
#ifndef WEE_EVENT_BATCH_H
#define WEE_EVENT_BATCH_H
#include <stddef.h>
#include "event.h"
#include "util/strbuf.h"

#define EVENT_BATCH_EACH "batch.each."

typedef struct event_batch event_batch;

/* NULL when out of memory (the members are released then too). */
wee_event *event_batch_new(wee_event **members, size_t count);
/* Members of ev's batch (0 when ev is not a batch event) and one member's field text (NULL if unset). */
size_t event_batch_count(const wee_event *ev);
const char *event_batch_field(const wee_event *ev, size_t i, const char *field);
/* Appends field of every member, one per line, to out. */
void event_batch_append_each(const wee_event *ev, const char *field, strbuf *out);
#endif
