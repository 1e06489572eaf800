/*
 * fuzz_control - the control channel's wire format (core/control_protocol.c) as the server reads it
 * (control_server.c: one line, an optional "\r" dropped, then the request; emit's argument through
 * event_from_json) and as the client reads answers and builds `host emit` events from its arguments.
 * Invariants: a parsed request, formatted as the client would send it, parses to the same request; an
 * accepted emit argument list gives JSON that event_from_json accepts with the same field count; a
 * parsed response's text lies inside it.
 */
#include <string.h>
#include "control_protocol.h"
#include "fuzz_input.h"

static void server_side(const char *request)
{
    /* What control_server.c's handler does with the bytes up to the newline. */
    char *line = strdup(request);
    if (!line) abort();
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[--len] = '\0';
    control_command cmd;
    const char *arg = NULL;
    char err[256] = "";
    if (control_parse_request(line, &cmd, &arg, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
        for (const char *c = err; *c; c++) FUZZ_CHECK((unsigned char)*c >= 0x20, "control byte in the error");
    } else {
        /* What the client would send for this request parses to the same request. */
        strbuf again = STRBUF_INIT;
        control_format_request(&again, cmd, arg);
        FUZZ_CHECK(again.len && again.data[again.len - 1] == '\n', "request not ended by a newline");
        again.data[--again.len] = '\0';
        control_command cmd2;
        const char *arg2 = NULL;
        FUZZ_CHECK(control_parse_request(again.data, &cmd2, &arg2, err, sizeof err) == 0 && cmd2 == cmd &&
                       strcmp(arg2, arg) == 0,
                   "\"%s\" formats as \"%s\", which parses differently", line, again.data);
        strbuf_free(&again);
        if (cmd == CONTROL_EMIT) {
            wee_event *ev = event_from_json(arg, err, sizeof err);
            if (ev) event_unref(ev);
        }
    }
    free(line);
}

static void client_side(fuzz_input *in)
{
    char *response = fuzz_until_nul(in);
    control_result r;
    const char *text;
    if (control_parse_response(response, &r, &text) == 0)
        FUZZ_CHECK(text > response && text <= response + strlen(response), "response text outside the response");
    free(response);

    /* host emit TYPE name=value ... */
    char *type = fuzz_str(in);
    const char *pairs[8];
    char *own[8];
    int count = fuzz_byte(in) % 8;
    for (int i = 0; i < count; i++) pairs[i] = own[i] = fuzz_str(in);
    char err[512] = "";
    char *json = control_event_json(type, count, pairs, err, sizeof err);
    if (json) {
        wee_event *ev = event_from_json(json, err, sizeof err);
        FUZZ_CHECK(ev != NULL, "emit JSON %s refused: %s", json, err);
        FUZZ_CHECK(event_field_count(ev) == (size_t)count, "%d argument(s) gave %zu field(s)", count,
                   event_field_count(ev));
        event_unref(ev);
        free(json);
    } else {
        FUZZ_CHECK(err[0] != '\0', "emit arguments refused without a message");
    }
    for (int i = 0; i < count; i++) free(own[i]);
    free(type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *request = fuzz_until_nul(&in);
    server_side(request);
    free(request);
    client_side(&in);
    return 0;
}
