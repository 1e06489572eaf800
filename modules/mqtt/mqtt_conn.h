/*
 * modules/mqtt/mqtt_conn.h - one shared connection per broker, used by any number of mqtt sources and
 * actions (reference counted; one libmosquitto client and one network thread each).
 *
 * Life: acquire (source/action create) makes or shares the connection of a broker definition (same
 * fingerprint = same connection, so an unchanged broker stays connected across a reload) without any
 * I/O; mqtt_conn_activate_all (module_activate) starts the network thread of every connection in use;
 * release closes it when the last user goes (publishing "offline" first when status is on).
 * The thread connects, reconnects with a delay doubling from reconnect_min_ms to reconnect_max_ms, and
 * logs each new reason once (not every retry).
 *
 * Publishing never waits for the network: connected and not too many publishes pending -> handed to
 * libmosquitto (its own thread writes it); otherwise into the bounded queue (mqtt_queue.h), drained by
 * the network thread once connected; queue full -> dropped and counted.
 *
 * Receiving: sources attach filters; every message is offered to each attached source whose filter
 * matches. A message no attached source wants (a persistent session delivers what it kept before the
 * sources of the new run have attached) waits up to 30 s for one to attach (at most 1000 messages,
 * 16 MiB), then is dropped with a log.
 * With a persistent session, the last source detaching disconnects (after pending acks, up to 2 s) and
 * holds the connection closed until the next activation, so nothing is acknowledged that no source
 * will take: the broker keeps it for the next run.
 * Threads: every function may be called from any thread.
 */
#ifndef WEE_MQTT_CONN_H
#define WEE_MQTT_CONN_H
#include <stddef.h>
#include "mqtt_config.h"

typedef struct mqtt_conn mqtt_conn;

typedef struct mqtt_inbound {
    const char *topic;
    const void *payload;
    size_t len;
    int qos, retain;
} mqtt_inbound;

typedef struct mqtt_sub {
    const char *const *filters;  /* owned by the attaching source; live until detach returns */
    const int *is_command;       /* per filter: 1 for the fleet command topics */
    size_t count;
    int qos;
    void (*deliver)(void *ctx, const mqtt_inbound *m, int is_command);
    void *ctx;
    struct mqtt_sub *next;
} mqtt_sub;

typedef enum { MQTT_PUB_SENT = 0, MQTT_PUB_QUEUED = 1, MQTT_PUB_DROPPED = 2 } mqtt_pub_result;

mqtt_conn *mqtt_conn_acquire(const mqtt_broker_def *def, char *err, size_t err_size);
void mqtt_conn_release(mqtt_conn *c);
void mqtt_conn_activate_all(void);
void mqtt_conn_report_all(wee_report_fn put, void *ctx);

mqtt_pub_result mqtt_conn_publish(mqtt_conn *c, const char *topic, const void *payload, size_t len, int qos, int retain);
void mqtt_conn_attach(mqtt_conn *c, mqtt_sub *s);
void mqtt_conn_detach(mqtt_conn *c, mqtt_sub *s);
const char *mqtt_conn_id(const mqtt_conn *c);
#endif
