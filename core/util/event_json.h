/*
 * core/util/event_json.h - an event (read through the host API) as a cJSON object, for modules that
 * write events out as JSON (the log action's json format, the mqtt action's default payload).
 * Shape: {"type": ..., then every field: integers as exact numbers, booleans, strings}.
 * Ownership: the caller deletes the result with cJSON_Delete; NULL when out of memory.
 */
#ifndef WEE_UTIL_EVENT_JSON_H
#define WEE_UTIL_EVENT_JSON_H
#include <cjson/cJSON.h>
#include "wee/host.h"

cJSON *event_json_object(const wee_host_api *host, const wee_event *ev);
#endif
