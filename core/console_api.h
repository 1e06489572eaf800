/*
 * core/console_api.h - the web console's API calls that live in their own files (console_tester.c,
 * console_sources.c), and what console_http.c lends them: the engine, the request body, replies.
 * console_http.c checks Host, Origin, token and method before it calls any of them (one line each in
 * its table of routes).
 * Threads: handlers run on the HTTP server's worker threads, concurrently.
 */
#ifndef WEE_CONSOLE_API_H
#define WEE_CONSOLE_API_H
#include "console_http.h"
#include "util/strbuf.h"

struct mg_connection;
struct mg_request_info;

typedef void (*console_api_fn)(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
typedef struct console_route { const char *path; const char *method; console_api_fn fn; } console_route;

engine *console_engine(const console_http *cs);
/* The dashboard's rate history (console_rate.h); NULL if it could not start. */
struct console_rate *console_rate_of(const console_http *cs);
/* The request body, at most CONSOLE_BODY_MAX bytes, NUL-terminated: 0, or the HTTP status to answer
 * (413 too large, 400 incomplete). */
int console_read_body(struct mg_connection *c, const struct mg_request_info *ri, strbuf *out);
void console_reply_json(struct mg_connection *c, int status, const char *json);
/* {"ok": ok, "text": text} */
void console_reply_outcome(struct mg_connection *c, int status, int ok, const char *text);

/* POST /api/test: the event tester (rule_test.h). */
void console_api_test(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
/* GET /api/sources, POST /api/sources/restart, GET /api/modules[?describe=NAME] (engine_control.h). */
void console_api_sources(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
void console_api_source_restart(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
void console_api_modules(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
/* GET /api/rate: the last minutes' processed counts (console_rate.h). */
void console_api_rate(console_http *cs, struct mg_connection *c, const struct mg_request_info *ri);
#endif
