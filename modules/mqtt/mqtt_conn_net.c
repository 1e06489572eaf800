/*
 * modules/mqtt/mqtt_conn_net.c - a broker connection's network thread: connect, reconnect with a
 * doubling capped delay, read and write through libmosquitto, drain the queue; and libmosquitto's
 * callbacks (connected, acknowledged, message in, error text).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mqtt_conn_internal.h"
#include "platform/net.h"
#include "platform/append_file.h" /* PLAT_MUTEX_STATIC_INIT */

/* libmosquitto 2.0 sets up OpenSSL on a TLS client's first connect without a lock (net__init_tls:
 * a static UI method and flag), so two first connects on two threads race and leak. The first TLS
 * connect of the process goes alone. */
static plat_mutex g_tls_init_lock = PLAT_MUTEX_STATIC_INIT;
static int g_tls_init_done;

/* ---- state and logging ---- */

/* Records why the connection is down and logs it when the reason is new (not at every retry). */
static void note_down(mqtt_conn *c, const char *reason)
{
    snprintf(c->state, sizeof c->state, "%s", reason);
    int64_t wait = c->delay_ms;
    c->next_attempt_ns = plat_monotonic_ns() + (uint64_t)wait * 1000000ull;
    c->delay_ms = c->delay_ms * 2 > c->def->reconnect_max_ms ? c->def->reconnect_max_ms : c->delay_ms * 2;
    if (strcmp(c->last_logged, reason) != 0) {
        snprintf(c->last_logged, sizeof c->last_logged, "%s", reason);
        mqtt_host()->log(WEE_LOG_WARN, "mqtt", "broker '%s' (%s:%d, %s): %s; retrying in %lld ms, then at most every %lld ms",
                    c->def->id, c->def->host, c->def->port, c->def->json_path, reason, (long long)wait,
                    (long long)c->def->reconnect_max_ms);
    }
}

static void down_reason(mqtt_conn *c, int rc, int err, char *buf, size_t size)
{
    if (c->refusal[0]) snprintf(buf, size, "%s", c->refusal);
    else if (c->tls_error[0]) snprintf(buf, size, "TLS error: %s; check tls_ca / tls_cert / tls_key and that the broker's "
                                                  "certificate names \"%s\"", c->tls_error, c->def->host);
    else if (rc == MOSQ_ERR_ERRNO && err) {
        char text[200];
        plat_socket_error_text(err, text, sizeof text);
        snprintf(buf, size, "connection failed: %s", text);
    }
    else snprintf(buf, size, "connection lost: %s (if this repeats right after connecting, another client may be "
                             "using client id \"%.60s\")", mosquitto_strerror(rc), c->def->client_id);
}

/* ---- callbacks (network thread) ---- */

static void subscribe_all(mqtt_conn *c)
{
    plat_mutex_lock(&c->sub_lock);
    for (mqtt_sub *s = c->subs; s; s = s->next)
        for (size_t i = 0; i < s->count; i++) mosquitto_subscribe(c->mosq, NULL, s->filters[i], s->qos);
    plat_mutex_unlock(&c->sub_lock);
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    mqtt_conn *c = obj;
    (void)m;
    plat_mutex_lock(&c->lock);
    if (rc != 0) {
        const char *hint = rc == 2 ? "choose another client_id" : rc == 4 ? "check username and password" :
                           rc == 5 ? "check username/password, whether the broker admits this client id, and its access rules"
                                   : "check the broker's log";
        snprintf(c->refusal, sizeof c->refusal, "the broker refused the connection (client id \"%.60s\"): %s; %s",
                 c->def->client_id, mosquitto_connack_string(rc), hint);
        plat_mutex_unlock(&c->lock);
        return;
    }
    c->connected = 1;
    c->ever_connected = 1;
    c->connects++;
    c->delay_ms = c->def->reconnect_min_ms;
    c->refusal[0] = c->tls_error[0] = c->last_logged[0] = '\0';
    snprintf(c->state, sizeof c->state, "connected");
    plat_cond_broadcast(&c->cond);
    plat_mutex_unlock(&c->lock);
    mqtt_host()->log(WEE_LOG_INFO, "mqtt", "broker '%s' connected (%s:%d, client id \"%s\", %s session)", c->def->id,
                c->def->host, c->def->port, c->def->client_id, c->def->clean_session ? "clean" : "persistent");
    if (c->def->status_topic) mosquitto_publish(c->mosq, NULL, c->def->status_topic, 6, "online", 1, true);
    subscribe_all(c);
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    mqtt_conn *c = obj;
    (void)m;
    plat_mutex_lock(&c->lock);
    unsigned id = (unsigned)mid & 0xffffu;
    if (c->inflight[id / 8] & (1u << (id % 8))) {
        c->inflight[id / 8] &= (unsigned char)~(1u << (id % 8));
        if (c->outstanding > 0) c->outstanding--;
    }
    plat_cond_broadcast(&c->cond);
    plat_mutex_unlock(&c->lock);
}

static void on_log(struct mosquitto *m, void *obj, int level, const char *text)
{
    mqtt_conn *c = obj;
    (void)m;
    if (!(level & MOSQ_LOG_ERR) || !text) return;
    plat_mutex_lock(&c->lock);
    snprintf(c->tls_error, sizeof c->tls_error, "%s", text);
    plat_mutex_unlock(&c->lock);
}

int mqtt_conn_sub_matches(const mqtt_sub *s, const char *topic, int *is_command)
{
    for (size_t i = 0; i < s->count; i++) {
        bool hit = false;
        if (mosquitto_topic_matches_sub(s->filters[i], topic, &hit) == MOSQ_ERR_SUCCESS && hit) {
            *is_command = s->is_command ? s->is_command[i] : 0;
            return 1;
        }
    }
    return 0;
}

static int offer(mqtt_conn *c, const mqtt_inbound *in)
{
    int taken = 0;
    for (mqtt_sub *s = c->subs; s; s = s->next) {
        int cmd = 0;
        if (mqtt_conn_sub_matches(s, in->topic, &cmd)) { s->deliver(s->ctx, in, cmd); taken = 1; }
    }
    return taken;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    mqtt_conn *c = obj;
    (void)m;
    if (!msg || !msg->topic) return;
    mqtt_inbound in = { msg->topic, msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0, msg->qos, msg->retain };
    plat_mutex_lock(&c->sub_lock);
    c->received++;
    if (!offer(c, &in)) {
        /* Kept for a source that is about to attach (a new run's sources start just after connecting). */
        int room = c->pend_count < PENDING_MAX && in.len <= PENDING_MAX_BYTES - c->pend_bytes;
        mqtt_msg *p = room ? mqtt_msg_new(in.topic, in.payload, in.len, in.qos, in.retain) : NULL;
        if (p) {
            c->pend_bytes += p->len;
            p->at_ns = plat_monotonic_ns();
            if (c->pend_tail) c->pend_tail->next = p; else c->pend_head = p;
            c->pend_tail = p;
            c->pend_count++;
        } else {
            c->unrouted++;
        }
    }
    plat_mutex_unlock(&c->sub_lock);
}

static void expire_pending(mqtt_conn *c)
{
    size_t dropped = 0;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&c->sub_lock);
    while (c->pend_head && now - c->pend_head->at_ns > PENDING_KEEP_NS) {
        mqtt_msg *p = c->pend_head;
        c->pend_head = p->next;
        if (!c->pend_head) c->pend_tail = NULL;
        c->pend_count--;
        c->pend_bytes -= p->len;
        mqtt_msg_free(p);
        dropped++;
    }
    c->unrouted += dropped;
    plat_mutex_unlock(&c->sub_lock);
    if (dropped)
        mqtt_host()->log(WEE_LOG_WARN, "mqtt", "broker '%s': dropped %zu message(s) no mqtt source subscribes to (a persistent "
                    "session keeps the subscriptions of sources since removed: clean it with \"clean_session\": true once)",
                    c->def->id, dropped);
}

/* ---- the network thread ---- */

/* Publishes with c->lock held for QoS 1/2, so the id is recorded before its acknowledgement can be
 * handled (the callback takes c->lock; libmosquitto's publish takes none of the locks the callback
 * holds). Returns libmosquitto's code. */
int mqtt_conn_publish_locked(mqtt_conn *c, const char *topic, const void *payload, size_t len, int qos, int retain)
{
    int mid = 0;
    int rc = mosquitto_publish(c->mosq, &mid, topic, (int)len, payload, qos, retain != 0);
    if (rc == MOSQ_ERR_SUCCESS && qos > 0) {
        unsigned id = (unsigned)mid & 0xffffu;
        c->inflight[id / 8] |= (unsigned char)(1u << (id % 8));
        c->outstanding++;
    }
    return rc;
}

/* Hands queued messages to libmosquitto while connected and the window allows. Called with c->lock. */
static void drain(mqtt_conn *c)
{
    while (c->connected && c->q.count && c->outstanding < PUBLISH_WINDOW) {
        mqtt_msg *msg = mqtt_queue_pop(&c->q);
        int rc = mqtt_conn_publish_locked(c, msg->topic, msg->payload, msg->len, msg->qos, msg->retain);
        if (rc != MOSQ_ERR_SUCCESS) {
            mqtt_queue_push_front(&c->q, msg);
            break;
        }
        c->published++;
        mqtt_msg_free(msg);
    }
}

void mqtt_conn_thread(void *arg)
{
    mqtt_conn *c = arg;
    plat_mutex_lock(&c->lock);
    while (!c->stop) {
        if (c->held) { plat_cond_wait(&c->cond, &c->lock); continue; }
        uint64_t now = plat_monotonic_ns();
        if (!c->socket_open) {
            if (now < c->next_attempt_ns) {
                plat_cond_timedwait(&c->cond, &c->lock, (int64_t)((c->next_attempt_ns - now) / 1000000ull) + 1);
                continue;
            }
            int first = !c->ever_tried;
            c->ever_tried = 1;
            c->refusal[0] = c->tls_error[0] = '\0';
            plat_mutex_unlock(&c->lock);
            int serial = c->def->tls_ca != NULL;
            if (serial) plat_mutex_lock(&g_tls_init_lock);
            if (serial && g_tls_init_done) { plat_mutex_unlock(&g_tls_init_lock); serial = 0; }
            errno = 0;
            int rc = first ? mosquitto_connect_async(c->mosq, c->def->host, c->def->port, c->def->keepalive)
                           : mosquitto_reconnect_async(c->mosq);
            int err = errno;
            if (serial) { g_tls_init_done = 1; plat_mutex_unlock(&g_tls_init_lock); }
            plat_mutex_lock(&c->lock);
            if (rc != MOSQ_ERR_SUCCESS) {
                char why[320];
                char text[200];
                plat_socket_error_text(err, text, sizeof text);
                if (rc == MOSQ_ERR_ERRNO) snprintf(why, sizeof why, "cannot connect: %s", text);
                else if (rc == MOSQ_ERR_EAI) snprintf(why, sizeof why, "cannot resolve host \"%s\"", c->def->host);
                else down_reason(c, rc, err, why, sizeof why);
                note_down(c, why);
                continue;
            }
            c->socket_open = 1;
            c->connect_started_ns = plat_monotonic_ns();
        }
        /* A short wait while messages are queued behind the window, so draining does not lag. */
        int wait_ms = c->q.count ? 5 : 100;
        plat_mutex_unlock(&c->lock);
        errno = 0;
        int rc = mosquitto_loop(c->mosq, wait_ms, 1);
        int err = errno;
        expire_pending(c);
        plat_mutex_lock(&c->lock);
        if (rc == MOSQ_ERR_SUCCESS && !c->connected && !c->refusal[0] &&
            plat_monotonic_ns() - c->connect_started_ns > CONNECT_TIMEOUT_NS) {
            snprintf(c->refusal, sizeof c->refusal, "no answer from %s:%d within 10 s", c->def->host, c->def->port);
            plat_mutex_unlock(&c->lock);
            mosquitto_disconnect(c->mosq);
            plat_mutex_lock(&c->lock);
            rc = MOSQ_ERR_NO_CONN;
        }
        if (rc != MOSQ_ERR_SUCCESS || c->refusal[0]) {
            c->socket_open = 0;
            c->connected = 0;
            /* libmosquitto re-sends QoS 1/2 in flight after reconnecting; the window starts afresh
             * rather than wait on acknowledgements a new session may never send. */
            c->outstanding = 0;
            memset(c->inflight, 0, sizeof c->inflight);
            if (!c->stop && !c->held) {
                char why[320];
                down_reason(c, rc, err, why, sizeof why);
                note_down(c, why);
            } else {
                snprintf(c->state, sizeof c->state, "%s", c->held ? "held closed: persistent session, no source attached"
                                                                   : "closed");
            }
            plat_cond_broadcast(&c->cond);
            continue;
        }
        drain(c);
    }
    plat_mutex_unlock(&c->lock);
    /* Let the DISCONNECT (and an "offline" status just queued) reach the broker. */
    for (int i = 0; i < 20 && c->socket_open; i++)
        if (mosquitto_loop(c->mosq, 50, 1) != MOSQ_ERR_SUCCESS) break;
}


void mqtt_conn_set_callbacks(mqtt_conn *c)
{
    mosquitto_connect_callback_set(c->mosq, on_connect);
    mosquitto_publish_callback_set(c->mosq, on_publish);
    mosquitto_message_callback_set(c->mosq, on_message);
    mosquitto_log_callback_set(c->mosq, on_log);
}
