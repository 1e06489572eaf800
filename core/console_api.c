/* console_api.c - the replies and the body reader every console API call uses; see console_api.h. */
#include "console_api.h"
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "console_http.h"
#include "http_server.h"

static const char json_type[] = "application/json; charset=utf-8";

void console_reply_json(struct mg_connection *c, int status, const char *json)
{
    http_reply(c, status, json_type, NULL, json, strlen(json));
}

/* {"ok": ok, "text": text} */
void console_reply_outcome(struct mg_connection *c, int status, int ok, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", ok);
    cJSON_AddStringToObject(o, "text", text ? text : "");
    char *s = cJSON_PrintUnformatted(o);
    console_reply_json(c, status, s ? s : "{\"ok\":false}");
    free(s);
    cJSON_Delete(o);
}

static int read_body(struct mg_connection *c, const struct mg_request_info *ri, strbuf *out)
{
    if (ri->content_length > CONSOLE_BODY_MAX) return 413;
    char chunk[8192];
    int n;
    while ((n = mg_read(c, chunk, sizeof chunk)) > 0) {
        if (out->len + (size_t)n > CONSOLE_BODY_MAX) return 413;
        strbuf_append(out, chunk, (size_t)n);
    }
    if (ri->content_length > 0 && out->len != (size_t)ri->content_length) return 400;
    strbuf_putc(out, '\0'); /* a NUL inside is then visible to the parser as the end */
    out->len--;
    return 0;
}

int console_read_body(struct mg_connection *c, const struct mg_request_info *ri, strbuf *out, const char *what)
{
    int bad = read_body(c, ri, out);
    if (bad == 413) {
        char text[160];
        snprintf(text, sizeof text, "request body over 1 MiB%s%s%s", what ? "; " : "", what ? what : "",
                 what ? " must be smaller" : "");
        console_reply_outcome(c, 413, 0, text);
    } else if (bad) {
        console_reply_outcome(c, 400, 0, "incomplete request body");
    }
    return bad;
}

void console_reply_cjson(struct mg_connection *c, int status, cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    if (s) console_reply_json(c, status, s);
    else console_reply_outcome(c, 503, 0, "out of memory");
    free(s);
    cJSON_Delete(o);
}

void console_reply_strbuf(struct mg_connection *c, int status, const strbuf *sb)
{
    if (strbuf_failed(sb)) console_reply_outcome(c, 503, 0, "out of memory");
    else console_reply_json(c, status, strbuf_cstr(sb));
}
