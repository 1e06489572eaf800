/* console_sources.c - the console's Sources and modules page: GET /api/sources, POST
 * /api/sources/restart, GET /api/modules[?describe=NAME] (engine_control.h). */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include "console_api.h"
#include "engine_control.h"
#include "wee/errors.h"

void console_api_sources(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    (void)ri;
    strbuf out = STRBUF_INIT;
    engine_sources_json(cx->e, &out);
    console_reply_strbuf(c, 200, &out);
    strbuf_free(&out);
}

/* body: {"id": "inbox"}. 200 {"ok": true, "text"}; 404 no such source; 500 it did not start (text
 * says why). A running source is stopped and started, a failed one tried again. */
void console_api_source_restart(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    strbuf body = STRBUF_INIT, report = STRBUF_INIT;
    int bad = console_read_body(c, ri, &body, NULL);
    cJSON *req = bad ? NULL : cJSON_Parse(strbuf_cstr(&body));
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
    if (!bad && (!cJSON_IsString(id) || !id->valuestring[0])) {
        console_reply_outcome(c, 400, 0, "send {\"id\": \"<source id>\"}");
    } else if (!bad) {
        int rc = engine_source_restart(cx->e, id->valuestring, &report);
        int status = rc == 0 ? 200 : rc == WEE_ENOTFOUND ? 404 : rc == WEE_ENOMEM ? 503 : 500;
        console_reply_outcome(c, status, rc == 0, strbuf_cstr(&report));
    }
    cJSON_Delete(req);
    strbuf_free(&body);
    strbuf_free(&report);
}

void console_api_modules(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    char name[128] = "";
    const char *q = ri->query_string;
    int have = q && mg_get_var(q, strlen(q), "describe", name, sizeof name) > 0;
    strbuf out = STRBUF_INIT;
    if (engine_modules_json(cx->e, have ? name : NULL, &out) == 0) {
        console_reply_strbuf(c, 200, &out);
    } else {
        strbuf_reset(&out);
        strbuf_printf(&out, "no module named '%s' (the list shows the modules beside the host)", name);
        console_reply_outcome(c, 404, 0, strbuf_cstr(&out));
    }
    strbuf_free(&out);
}
