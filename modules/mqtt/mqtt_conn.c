#include "mqtt_conn.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto.h>
#include "mqtt_queue.h"
#include "platform/append_file.h"
#include "platform/platform.h"

/* QoS 1/2 publishes handed to libmosquitto and not yet acknowledged. Past this the action queues
 * instead, so libmosquitto's own unbounded list of messages in flight stays bounded. (QoS 0 goes
 * straight to libmosquitto's writer: there is no acknowledgement to count.) */
#define PUBLISH_WINDOW 1000
#define PENDING_MAX 1000
#define PENDING_KEEP_NS (30ull * 1000000000ull)
#define CONNECT_TIMEOUT_NS (10ull * 1000000000ull)
#define CLOSE_WAIT_MS 2000

struct mqtt_conn {
    mqtt_broker_def *def;
    int refs;                        /* g_lock */
    struct mqtt_conn *next;          /* g_conns, g_lock */
    struct mosquitto *mosq;
    plat_thread thread;
    int thread_started;

    plat_mutex lock;                 /* everything below up to sub_lock */
    plat_cond cond;
    int stop, held, socket_open, connected, ever_tried, ever_connected;
    int outstanding;                 /* QoS 1/2 only */
    /* Message ids (16-bit) of QoS 1/2 publishes in flight: libmosquitto's publish callback fires for
     * QoS 0 writes too, so only ids recorded here count as acknowledgements. */
    unsigned char inflight[65536 / 8];
    int64_t delay_ms;
    uint64_t next_attempt_ns, connect_started_ns;
    mqtt_queue q;
    char state[400], last_logged[400], refusal[300], tls_error[200];
    uint64_t published, queued, dropped, connects;

    plat_mutex sub_lock;             /* subscribers and messages waiting for one */
    mqtt_sub *subs;
    mqtt_msg *pend_head, *pend_tail;
    size_t pend_count;
    uint64_t received, unrouted;
};

static const wee_host_api *g_host;
static plat_mutex g_lock = PLAT_MUTEX_STATIC_INIT;
/* libmosquitto 2.0 sets up OpenSSL on a TLS client's first connect without a lock (net__init_tls:
 * a static UI method and flag), so two first connects on two threads race and leak. The first TLS
 * connect of the process goes alone. */
static plat_mutex g_tls_init_lock = PLAT_MUTEX_STATIC_INIT;
static int g_tls_init_done;
static mqtt_conn *g_conns;

void mqtt_conn_global_init(const wee_host_api *h) { g_host = h; }

const char *mqtt_conn_id(const mqtt_conn *c) { return c->def->id; }

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
        g_host->log(WEE_LOG_WARN, "mqtt", "broker '%s' (%s:%d, %s): %s; retrying in %lld ms, then at most every %lld ms",
                    c->def->id, c->def->host, c->def->port, c->def->json_path, reason, (long long)wait,
                    (long long)c->def->reconnect_max_ms);
    }
}

static void down_reason(mqtt_conn *c, int rc, int err, char *buf, size_t size)
{
    if (c->refusal[0]) snprintf(buf, size, "%s", c->refusal);
    else if (c->tls_error[0]) snprintf(buf, size, "TLS error: %s; check tls_ca / tls_cert / tls_key and that the broker's "
                                                  "certificate names \"%s\"", c->tls_error, c->def->host);
    else if (rc == MOSQ_ERR_ERRNO && err) snprintf(buf, size, "connection failed: %s", strerror(err));
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
    g_host->log(WEE_LOG_INFO, "mqtt", "broker '%s' connected (%s:%d, client id \"%s\", %s session)", c->def->id,
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

static int sub_matches(const mqtt_sub *s, const char *topic, int *is_command)
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
        if (sub_matches(s, in->topic, &cmd)) { s->deliver(s->ctx, in, cmd); taken = 1; }
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
        mqtt_msg *p = c->pend_count < PENDING_MAX ? mqtt_msg_new(in.topic, in.payload, in.len, in.qos, in.retain) : NULL;
        if (p) {
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
        mqtt_msg_free(p);
        dropped++;
    }
    c->unrouted += dropped;
    plat_mutex_unlock(&c->sub_lock);
    if (dropped)
        g_host->log(WEE_LOG_WARN, "mqtt", "broker '%s': dropped %zu message(s) no mqtt source subscribes to (a persistent "
                    "session keeps the subscriptions of sources since removed: clean it with \"clean_session\": true once)",
                    c->def->id, dropped);
}

/* ---- the network thread ---- */

/* Publishes with c->lock held for QoS 1/2, so the id is recorded before its acknowledgement can be
 * handled (the callback takes c->lock; libmosquitto's publish takes none of the locks the callback
 * holds). Returns libmosquitto's code. */
static int publish_locked(mqtt_conn *c, const char *topic, const void *payload, size_t len, int qos, int retain)
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
        int rc = publish_locked(c, msg->topic, msg->payload, msg->len, msg->qos, msg->retain);
        if (rc != MOSQ_ERR_SUCCESS) {
            mqtt_queue_push_front(&c->q, msg);
            break;
        }
        c->published++;
        mqtt_msg_free(msg);
    }
}

static void conn_thread(void *arg)
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
                if (rc == MOSQ_ERR_ERRNO) snprintf(why, sizeof why, "cannot connect: %s", strerror(err));
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

static void start_locked(mqtt_conn *c)
{
    if (c->thread_started) return;
    if (plat_thread_start(&c->thread, conn_thread, c) == 0) c->thread_started = 1;
    else g_host->log(WEE_LOG_ERROR, "mqtt", "broker '%s': cannot start its network thread", c->def->id);
}

void mqtt_conn_start(mqtt_conn *c)
{
    plat_mutex_lock(&c->lock);
    start_locked(c);
    plat_mutex_unlock(&c->lock);
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
    mosquitto_connect_callback_set(c->mosq, on_connect);
    mosquitto_publish_callback_set(c->mosq, on_publish);
    mosquitto_message_callback_set(c->mosq, on_message);
    mosquitto_log_callback_set(c->mosq, on_log);
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
    if (qerr[0]) g_host->log(WEE_LOG_WARN, "mqtt", "broker '%s': %s", def->id, qerr);
    if (loaded) g_host->log(WEE_LOG_INFO, "mqtt", "broker '%s': %zu message(s) from the spool file %s wait for the "
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
            publish_locked(c, c->def->status_topic, "offline", 7, 1, 1);
            wait_acks(c, 1000);
        }
        c->stop = 1;
        plat_cond_broadcast(&c->cond);
        plat_mutex_unlock(&c->lock);
        mosquitto_disconnect(c->mosq);
        plat_thread_join(&c->thread);
    }
    if (c->q.count)
        g_host->log(c->q.file ? WEE_LOG_INFO : WEE_LOG_WARN, "mqtt", "broker '%s': %zu queued message(s) %s", c->def->id,
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
        if (publish_locked(c, topic, payload, len, qos, retain) == MOSQ_ERR_SUCCESS) {
            c->published++;
            plat_mutex_unlock(&c->lock);
            return MQTT_PUB_SENT;
        }
    }
    mqtt_msg *m = mqtt_msg_new(topic, payload, len, qos, retain);
    if (!m || mqtt_queue_push(&c->q, m) != 0) {
        c->dropped++;
        plat_mutex_unlock(&c->lock);
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
        if (sub_matches(s, p->topic, &cmd)) {
            mqtt_inbound in = { p->topic, p->payload, p->len, p->qos, p->retain };
            s->deliver(s->ctx, &in, cmd);
            *pp = p->next;
            c->pend_count--;
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
