/*
 * core/conn_server.h - serves connections from one listener (the control channel, the metrics
 * endpoint): an accept thread plus one short-lived thread per connection, at most max_conns at once.
 *
 * Why threads per connection: a client that connects and then stalls must not delay the next one, and
 * named pipes on Windows cannot be multiplexed with poll(). Each handler bounds its own reads with
 * conn_read_until, which also returns as soon as the server stops.
 * While all max_conns slots are busy, new clients wait in the listen backlog up to CONN_QUEUE_MS; if
 * the slots stay full, the next one is accepted, handed to refuse (write a short "busy" answer) and
 * closed at once by the accept thread.
 * Ownership: the listener stays the caller's (close it after conn_server_stop); conns are closed here
 * after handle/refuse return.
 */
#ifndef WEE_CONN_SERVER_H
#define WEE_CONN_SERVER_H
#include <stddef.h>
#include "platform/conn.h"
#include "util/strbuf.h"

typedef struct conn_server conn_server;
/* Waits up to timeout_ms for a client: 0 with *out, WEE_ETIMEOUT, or another error. */
typedef int (*conn_accept_fn)(void *listener, int timeout_ms, plat_conn **out);
typedef void (*conn_handle_fn)(void *ctx, conn_server *srv, plat_conn *c);

typedef struct conn_server_spec {
    const char *name;            /* for log lines: "control", "metrics" */
    conn_accept_fn accept;
    void *listener;
    conn_handle_fn handle;       /* runs on the connection's own thread */
    conn_handle_fn refuse;       /* runs on the accept thread when all slots are busy */
    void *ctx;
    size_t max_conns;
} conn_server_spec;

conn_server *conn_server_start(const conn_server_spec *spec);
/* Stops accepting, waits for the connection threads (each notices within CONN_POLL_MS) and frees. */
void conn_server_stop(conn_server *s);

#define CONN_POLL_MS 100
/* How long newcomers wait in the listen backlog for a free slot before being refused. */
#define CONN_QUEUE_MS 1000

/* Reads into buf until it contains terminator (returns 0; bytes after it may have been read too), the
 * peer closes (WEE_ENOTFOUND), more than max bytes arrive (WEE_EFULL), a NUL byte arrives (WEE_EINVAL),
 * timeout_ms passes in total (WEE_ETIMEOUT) or the server stops (WEE_ESTOPPED). */
int conn_read_until(conn_server *s, plat_conn *c, strbuf *buf, const char *terminator, size_t max, int timeout_ms);
#endif
