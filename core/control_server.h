/*
 * core/control_server.h - the running host's control channel (`host status|reload|emit`): a Unix
 * socket / named pipe (platform/ipc.h) served on its own threads, speaking control_protocol.h.
 *
 * Two steps so a host that cannot own its endpoint fails before starting any source:
 * control_server_open binds (refusing a path a live host holds), control_server_start serves it for
 * a running engine. control_server_stop must run before engine_stop: it returns only when no
 * request is being handled any more.
 * Limits: CONTROL_MAX_CLIENTS at once (more get "error" busy), a request must arrive whole within
 * CONTROL_REQUEST_TIMEOUT_MS and fit CONTROL_REQUEST_MAX; a client that does not read its answer is
 * dropped after CONTROL_WRITE_TIMEOUT_MS. None of this touches the engine's workers.
 */
#ifndef WEE_CONTROL_SERVER_H
#define WEE_CONTROL_SERVER_H
#include <stddef.h>
#include "control_protocol.h"
#include "engine.h"

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_REQUEST_TIMEOUT_MS 5000
#define CONTROL_WRITE_TIMEOUT_MS 5000

typedef struct control_server control_server;

/* NULL with err filled (one line: what, where, what to do); *exists set to 1 when a live host already
 * owns path. */
control_server *control_server_open(const char *path, int *exists, char *err, size_t err_size);
int control_server_start(control_server *cs, engine *e);   /* 0 or WEE_ENOMEM */
void control_server_stop(control_server *cs);               /* also closes and frees (open-only too) */

/* `host emit` for every front end (control channel, web console): json is an event object
 * {"type": ..., fields...}; text gets the one-line outcome; who names the front end in the log.
 * CONTROL_OK, CONTROL_FAILED (queue full / stopping) or CONTROL_ERROR (not a valid event). */
control_result control_emit(engine *e, const char *json, const char *who, strbuf *text);
#endif
