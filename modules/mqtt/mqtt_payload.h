/*
 * modules/mqtt/mqtt_payload.h - an inbound message's payload as event fields. Payloads are whatever a
 * remote publisher sent: never assumed to be text, JSON, or small.
 *  - valid UTF-8 without NUL bytes: "payload" is the text, "payload_encoding" is "utf-8";
 *  - anything else: "payload" is its base64, "payload_encoding" is "base64";
 *  - a JSON object: each top-level member also as "json.<key>" (strings as text, integers as integers,
 *    true/false as booleans, anything else as its JSON text); keys that are not plain identifiers
 *    (letters, digits, '_', '-', '.') or longer than 64 bytes are skipped; at most the first
 *    MQTT_JSON_FIELDS_MAX members become fields (a remote payload must not make an event of
 *    thousands of fields).
 */
#ifndef WEE_MQTT_PAYLOAD_H
#define WEE_MQTT_PAYLOAD_H
#include <stddef.h>
#include "wee/wee.h"

#define MQTT_JSON_FIELDS_MAX 256

int mqtt_payload_is_text(const unsigned char *p, size_t len);
/* Sets payload, payload_encoding, payload_size and the json.* fields on ev. Returns 0 or WEE_ENOMEM. */
int mqtt_payload_to_fields(const wee_host_api *h, wee_event *ev, const void *payload, size_t len);
#endif
