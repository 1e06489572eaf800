/*
 * modules/mqtt/mqtt_conn.c - sharing broker connections (acquire/release by fingerprint), publishing
 * without waiting, subscribers attaching and detaching, and the state report. The network side is
 * mqtt_conn_net.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mqtt_conn_internal.h"
#include "platform/append_file.h" /* PLAT_MUTEX_STATIC_INIT */

static plat_mutex g_lock = PLAT_MUTEX_STATIC_INIT;
static mqtt_conn *g_conns;

const char *mqtt_conn_id(const mqtt_conn *c) { return c->def->id; }

static void start_locked(mqtt_conn *c)
{
    if (c->thread_started) return;
    if (plat_thread_start(&c->thread, mqtt_conn_thread, c) == 0) c->thread_started = 1;
    else mqtt_host()->log(WEE_LOG_ERROR, "mqtt", "broker '%s': cannot start its network thread", c->def->id);
}

void mqtt_conn_activate_all(void)
{
    plat_mutex_lock(&g_lock);
    for (mqtt_conn *c = g_conns; c; c = c->next) {
        plat_mutex_lock(&c->lock);
        c->held = 0;
        start_locked(c);
        plat_cond_broadcast(&c->cond);
        plat_mutex_unlock(&c->lock);
    }
    plat_mutex_unlock(&g_lock);
}

/* ---- acquire / release ---- */

static int setup_client(mqtt_conn *c, char *err, size_t n)
{
    const mqtt_broker_def *d = c->def;
    c->mosq = mosquitto_new(d->client_id, d->clean_session, c);
    if (!c->mosq) {
        snprintf(err, n, "%s: cannot create an MQTT client: %s", d->json_path, strerror(errno));
        return -1;
    }
    mosquitto_threaded_set(c->mosq, true);
    mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(c->mosq, 100);
    /* Without it, a PUBACK followed by a PUBLISH waits for the broker's delayed TCP ACK (Nagle):
     * measured 88 ms p50 per forwarded QoS 1 message. */
    mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    if (d->username && mosquitto_username_pw_set(c->mosq, d->username, d->password) != MOSQ_ERR_SUCCESS) {
        snprintf(err, n, "%s.username: not accepted by libmosquitto (must be valid UTF-8)", d->json_path);
        return -1;
    }
    if (d->tls_ca) {
        int rc = mosquitto_tls_set(c->mosq, d->tls_ca, NULL, d->tls_cert, d->tls_key, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            snprintf(err, n, "%s: cannot use the TLS files (tls_ca \"%s\"%s%s): %s; check that they exist and are readable",
                     d->json_path, d->tls_ca, d->tls_cert ? ", tls_cert/tls_key \"" : "", d->tls_cert ? d->tls_cert : "",
                     mosquitto_strerror(rc));
            return -1;
        }
        if (d->tls_insecure) mosquitto_tls_insecure_set(c->mosq, true);
    }
    const char *will = d->status_topic ? d->status_topic : d->will_topic;
    const char *will_payload = d->status_topic ? "offline" : d->will_payload ? d->will_payload : "";
    if (will && mosquitto_will_set(c->mosq, will, (int)strlen(will_payload), will_payload,
                                   d->status_topic ? 1 : d->will_qos, d->status_topic ? true : d->will_retain != 0) != 0) {
        snprintf(err, n, "%s: the last will topic \"%s\" is not a valid topic (no + or #)", d->json_path, will);
        return -1;
    }
    mqtt_conn_set_callbacks(c);
    return 0;
}

static void conn_free(mqtt_conn *c)
{
    if (c->mosq) mosquitto_destroy(c->mosq);
    mqtt_queue_close(&c->q);
    while (c->pend_head) {
        mqtt_msg *p = c->pend_head;
        c->pend_head = p->next;
        mqtt_msg_free(p);
    }
    plat_mutex_destroy(&c->lock);
    plat_mutex_destroy(&c->sub_lock);
    plat_cond_destroy(&c->cond);
    mqtt_broker_def_free(c->def);
    free(c);
}

mqtt_conn *mqtt_conn_acquire(const mqtt_broker_def *def, char *err, size_t n)
{
    plat_mutex_lock(&g_lock);
    for (mqtt_conn *c = g_conns; c; c = c->next) {
        if (strcmp(c->def->fingerprint, def->fingerprint) == 0) {
            c->refs++;
            plat_mutex_unlock(&g_lock);
            return c;
        }
    }
    mqtt_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->def = mqtt_broker_def_copy(def))) {
        free(c);
        plat_mutex_unlock(&g_lock);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    plat_mutex_init(&c->lock);
    plat_mutex_init(&c->sub_lock);
    plat_cond_init(&c->cond);
    c->delay_ms = def->reconnect_min_ms;
    c->held = 0;
    snprintf(c->state, sizeof c->state, "not started");
    char qerr[256];
    size_t loaded = mqtt_queue_init(&c->q, (size_t)def->queue_max, def->queue_file, qerr, sizeof qerr);
    if (setup_client(c, err, n) != 0) {
        conn_free(c);
        plat_mutex_unlock(&g_lock);
        return NULL;
    }
    if (qerr[0]) mqtt_host()->log(WEE_LOG_WARN, "mqtt", "broker '%s': %s", def->id, qerr);
    if (loaded) mqtt_host()->log(WEE_LOG_INFO, "mqtt", "broker '%s': %zu message(s) from the spool file %s wait for the "
                            "connection", def->id, loaded, def->queue_file);
    c->refs = 1;
    c->next = g_conns;
    g_conns = c;
    plat_mutex_unlock(&g_lock);
    return c;
}

/* Waits (c->lock held) until every publish handed over is acknowledged and the queue is empty, or ms
 * pass. A connection still being made (a short run such as `host test --run`) is waited for too. */
static void wait_acks(mqtt_conn *c, int64_t ms)
{
    uint64_t until = plat_monotonic_ns() + (uint64_t)ms * 1000000ull;
    while ((c->outstanding > 0 || c->q.count > 0) && (c->connected || (!c->ever_connected && !c->held)) &&
           plat_monotonic_ns() < until)
        plat_cond_timedwait(&c->cond, &c->lock, 20);
}

void mqtt_conn_release(mqtt_conn *c)
{
    if (!c) return;
    plat_mutex_lock(&g_lock);
    if (--c->refs > 0) { plat_mutex_unlock(&g_lock); return; }
    for (mqtt_conn **p = &g_conns; *p; p = &(*p)->next)
        if (*p == c) { *p = c->next; break; }
    plat_mutex_unlock(&g_lock);
    if (c->thread_started) {
        plat_mutex_lock(&c->lock);
        wait_acks(c, CLOSE_WAIT_MS);
        if (c->connected && c->def->status_topic) {
            /* A clean goodbye: the last will only fires when the connection breaks. */
            mqtt_conn_publish_locked(c, c->def->status_topic, "offline", 7, 1, 1);
            wait_acks(c, 1000);
        }
        c->stop = 1;
        plat_cond_broadcast(&c->cond);
        plat_mutex_unlock(&c->lock);
        mosquitto_disconnect(c->mosq);
        plat_thread_join(&c->thread);
    }
    if (c->q.count)
        mqtt_host()->log(c->q.file ? WEE_LOG_INFO : WEE_LOG_WARN, "mqtt", "broker '%s': %zu queued message(s) %s", c->def->id,
                    c->q.count, c->q.file ? "kept in the spool file for the next start" : "lost (no queue_file is set)");
    conn_free(c);
}

/* ---- publish / subscribe ---- */

mqtt_pub_result mqtt_conn_publish(mqtt_conn *c, const char *topic, const void *payload, size_t len, int qos, int retain)
{
    plat_mutex_lock(&c->lock);
    if (c->connected && c->q.count == 0 && qos == 0) {
        /* QoS 0: nothing to record, so libmosquitto is called without holding the lock. */
        plat_mutex_unlock(&c->lock);
        int rc = mosquitto_publish(c->mosq, NULL, topic, (int)len, payload, 0, retain != 0);
        plat_mutex_lock(&c->lock);
        if (rc == MOSQ_ERR_SUCCESS) {
            c->published++;
            plat_mutex_unlock(&c->lock);
            return MQTT_PUB_SENT;
        }
    } else if (c->connected && c->q.count == 0 && c->outstanding < PUBLISH_WINDOW) {
        if (mqtt_conn_publish_locked(c, topic, payload, len, qos, retain) == MOSQ_ERR_SUCCESS) {
            c->published++;
            plat_mutex_unlock(&c->lock);
            return MQTT_PUB_SENT;
        }
    }
    mqtt_msg *m = mqtt_msg_new(topic, payload, len, qos, retain);
    if (!m || mqtt_queue_push(&c->q, m) != 0) {
        c->dropped++;
        uint64_t now = plat_monotonic_ns(), since = c->dropped - c->drops_logged;
        int report = now - c->drop_log_ns >= 1000000000ull;
        if (report) { c->drops_logged = c->dropped; c->drop_log_ns = now; }
        plat_mutex_unlock(&c->lock);
        if (report)
            mqtt_host()->log(WEE_LOG_WARN, "mqtt", "broker '%s' (%s): %s and its queue is full (queue_max %lld): "
                             "dropped %llu message(s) since the last report (%llu in all)", c->def->id, c->def->json_path,
                             c->connected ? "is slow" : "is away", (long long)c->def->queue_max,
                             (unsigned long long)since, (unsigned long long)c->dropped);
        return MQTT_PUB_DROPPED;
    }
    c->queued++;
    plat_cond_broadcast(&c->cond);
    plat_mutex_unlock(&c->lock);
    return MQTT_PUB_QUEUED;
}

void mqtt_conn_attach(mqtt_conn *c, mqtt_sub *s)
{
    plat_mutex_lock(&c->sub_lock);
    s->next = c->subs;
    c->subs = s;
    /* Messages that came before this source attached (a persistent session's backlog). */
    mqtt_msg **pp = &c->pend_head;
    c->pend_tail = NULL;
    while (*pp) {
        mqtt_msg *p = *pp;
        int cmd = 0;
        if (mqtt_conn_sub_matches(s, p->topic, &cmd)) {
            mqtt_inbound in = { p->topic, p->payload, p->len, p->qos, p->retain };
            s->deliver(s->ctx, &in, cmd);
            *pp = p->next;
            c->pend_count--;
            c->pend_bytes -= p->len;
            mqtt_msg_free(p);
            continue;
        }
        c->pend_tail = p;
        pp = &p->next;
    }
    plat_mutex_unlock(&c->sub_lock);
    plat_mutex_lock(&c->lock);
    int connected = c->connected;
    if (c->held) { c->held = 0; plat_cond_broadcast(&c->cond); }
    start_locked(c);
    plat_mutex_unlock(&c->lock);
    if (connected)
        for (size_t i = 0; i < s->count; i++) mosquitto_subscribe(c->mosq, NULL, s->filters[i], s->qos);
}

void mqtt_conn_detach(mqtt_conn *c, mqtt_sub *s)
{
    plat_mutex_lock(&c->sub_lock);
    for (mqtt_sub **p = &c->subs; *p; p = &(*p)->next)
        if (*p == s) { *p = s->next; break; }
    int last = c->subs == NULL;
    plat_mutex_unlock(&c->sub_lock);
    if (!last || c->def->clean_session) return;
    /* Persistent session: stop taking messages now, so the broker keeps them for the next run. */
    plat_mutex_lock(&c->lock);
    wait_acks(c, CLOSE_WAIT_MS);
    c->held = 1;
    plat_mutex_unlock(&c->lock);
    mosquitto_disconnect(c->mosq);
}

/* ---- report ---- */

void mqtt_conn_report_all(wee_report_fn put, void *ctx)
{
    plat_mutex_lock(&g_lock);
    for (mqtt_conn *c = g_conns; c; c = c->next) {
        char object[160], where[560];
        snprintf(object, sizeof object, "broker:%s", c->def->id);
        plat_mutex_lock(&c->lock);
        snprintf(where, sizeof where, "%s:%d %s", c->def->host, c->def->port, c->state);
        put(ctx, object, "connected", c->connected, where);
        put(ctx, object, "published", (int64_t)c->published, NULL);
        put(ctx, object, "queued_now", (int64_t)c->q.count, NULL);
        put(ctx, object, "queued_total", (int64_t)c->queued, NULL);
        put(ctx, object, "dropped", (int64_t)c->dropped, NULL);
        put(ctx, object, "connects", (int64_t)c->connects, NULL);
        plat_mutex_unlock(&c->lock);
        plat_mutex_lock(&c->sub_lock);
        put(ctx, object, "received", (int64_t)c->received, NULL);
        put(ctx, object, "unrouted", (int64_t)c->unrouted, NULL);
        plat_mutex_unlock(&c->sub_lock);
    }
    plat_mutex_unlock(&g_lock);
}
