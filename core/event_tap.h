/*
 * core/event_tap.h - what the web console sees of dispatch: a bounded fan-out of processed events (with
 * the rules they matched and what each action returned) to live viewers, and the last action failures.
 *
 * Bounded by design: a viewer that reads slowly or not at all never slows a worker or grows memory.
 * Each viewer has a queue of at most TAP_VIEWER_ITEMS entries and TAP_VIEWER_BYTES bytes; an event
 * that does not fit is not queued but counted as missed for that viewer. At most TAP_MAX_VIEWERS
 * viewers; with none the workers pay one atomic load per event.
 * Threads: publish from workers, subscribe/next/unsubscribe from the console's threads, any mix.
 * Ownership: the dispatcher owns the tap; items returned by event_tap_next are the caller's (free()).
 */
#ifndef WEE_EVENT_TAP_H
#define WEE_EVENT_TAP_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "util/strbuf.h"

#define TAP_MAX_VIEWERS 16
#define TAP_VIEWER_ITEMS 256
#define TAP_VIEWER_BYTES (256 * 1024)
#define TAP_ITEM_MAX (16 * 1024)   /* a longer line is counted as missed; publishers shorten events first */
#define TAP_FAILURES 20

typedef struct event_tap event_tap;
typedef struct tap_viewer tap_viewer;

event_tap *event_tap_new(void);
void event_tap_free(event_tap *t);

/* 1 when someone watches: workers build the event's description only then. */
int event_tap_watched(event_tap *t);
/* Hands one processed event to every viewer: line is a JSON object (copied). */
void event_tap_publish(event_tap *t, const char *line, size_t len);

/* What an action published for later actions ("<module>.<name>" fields of the rule's results event, e.g.
 * exec's exit_code, http's status, lua's ok) added to its live-view object action_json (a cJSON object)
 * as "results": {name: value}; strings shortened to TAP_RESULT_TEXT bytes. Called only while watched. */
#define TAP_RESULT_TEXT 256
struct cJSON;
struct wee_event;
void event_tap_add_results(struct cJSON *action_json, const struct wee_event *results, const char *module);

/* An action failure, always remembered (the last TAP_FAILURES): rule name, the action's JSON path,
 * module, event type, error text. */
void event_tap_failure(event_tap *t, const char *rule, const char *action_path, const char *module,
                       const char *event_type, const char *error);
/* The remembered failures as a new JSON array, newest first (the caller owns it); NULL when out of memory. */
cJSON *event_tap_failures(event_tap *t);

/* What the live viewers hold now: their count, the bytes queued for them, the events they missed. */
void event_tap_stats(event_tap *t, unsigned *viewers, size_t *queued_bytes, uint64_t *missed);

/* NULL when TAP_MAX_VIEWERS already watch. */
tap_viewer *event_tap_subscribe(event_tap *t);
/* Waits up to timeout_ms for the next event: 0 with *line (malloc'd, NUL-terminated) set, WEE_ETIMEOUT,
 * or WEE_ESTOPPED once the tap is closing. *missed: events this viewer lost so far. */
int event_tap_next(tap_viewer *v, int timeout_ms, char **line, uint64_t *missed);
void event_tap_unsubscribe(tap_viewer *v);
/* Wakes every viewer with WEE_ESTOPPED (the server stops). */
void event_tap_close(event_tap *t);
#endif
