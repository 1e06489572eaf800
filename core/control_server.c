/* control_server.c - one request per connection, answered from the engine_control.h API. */
#include "control_server.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn_server.h"
#include "control_protocol.h"
#include "engine_control.h"
#include "event.h"
#include "log.h"
#include "platform/ipc.h"
#include "wee/errors.h"

struct control_server {
    plat_ipc_listener *listener;
    conn_server *srv;
    engine *e;
    char path[1024];
};

control_server *control_server_open(const char *path, int *exists, char *err, size_t err_size)
{
    *exists = 0;
    control_server *cs = calloc(1, sizeof *cs);
    if (!cs) { snprintf(err, err_size, "out of memory"); return NULL; }
    snprintf(cs->path, sizeof cs->path, "%s", path);
    int rc = plat_ipc_listen(path, &cs->listener, err, err_size);
    if (rc != 0) {
        *exists = rc == WEE_EEXISTS;
        free(cs);
        return NULL;
    }
    return cs;
}

static void reply(plat_conn *c, control_result r, const char *text)
{
    strbuf out = STRBUF_INIT;
    control_format_response(&out, r, text);
    if (strbuf_failed(&out)) {
        static const char oom[] = "failed\nout of memory building the answer\n";
        plat_conn_write(c, oom, sizeof oom - 1, CONTROL_WRITE_TIMEOUT_MS);
    } else {
        plat_conn_write(c, out.data, out.len, CONTROL_WRITE_TIMEOUT_MS);
    }
    strbuf_free(&out);
}

control_result control_emit(engine *e, const char *json, const char *who, strbuf *text)
{
    char err[256];
    wee_event *ev = event_from_json(json, err, sizeof err);
    if (!ev) { strbuf_puts(text, err); return CONTROL_ERROR; }
    char type[160];
    snprintf(type, sizeof type, "%s", event_type(ev));
    size_t fields = event_field_count(ev);
    int rc = engine_inject(e, ev);
    if (rc == 0) strbuf_printf(text, "emitted %s with %zu field(s)", type, fields);
    else if (rc == WEE_EFULL) strbuf_printf(text, "%s dropped: the engine's queue is full (counted as dropped)", type);
    else strbuf_printf(text, "%s not emitted: %s", type, wee_strerror(rc));
    log_write(rc == 0 ? WEE_LOG_DEBUG : WEE_LOG_WARN, who, "emit %s: %s", type, rc == 0 ? "ok" : wee_strerror(rc));
    return rc == 0 ? CONTROL_OK : CONTROL_FAILED;
}

static void do_emit(control_server *cs, plat_conn *c, const char *json)
{
    strbuf text = STRBUF_INIT;
    control_result r = control_emit(cs->e, json, "control", &text);
    reply(c, strbuf_failed(&text) ? CONTROL_FAILED : r, strbuf_failed(&text) ? "out of memory" : strbuf_cstr(&text));
    strbuf_free(&text);
}

static void handle(void *ctx, conn_server *srv, plat_conn *c)
{
    control_server *cs = ctx;
    strbuf in = STRBUF_INIT;
    int rc = conn_read_until(srv, c, &in, "\n", CONTROL_REQUEST_MAX, CONTROL_REQUEST_TIMEOUT_MS);
    if (rc == WEE_ENOTFOUND || rc == WEE_ESTOPPED) goto out; /* closed without asking, or shutting down */
    if (rc == WEE_ENOMEM) {
        reply(c, CONTROL_FAILED, "out of memory reading the request");
        goto out;
    }
    if (rc == WEE_EFULL) {
        reply(c, CONTROL_ERROR, "request too large: one line of at most 1 MiB is accepted");
        goto out;
    }
    if (rc == WEE_ETIMEOUT) {
        reply(c, CONTROL_ERROR, "no complete request line within 5 s; send e.g. \"status\\n\"");
        goto out;
    }
    if (rc != 0) {
        reply(c, CONTROL_ERROR, "unreadable request (NUL byte or I/O error); send one text line such as \"status\\n\"");
        goto out;
    }
    char *line = in.data;
    char *nl = strchr(line, '\n');
    *nl = '\0';
    if (nl > line && nl[-1] == '\r') nl[-1] = '\0';
    control_command cmd;
    const char *arg;
    char err[256];
    if (control_parse_request(line, &cmd, &arg, err, sizeof err) != 0) {
        reply(c, CONTROL_ERROR, err);
        goto out;
    }
    strbuf text = STRBUF_INIT;
    switch (cmd) {
    case CONTROL_STATUS:
        engine_status_text(cs->e, &text);
        reply(c, strbuf_failed(&text) ? CONTROL_FAILED : CONTROL_OK, strbuf_failed(&text) ? "out of memory" : text.data);
        break;
    case CONTROL_METRICS:
        engine_metrics_text(cs->e, &text);
        reply(c, strbuf_failed(&text) ? CONTROL_FAILED : CONTROL_OK, strbuf_failed(&text) ? "out of memory" : text.data);
        break;
    case CONTROL_RELOAD: {
        log_write(WEE_LOG_INFO, "control", "reload requested over the control channel");
        int r = engine_reload(cs->e, &text);
        reply(c, r == 0 ? CONTROL_OK : CONTROL_FAILED, engine_reload_text(&text, r));
        break;
    }
    case CONTROL_EMIT:
        do_emit(cs, c, arg);
        break;
    }
    strbuf_free(&text);
out:
    strbuf_free(&in);
}

static void refuse(void *ctx, conn_server *srv, plat_conn *c)
{
    (void)ctx; (void)srv;
    strbuf out = STRBUF_INIT;
    control_format_response(&out, CONTROL_BUSY, "control channel busy: 16 requests in progress; try again");
    plat_conn_write(c, out.data, out.len, 100); /* small enough for the socket buffer: never waits */
    strbuf_free(&out);
}

static int accept_ipc(void *listener, int timeout_ms, plat_conn **out)
{
    return plat_ipc_accept(listener, timeout_ms, out);
}

int control_server_start(control_server *cs, engine *e)
{
    cs->e = e;
    conn_server_spec spec = { "control", accept_ipc, cs->listener, handle, refuse, cs, CONTROL_MAX_CLIENTS };
    cs->srv = conn_server_start(&spec);
    if (!cs->srv) return WEE_ENOMEM;
    log_write(WEE_LOG_INFO, "control", "control channel at %s", cs->path);
    return 0;
}

void control_server_stop(control_server *cs)
{
    if (!cs) return;
    conn_server_stop(cs->srv);
    plat_ipc_close_listener(cs->listener);
    free(cs);
}
