#include "mqtt_queue.h"
#include <stdlib.h>
#include <string.h>
#include "platform/append_file.h"
#include "platform/platform.h"
#include "util/file_replace.h"

/* A topic is at most 65535 bytes in MQTT; a payload at most 256 MiB. Larger lengths mean a bad file. */
#define SPOOL_MAX_TOPIC 65535u
#define SPOOL_MAX_PAYLOAD (256u * 1024u * 1024u)

mqtt_msg *mqtt_msg_new(const char *topic, const void *payload, size_t len, int qos, int retain)
{
    mqtt_msg *m = calloc(1, sizeof *m);
    size_t tl = strlen(topic);
    if (!m) return NULL;
    m->topic = malloc(tl + 1);
    m->payload = malloc(len ? len : 1);
    if (!m->topic || !m->payload) { mqtt_msg_free(m); return NULL; }
    memcpy(m->topic, topic, tl + 1);
    if (len) memcpy(m->payload, payload, len);
    m->len = len;
    m->qos = qos;
    m->retain = retain;
    return m;
}

void mqtt_msg_free(mqtt_msg *m)
{
    if (!m) return;
    free(m->topic);
    free(m->payload);
    free(m);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int write_record(FILE *f, const mqtt_msg *m)
{
    unsigned char hdr[10];
    size_t tl = strlen(m->topic);
    put_u32(hdr, (uint32_t)tl);
    put_u32(hdr + 4, (uint32_t)m->len);
    hdr[8] = (unsigned char)m->qos;
    hdr[9] = (unsigned char)(m->retain != 0);
    if (fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr || fwrite(m->topic, 1, tl, f) != tl ||
        (m->len && fwrite(m->payload, 1, m->len, f) != m->len))
        return -1;
    return fflush(f) == 0 ? 0 : -1;
}

static void append(mqtt_queue *q, mqtt_msg *m)
{
    m->next = NULL;
    if (q->tail) q->tail->next = m;
    else q->head = m;
    q->tail = m;
    q->count++;
}

static size_t load(mqtt_queue *q, char *err, size_t err_size)
{
    char *data = NULL;
    size_t len = 0, loaded = 0, at = 0;
    if (!plat_path_exists(q->file) || plat_read_file(q->file, &data, &len) != 0) return 0;
    const unsigned char *p = (const unsigned char *)data;
    while (at + 10 <= len) {
        uint32_t tl = get_u32(p + at), pl = get_u32(p + at + 4);
        int qos = p[at + 8], retain = p[at + 9];
        if (tl == 0 || tl > SPOOL_MAX_TOPIC || pl > SPOOL_MAX_PAYLOAD || qos > 2 || retain > 1 ||
            len - at - 10 < (size_t)tl + pl)
            break;
        char *topic = malloc(tl + 1);
        if (!topic) break;
        memcpy(topic, p + at + 10, tl);
        topic[tl] = '\0';
        mqtt_msg *m = mqtt_msg_new(topic, p + at + 10 + tl, pl, qos, retain);
        free(topic);
        if (!m) break;
        append(q, m);   /* a spooled message is kept even past max: it was accepted once */
        loaded++;
        at += 10 + (size_t)tl + pl;
    }
    if (at != len)
        snprintf(err, err_size, "spool file %s: skipped %zu byte(s) of a torn or damaged last record", q->file, len - at);
    free(data);
    return loaded;
}

size_t mqtt_queue_init(mqtt_queue *q, size_t max, const char *file, char *err, size_t err_size)
{
    memset(q, 0, sizeof *q);
    q->max = max;
    if (err_size) err[0] = '\0';
    if (!file || !*file) return 0;
    size_t n = strlen(file) + 1;
    q->file = malloc(n);
    if (!q->file) return 0;
    memcpy(q->file, file, n);
    return load(q, err, err_size);
}

int mqtt_queue_push(mqtt_queue *q, mqtt_msg *m)
{
    if (q->count >= q->max) {
        mqtt_msg_free(m);
        return -1;
    }
    append(q, m);
    if (q->file && m->qos > 0) {
        uint64_t size = 0;
        if (!q->spool && plat_append_open(q->file, &q->spool, &size) != 0) q->spool = NULL;
        if (q->spool && write_record(q->spool, m) != 0) { fclose(q->spool); q->spool = NULL; }
    }
    return 0;
}

void mqtt_queue_push_front(mqtt_queue *q, mqtt_msg *m)
{
    m->next = q->head;
    q->head = m;
    if (!q->tail) q->tail = m;
    q->count++;
}

mqtt_msg *mqtt_queue_pop(mqtt_queue *q)
{
    mqtt_msg *m = q->head;
    if (!m) return NULL;
    q->head = m->next;
    if (!q->head) q->tail = NULL;
    q->count--;
    m->next = NULL;
    if (q->count == 0 && q->file) {
        /* Everything queued has been handed over: the file has nothing left to protect. */
        if (q->spool) { fclose(q->spool); q->spool = NULL; }
        plat_file_remove(q->file);
    }
    return m;
}

/* The messages a restart must still send (QoS 1 and 2), for file_replace_with. */
static int write_kept(FILE *f, void *ctx)
{
    const mqtt_queue *q = ctx;
    for (const mqtt_msg *m = q->head; m; m = m->next)
        if (m->qos > 0 && write_record(f, m) != 0) return -1;
    return 0;
}

void mqtt_queue_close(mqtt_queue *q)
{
    if (q->spool) { fclose(q->spool); q->spool = NULL; }
    if (q->file) {
        int any = 0;
        for (mqtt_msg *m = q->head; m; m = m->next) any |= m->qos > 0;
        if (!any) {
            plat_file_remove(q->file);
        } else {
            file_replace_with(q->file, write_kept, q);
        }
    }
    free(q->file);
    q->file = NULL;  /* first: popping the last message would remove the file just written */
    while (q->head) mqtt_msg_free(mqtt_queue_pop(q));
}
