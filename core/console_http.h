/*
 * core/console_http.h - the web console (docs/console.md): static pages from the console/ folder
 * beside the host and a JSON API under /api/, served on the host's HTTP server (http_server.h).
 *
 * Who may use it: at open a random token is made and written, with the console's URL, to a file only
 * this user can read (platform/private_file.h; `host console` prints it). Every /api/ request must
 * carry it in the X-WEE-Token header (401 otherwise; never a cookie, which another site's page could
 * make the browser send). A request whose Host is not loopback or whose Origin is not this console
 * is refused with 403. State-changing calls are POST only (405 otherwise).
 * The API uses the engine's control functions (engine_control.h, control_emit), the same ones as
 * the control channel: GET /api/status, GET /api/events (Server-Sent Events from the engine's tap,
 * event_tap.h), POST /api/emit, POST /api/reload; the Rules page's calls are in console_rules.c
 * (console_api.h).
 * Lifecycle as metrics_http.h: open before the engine starts, start, stop before engine_stop.
 */
#ifndef WEE_CONSOLE_HTTP_H
#define WEE_CONSOLE_HTTP_H
#include <stddef.h>
#include "engine.h"

#define CONSOLE_BODY_MAX (1024 * 1024)   /* a larger request body is refused with 413 */
#define CONSOLE_TOKEN_HEADER "X-WEE-Token"
#define CONSOLE_FILE_SUFFIX ".console"   /* the URL file: beside the control endpoint (private_file.h) */

typedef struct console_http console_http;

/* Binds listen and writes the URL file (token_file). NULL with err saying what and where. */
console_http *console_http_open(const char *listen, const char *token_file, char *err, size_t err_size);
/* assets: the folder holding index.html and the rest. */
int console_http_start(console_http *c, engine *e, const char *assets);
/* Ends every live stream, stops serving and removes the URL file. */
void console_http_stop(console_http *c);
#endif
