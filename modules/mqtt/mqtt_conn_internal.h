/*
 * modules/mqtt/mqtt_conn_internal.h - the connection's state, shared by mqtt_conn.c (sharing, publish,
 * subscribe, report) and mqtt_conn_net.c (the network thread and libmosquitto's callbacks).
 * Locking: c->lock guards the connection state and the outbound queue; c->sub_lock the subscribers and
 * the messages waiting for one. Neither is held while an event is emitted into the engine except
 * sub_lock (the source's emit may block on a full queue; publishers never take sub_lock).
 */
#ifndef WEE_MQTT_CONN_INTERNAL_H
#define WEE_MQTT_CONN_INTERNAL_H
#include <stdint.h>
#include <mosquitto.h>
#include "mqtt_conn.h"
#include "mqtt_internal.h"
#include "mqtt_queue.h"
#include "platform/platform.h"

/* QoS 1/2 publishes handed to libmosquitto and not yet acknowledged. Past this the action queues
 * instead, so libmosquitto's own unbounded list of messages in flight stays bounded. (QoS 0 goes
 * straight to libmosquitto's writer: there is no acknowledgement to count.) */
#define PUBLISH_WINDOW 1000
#define PENDING_MAX 1000
#define PENDING_MAX_BYTES (16u * 1024u * 1024u)
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
    uint64_t drops_logged, drop_log_ns;  /* drops are logged at most once a second, as the engine's are */

    plat_mutex sub_lock;             /* subscribers and messages waiting for one */
    mqtt_sub *subs;
    mqtt_msg *pend_head, *pend_tail;
    size_t pend_count, pend_bytes;
    uint64_t received, unrouted;
};

/* mqtt_conn_net.c */
void mqtt_conn_thread(void *arg);
void mqtt_conn_set_callbacks(mqtt_conn *c);
/* Publishes with c->lock held (QoS 1/2 ids recorded for the window). */
int mqtt_conn_publish_locked(mqtt_conn *c, const char *topic, const void *payload, size_t len, int qos, int retain);
int mqtt_conn_sub_matches(const mqtt_sub *s, const char *topic, int *is_command);
#endif
