/*
 * modules/mqtt/mqtt_source.c - the mqtt source: subscribes to topic filters on a shared broker
 * connection; every message becomes an "mqtt.message" event (a fleet command an "mqtt.command").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto.h>
#include "mqtt_internal.h"
#include "mqtt_payload.h"
#include "util/strbuf.h"

typedef struct mqtt_source {
    const wee_host_api *h;
    wee_source *src;
    mqtt_conn *conn;
    mqtt_sub sub;
    char **filters;
    int *is_command;
    size_t count;
    size_t max_bytes;
    size_t cmd_prefix_len[2];     /* "<prefix>/<host>/cmd/" and "<prefix>/all/cmd/" lengths */
    char *cmd_prefix[2];
    char host_name[128];          /* copied at create: a reload may change the settings */
    int attached;
} mqtt_source;

/* The options as bound (wee/bind.h). */
typedef struct mqtt_source_settings {
    const char *broker;
    wee_opt_list topics;
    int64_t qos, max_payload_bytes;
    int commands;
} mqtt_source_settings;

const wee_option_spec mqtt_source_options[] = {
    WEE_OPTION(.name = "broker", .type = WEE_OPT_STRING,
               .description = "id of a broker in modules.mqtt.brokers (may be left out when there is one)",
               WEE_BIND(mqtt_source_settings, broker)),
    WEE_OPTION(.name = "topics", .type = WEE_OPT_STRING_LIST, .default_value = "[]",
               .description = "topic filters to subscribe to; + and # wildcards allowed",
               WEE_BIND(mqtt_source_settings, topics)),
    WEE_OPTION(.name = "qos", .type = WEE_OPT_INT, .default_value = "1", .min = 0, .max = 2,
               .description = "subscription QoS (1 with a persistent session: nothing lost across restarts)",
               WEE_BIND(mqtt_source_settings, qos)),
    WEE_OPTION(.name = "commands", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "also take fleet commands: <prefix>/<host>/cmd/# and <prefix>/all/cmd/# as mqtt.command",
               WEE_BIND(mqtt_source_settings, commands)),
    WEE_OPTION(.name = "max_payload_bytes", .type = WEE_OPT_INT, .default_value = "262144", .min = 0,
               .max = 268435455, .description = "larger messages are dropped with a log line",
               WEE_BIND(mqtt_source_settings, max_payload_bytes)),
    WEE_OPTION_END
};

static void deliver(void *ctx, const mqtt_inbound *m, int is_command)
{
    mqtt_source *s = ctx;
    const wee_host_api *h = s->h;
    if (m->len > s->max_bytes) {
        char why[160];
        snprintf(why, sizeof why, "a %zu-byte message on \"%.60s\" is over max_payload_bytes %zu", m->len, m->topic,
                 s->max_bytes);
        h->log(WEE_LOG_WARN, "mqtt", "source '%s': dropped %s (raise max_payload_bytes to take it)", h->source_id(s->src), why);
        h->report_lost(s->src, 1, why);
        return;
    }
    wee_event *ev = h->event_new(is_command ? "mqtt.command" : "mqtt.message");
    if (!ev) { h->report_lost(s->src, 1, "out of memory"); return; }
    int rc = h->event_set_string(ev, "topic", m->topic);
    if (rc == 0) rc = h->event_set_int(ev, "qos", m->qos);
    if (rc == 0) rc = h->event_set_bool(ev, "retain", m->retain);
    if (rc == 0) rc = h->event_set_string(ev, "broker", mqtt_conn_id(s->conn));
    if (rc == 0 && is_command) {
        for (int i = 0; i < 2; i++) {
            if (strncmp(m->topic, s->cmd_prefix[i], s->cmd_prefix_len[i]) == 0) {
                rc = h->event_set_string(ev, "command", m->topic + s->cmd_prefix_len[i]);
                if (rc == 0) rc = h->event_set_string(ev, "target", i == 0 ? s->host_name : "all");
                break;
            }
        }
    }
    if (rc == 0) rc = mqtt_payload_to_fields(h, ev, m->payload, m->len);
    if (rc != 0) {
        h->event_free(ev);
        h->report_lost(s->src, 1, "out of memory building an mqtt event");
        return;
    }
    h->emit(s->src, ev);
}

static void source_free(mqtt_source *s)
{
    for (size_t i = 0; i < s->count; i++) free(s->filters[i]);
    free(s->filters);
    free(s->is_command);
    free(s->cmd_prefix[0]);
    free(s->cmd_prefix[1]);
    free(s);
}

int mqtt_source_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n)
{
    char buf[512];
    mqtt_source_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, mqtt_source_options, &set);
    size_t topics = set.topics.count;
    int commands = set.commands;
    if (topics == 0 && !commands) {
        snprintf(err, n, "give \"topics\" (filters such as \"home/+/temperature\") or \"commands\": true");
        return WEE_ECONFIG;
    }
    for (size_t i = 0; i < topics; i++) {
        const char *f = wee_list_at(&set.topics, i);
        if (mosquitto_sub_topic_check(f) != MOSQ_ERR_SUCCESS || !*f) {
            snprintf(err, n, "topics[%zu]: \"%s\" is not a valid filter (+ and # stand alone in a level, # only last)", i, f);
            return WEE_ECONFIG;
        }
    }
    const mqtt_broker_def *def = mqtt_config_find(set.broker, err, n);
    if (!def) return WEE_ECONFIG;
    mqtt_source *s = calloc(1, sizeof *s);
    size_t count = topics + (commands ? 2 : 0);
    if (s) {
        s->filters = calloc(count, sizeof *s->filters);
        s->is_command = calloc(count, sizeof *s->is_command);
    }
    if (!s || !s->filters || !s->is_command) { if (s) source_free(s); return WEE_ENOMEM; }
    s->h = h;
    s->src = src;
    s->max_bytes = (size_t)set.max_payload_bytes;
    snprintf(s->host_name, sizeof s->host_name, "%s", mqtt_config_host_name());
    for (size_t i = 0; i < topics; i++) s->filters[s->count++] = str_dup(wee_list_at(&set.topics, i));
    if (commands) {
        snprintf(buf, sizeof buf, "%s/%s/cmd/", mqtt_config_prefix(), mqtt_config_host_name());
        s->cmd_prefix[0] = str_dup(buf);
        snprintf(buf, sizeof buf, "%s/all/cmd/", mqtt_config_prefix());
        s->cmd_prefix[1] = str_dup(buf);
        for (int i = 0; i < 2; i++) {
            s->cmd_prefix_len[i] = s->cmd_prefix[i] ? strlen(s->cmd_prefix[i]) : 0;
            snprintf(buf, sizeof buf, "%s#", s->cmd_prefix[i] ? s->cmd_prefix[i] : "");
            s->is_command[s->count] = 1;
            s->filters[s->count++] = str_dup(buf);
        }
    }
    for (size_t i = 0; i < s->count; i++) if (!s->filters[i]) { source_free(s); return WEE_ENOMEM; }
    s->sub.filters = (const char *const *)s->filters;
    s->sub.is_command = s->is_command;
    s->sub.count = s->count;
    s->sub.qos = (int)set.qos;
    s->sub.deliver = deliver;
    s->sub.ctx = s;
    s->conn = mqtt_conn_acquire(def, err, n);
    if (!s->conn) { source_free(s); return WEE_ECONFIG; }
    *inst = s;
    return 0;
}

int mqtt_source_start(void *inst, char *err, size_t n)
{
    mqtt_source *s = inst;
    (void)err; (void)n;
    mqtt_conn_attach(s->conn, &s->sub);
    s->attached = 1;
    return 0;
}

void mqtt_source_stop(void *inst)
{
    mqtt_source *s = inst;
    if (s->attached) mqtt_conn_detach(s->conn, &s->sub);
    s->attached = 0;
}

void mqtt_source_destroy(void *inst)
{
    mqtt_source *s = inst;
    if (!s) return;
    if (s->attached) mqtt_conn_detach(s->conn, &s->sub);
    mqtt_conn_release(s->conn);
    source_free(s);
}
