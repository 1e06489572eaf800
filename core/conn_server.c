/* conn_server.c - accept thread + bounded per-connection threads; see conn_server.h. */
#include "conn_server.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "platform/platform.h"
#include "wee/errors.h"

enum { SLOT_FREE = 0, SLOT_RUNNING = 1, SLOT_DONE = 2 };

typedef struct conn_slot {
    conn_server *srv;
    plat_thread thread;
    plat_conn *conn;
    atomic_int state;
} conn_slot;

struct conn_server {
    conn_server_spec spec;
    conn_slot *slots;
    plat_thread accept_thread;
    atomic_int stopping;
};

static void conn_thread(void *arg)
{
    conn_slot *slot = arg;
    slot->srv->spec.handle(slot->srv->spec.ctx, slot->srv, slot->conn);
    plat_conn_close(slot->conn);
    slot->conn = NULL;
    atomic_store(&slot->state, SLOT_DONE);
}

static void reap(conn_server *s, int wait_all)
{
    for (size_t i = 0; i < s->spec.max_conns; i++) {
        conn_slot *slot = &s->slots[i];
        int st = atomic_load(&slot->state);
        if (st == SLOT_DONE || (wait_all && st == SLOT_RUNNING)) {
            plat_thread_join(&slot->thread);
            atomic_store(&slot->state, SLOT_FREE);
        }
    }
}

static conn_slot *free_slot(conn_server *s)
{
    for (size_t i = 0; i < s->spec.max_conns; i++)
        if (atomic_load(&s->slots[i].state) == SLOT_FREE) return &s->slots[i];
    return NULL;
}

/* Answers "busy" and closes. What the client already sent is read first (without waiting) and our side
 * is shut down before closing: closing a TCP socket with unread input sends a reset, which can destroy
 * the answer before the client reads it. */
static void refuse(conn_server *s, plat_conn *c)
{
    char sink[4096];
    for (int i = 0; i < 16 && plat_conn_read(c, sink, sizeof sink, 0) > 0; i++) {} /* bounded: a flood cannot hold us */
    s->spec.refuse(s->spec.ctx, s, c);
    plat_conn_shutdown_write(c);
    plat_conn_close(c);
}

static void accept_loop(void *arg)
{
    conn_server *s = arg;
    unsigned failures = 0;
    while (!atomic_load(&s->stopping)) {
        /* All slots busy: leave newcomers in the listen backlog for a while (handlers are short), and
         * only accept-and-refuse when the slots stay full, i.e. under a flood or stalled clients. */
        for (int waited = 0; !free_slot(s) && waited < CONN_QUEUE_MS && !atomic_load(&s->stopping); waited += 10) {
            plat_sleep_ms(10);
            reap(s, 0);
        }
        plat_conn *c = NULL;
        int rc = s->spec.accept(s->spec.listener, CONN_POLL_MS, &c);
        reap(s, 0);
        if (rc == WEE_ETIMEOUT) continue;
        if (rc != 0) {
            /* Log once, then back off so a broken listener cannot spin a core. */
            if (failures++ == 0)
                log_write(WEE_LOG_ERROR, s->spec.name, "accepting a connection failed: %s", wee_strerror(rc));
            plat_sleep_ms(CONN_POLL_MS);
            continue;
        }
        failures = 0;
        conn_slot *slot = free_slot(s);
        if (!slot) {
            refuse(s, c);
            continue;
        }
        slot->conn = c;
        atomic_store(&slot->state, SLOT_RUNNING);
        if (plat_thread_start(&slot->thread, conn_thread, slot) != 0) {
            atomic_store(&slot->state, SLOT_FREE);
            slot->conn = NULL;
            refuse(s, c);
        }
    }
    reap(s, 1);
}

conn_server *conn_server_start(const conn_server_spec *spec)
{
    conn_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->spec = *spec;
    s->slots = calloc(spec->max_conns ? spec->max_conns : 1, sizeof *s->slots);
    if (!s->slots) { free(s); return NULL; }
    for (size_t i = 0; i < spec->max_conns; i++) {
        s->slots[i].srv = s;
        atomic_init(&s->slots[i].state, SLOT_FREE);
    }
    atomic_init(&s->stopping, 0);
    if (plat_thread_start(&s->accept_thread, accept_loop, s) != 0) {
        free(s->slots);
        free(s);
        return NULL;
    }
    return s;
}

void conn_server_stop(conn_server *s)
{
    if (!s) return;
    atomic_store(&s->stopping, 1);
    plat_thread_join(&s->accept_thread);
    free(s->slots);
    free(s);
}

int conn_read_until(conn_server *s, plat_conn *c, strbuf *buf, const char *terminator, size_t max, int timeout_ms)
{
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    size_t tlen = strlen(terminator), searched = 0;
    char chunk[4096];
    for (;;) {
        /* Search only what is new (plus a terminator's overlap), so a large request costs linear time. */
        size_t from = searched >= tlen ? searched - tlen + 1 : 0;
        if (buf->len >= tlen && strstr(strbuf_cstr(buf) + from, terminator)) return 0;
        searched = buf->len;
        if (buf->len > max) return WEE_EFULL;
        if (s && atomic_load(&s->stopping)) return WEE_ESTOPPED;
        if (plat_monotonic_ns() >= deadline) return WEE_ETIMEOUT;
        int n = plat_conn_read(c, chunk, sizeof chunk, CONN_POLL_MS);
        if (n == WEE_ETIMEOUT) continue;
        if (n <= 0) return n == 0 ? WEE_ENOTFOUND : n;
        /* A NUL byte would hide the terminator from strstr: such a request is garbage anyway. */
        if (memchr(chunk, '\0', (size_t)n)) return WEE_EINVAL;
        if (strbuf_reserve(buf, (size_t)n) != 0) return WEE_ENOMEM;
        strbuf_append(buf, chunk, (size_t)n);
    }
}
