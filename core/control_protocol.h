/*
 * core/control_protocol.h - the control channel's wire format, shared by the server (control_server.c)
 * and the client (cli_control.c). One request per connection:
 *
 *   request  = command [" " argument] "\n"          at most CONTROL_REQUEST_MAX bytes
 *   command  = "status" | "reload" | "metrics" | "emit"   (emit's argument: one JSON event object)
 *   response = result "\n" text                        then the server closes the connection
 *   result   = "ok" | "failed" | "error" | "busy"
 *
 * "ok": done, text is the answer. "failed": the engine tried and could not (reload errors, event
 * dropped); text says why. "error": the request itself was refused (unknown command, too large,
 * too slow); text says what to change. "busy": every connection slot is taken; try again shortly. Text is UTF-8 and ends with a newline.
 */
#ifndef WEE_CONTROL_PROTOCOL_H
#define WEE_CONTROL_PROTOCOL_H
#include <stddef.h>
#include "util/strbuf.h"

#define CONTROL_REQUEST_MAX (1024 * 1024)
#define CONTROL_RESPONSE_MAX (16 * 1024 * 1024)

typedef enum { CONTROL_STATUS, CONTROL_RELOAD, CONTROL_METRICS, CONTROL_EMIT } control_command;
typedef enum { CONTROL_OK, CONTROL_FAILED, CONTROL_ERROR, CONTROL_BUSY } control_result;

/* Parses one request line (the newline and a "\r" before it already removed). 0 with *cmd and *arg (""
 * when there is none); WEE_EINVAL with err saying what is wrong. */
int control_parse_request(const char *line, control_command *cmd, const char **arg, char *err, size_t err_size);
/* Appends the request line for cmd (and arg, for emit) to out. */
void control_format_request(strbuf *out, control_command cmd, const char *arg);

void control_format_response(strbuf *out, control_result r, const char *text);
/* Splits a whole response. 0 with *r and *text (pointing into response); WEE_EINVAL if it has no
 * valid result line. */
int control_parse_response(const char *response, control_result *r, const char **text);

/* The event JSON for `host emit TYPE name=value ...`: value "true"/"false" is a boolean, an optional
 * '-' and at most 15 digits an integer (longer digit strings stay strings: the JSON carrying them
 * would round them), anything else a string. malloc'd text, or NULL with err naming the bad argument. */
char *control_event_json(const char *type, int count, const char *const *pairs, char *err, size_t err_size);
#endif
