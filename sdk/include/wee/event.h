/*
 * wee/event.h - events as modules see them: opaque handles, typed flat fields.
 *
 * Ownership and lifetime:
 *  - host->event_new() returns an event owned by the caller. It is either handed to host->emit() (which
 *    takes ownership in every case, success or failure) or released with host->event_free().
 *  - An event passed *into* a module (action call, wee_action_call's event) is borrowed: valid until the
 *    call returns; never free it.
 *  - Strings returned by accessors are owned by the event and live as long as the event.
 *  - Field names are ASCII identifiers with dots allowed ("path", "http.status"). Setting a field that
 *    exists replaces it.
 *
 * Every field has a type and also a text form (integers in decimal, booleans as "true"/"false"), so
 * event_get_string works for any field.
 */
#ifndef WEE_EVENT_H
#define WEE_EVENT_H

#include "abi.h"

typedef struct wee_event wee_event;

typedef enum wee_value_type {
    WEE_VALUE_NONE = 0, /* field absent */
    WEE_VALUE_STRING = 1,
    WEE_VALUE_INT = 2,
    WEE_VALUE_BOOL = 3
} wee_value_type;

#endif
