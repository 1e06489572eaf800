/*
 * modules/mqtt/mqtt_queue.h - the bounded queue of messages an mqtt action could not hand to the broker
 * (broker away, or too many publishes still unacknowledged), optionally mirrored in a spool file so a
 * restart loses nothing at QoS 1/2.
 *
 * Spool file: records appended as they are queued (QoS 1/2 only), removed when the queue empties, and
 * rewritten with what is left when the connection closes. A crash after some records were sent but
 * before the file was removed sends those again at the next start (QoS 1 allows duplicates).
 * Record: 4-byte little-endian topic length, 4-byte payload length, qos byte, retain byte, topic, payload.
 * Ownership: the queue owns its messages; pop hands one to the caller (mqtt_msg_free).
 * Threads: none inside; the connection serialises access with its lock.
 */
#ifndef WEE_MQTT_QUEUE_H
#define WEE_MQTT_QUEUE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct mqtt_msg {
    struct mqtt_msg *next;
    char *topic;
    void *payload;
    size_t len;
    int qos, retain;
    uint64_t at_ns;      /* when it arrived (inbound messages waiting for a source) */
} mqtt_msg;

typedef struct mqtt_queue {
    mqtt_msg *head, *tail;
    size_t count, max;
    char *file;          /* NULL: memory only */
    FILE *spool;         /* open for appending while records are in it */
} mqtt_queue;

mqtt_msg *mqtt_msg_new(const char *topic, const void *payload, size_t len, int qos, int retain);
void mqtt_msg_free(mqtt_msg *m);

/* file may be NULL. Loads what an earlier run left in the file (returned count; a torn last record
 * is skipped and reported in err). */
size_t mqtt_queue_init(mqtt_queue *q, size_t max, const char *file, char *err, size_t err_size);
/* Takes m; 0, or -1 when the queue is full (m is freed: the caller counts the drop). */
int mqtt_queue_push(mqtt_queue *q, mqtt_msg *m);
/* Puts m back at the front (a publish that failed after pop); never refuses. */
void mqtt_queue_push_front(mqtt_queue *q, mqtt_msg *m);
mqtt_msg *mqtt_queue_pop(mqtt_queue *q);
/* Writes what is still queued to the file (replacing it) or removes the file when empty; frees all. */
void mqtt_queue_close(mqtt_queue *q);
#endif
