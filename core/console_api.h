/*
 * core/console_api.h - the web console's API calls that live in files of their own (console_rules.c,
 * console_tester.c, console_sources.c), and the replies and body reader they share with console_http.c
 * (console_api.c), so every call answers the same way.
 * console_http.c checks Host, Origin, token and method before it calls any handler (one line each in its
 * table of routes).
 * Threads: handlers run on the HTTP server's worker threads, concurrently.
 */
#ifndef WEE_CONSOLE_API_H
#define WEE_CONSOLE_API_H
#include <cjson/cJSON.h>
#include "engine.h"
#include "util/strbuf.h"

struct mg_connection;
struct mg_request_info;
struct console_rate;

/* What a handler may use; owned by the console, valid while the console runs. */
typedef struct console_ctx {
    engine *e;
    struct console_rate *rate; /* the dashboard's rate history (console_rate.h); NULL if it could not start */
} console_ctx;

typedef void (*console_api_fn)(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);

/* The request body, at most CONSOLE_BODY_MAX bytes, NUL-terminated: 0; or, after answering 413 (too
 * large: "request body over 1 MiB; <what> must be smaller", or without the advice when what is NULL)
 * or 400 (incomplete), that status. */
int console_read_body(struct mg_connection *c, const struct mg_request_info *ri, strbuf *out, const char *what);
void console_reply_json(struct mg_connection *c, int status, const char *json);
/* sb's JSON text with status; 503 "out of memory" instead when building it ran out (strbuf_failed):
 * never a cut document. */
void console_reply_strbuf(struct mg_connection *c, int status, const strbuf *sb);
/* o printed as the answer with status, then deleted; 503 "out of memory" instead when o is NULL or
 * cannot be printed. */
void console_reply_cjson(struct mg_connection *c, int status, cJSON *o);
/* {"ok": ok, "text": text} */
void console_reply_outcome(struct mg_connection *c, int status, int ok, const char *text);

/* The Rules page (docs/console.md, "Rules"; console_rules.h): GET /api/rules (console_rules.c),
 * GET /api/rules/schema (console_rules_schema.c), POST /api/rules/check and /api/rules/save
 * (console_rules_save.c). */
void console_rules_list(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_schema(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_check(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
void console_rules_save(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
/* POST /api/test: the event tester (rule_test.h). */
void console_api_test(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
/* GET /api/sources, POST /api/sources/restart, GET /api/modules[?describe=NAME] (engine_control.h). */
void console_api_sources(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
void console_api_source_restart(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
void console_api_modules(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
/* GET /api/rate: the last minutes' processed counts (console_rate.h). */
void console_api_rate(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri);
#endif
