#include "mqtt_payload.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

int mqtt_payload_is_text(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = p[i];
        size_t need;
        uint32_t cp;
        if (b == 0) return 0;
        if (b < 0x80) { i++; continue; }
        if ((b & 0xE0) == 0xC0) { need = 1; cp = b & 0x1Fu; }
        else if ((b & 0xF0) == 0xE0) { need = 2; cp = b & 0x0Fu; }
        else if ((b & 0xF8) == 0xF0) { need = 3; cp = b & 0x07u; }
        else return 0;
        if (len - i <= need) return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += need + 1;
    }
    return 1;
}

static char *base64(const unsigned char *p, size_t len)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out) return NULL;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = t[v >> 18]; *o++ = t[(v >> 12) & 63]; *o++ = t[(v >> 6) & 63]; *o++ = t[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = t[v >> 18]; *o++ = t[(v >> 12) & 63];
        *o++ = i + 1 < len ? t[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int plain_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 64) return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static int json_fields(const wee_host_api *h, wee_event *ev, const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) return 0;
    int rc = 0;
    if (cJSON_IsObject(root)) {
        char name[80];
        size_t taken = 0;
        for (const cJSON *c = root->child; c && rc == 0 && taken < MQTT_JSON_FIELDS_MAX; c = c->next) {
            if (!c->string || !plain_key(c->string)) continue;
            taken++;
            snprintf(name, sizeof name, "json.%s", c->string);
            double d = c->valuedouble;
            if (cJSON_IsString(c)) {
                rc = h->event_set_string(ev, name, c->valuestring);
            } else if (cJSON_IsBool(c)) {
                rc = h->event_set_bool(ev, name, cJSON_IsTrue(c));
            } else if (cJSON_IsNumber(c) && d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d) {
                rc = h->event_set_int(ev, name, (int64_t)d);
            } else {
                char *t = cJSON_PrintUnformatted(c);
                if (t) rc = h->event_set_string(ev, name, t);
                cJSON_free(t);
            }
        }
    }
    cJSON_Delete(root);
    return rc;
}

int mqtt_payload_to_fields(const wee_host_api *h, wee_event *ev, const void *payload, size_t len)
{
    const unsigned char *p = payload ? payload : (const unsigned char *)"";
    int rc = h->event_set_int(ev, "payload_size", (int64_t)len);
    if (rc == 0 && mqtt_payload_is_text(p, len)) {
        char *text = malloc(len + 1);
        if (!text) return WEE_ENOMEM;
        memcpy(text, p, len);
        text[len] = '\0';
        rc = h->event_set_string(ev, "payload", text);
        if (rc == 0) rc = h->event_set_string(ev, "payload_encoding", "utf-8");
        if (rc == 0 && len && (text[0] == '{' || text[0] == ' ' || text[0] == '\n' || text[0] == '\t' || text[0] == '\r'))
            rc = json_fields(h, ev, text, len);
        free(text);
        return rc;
    }
    char *b64 = rc == 0 ? base64(p, len) : NULL;
    if (rc == 0 && !b64) return WEE_ENOMEM;
    if (rc == 0) rc = h->event_set_string(ev, "payload", b64);
    if (rc == 0) rc = h->event_set_string(ev, "payload_encoding", "base64");
    free(b64);
    return rc;
}
