/*
 * core/console_api.h - for the web console's API calls that live in files of their own
 * (console_rules.c): the routing entry and the reply and body helpers of console_http.c, so every
 * call answers the same way. console_http.c has already checked the Host, Origin, token and method
 * when a handler runs (a route names its method).
 */
#ifndef WEE_CONSOLE_API_H
#define WEE_CONSOLE_API_H
#include "engine.h"
#include "util/strbuf.h"

struct mg_connection;
struct mg_request_info;

typedef void (*console_api_fn)(engine *e, struct mg_connection *c, const struct mg_request_info *ri);

void console_reply_json(struct mg_connection *c, int status, const char *json);
/* {"ok": ok, "text": text} */
void console_reply_outcome(struct mg_connection *c, int status, int ok, const char *text);
/* The request body (at most CONSOLE_BODY_MAX bytes, NUL-terminated): 0, or the status to answer (413, 400). */
int console_read_body(struct mg_connection *c, const struct mg_request_info *ri, strbuf *out);

/* console_rules.c (docs/console.md, "Rules"): GET /api/rules, GET /api/rules/schema,
 * POST /api/rules/check, POST /api/rules/save. */
void console_rules_list(engine *e, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_schema(engine *e, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_check(engine *e, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_save(engine *e, struct mg_connection *c, const struct mg_request_info *ri);
#endif
