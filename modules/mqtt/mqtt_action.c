/*
 * modules/mqtt/mqtt_action.c - the mqtt action: publishes a templated topic and payload (default: the
 * event as JSON) on a shared broker connection, without ever waiting for the network. Its result,
 * "mqtt.result", is "published" (handed to the connection), "queued" (broker away or busy: sent when it
 * can) or "dropped" (queue full: counted, logged at most once a second).
 * "forward": true publishes under <prefix>/<host>/<event type> (the fleet convention).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto.h>
#include <cjson/cJSON.h>
#include "mqtt_internal.h"
#include "util/event_json.h"

typedef struct mqtt_action {
    mqtt_conn *conn;
    int forward, qos, retain;
    char forward_prefix[300];   /* "<prefix>/<host>/", copied at create: a reload may change the settings */
} mqtt_action;

/* The options as bound (wee/bind.h), from create's options and from each call's rendered params. */
typedef struct mqtt_action_settings {
    const char *broker, *topic, *payload;
    int64_t qos;
    int retain, forward;
} mqtt_action_settings;

/* The entries bound on every call (the rest was bound at create). */
#define MQTT_OPT_TOPIC 1
#define MQTT_OPT_PAYLOAD 2
const wee_option_spec mqtt_action_options[] = {
    WEE_OPTION(.name = "broker", .type = WEE_OPT_STRING,
               .description = "id of a broker in modules.mqtt.brokers (may be left out when there is one)",
               WEE_BIND(mqtt_action_settings, broker)),
    WEE_OPTION(.name = "topic", .type = WEE_OPT_STRING, .description = "topic to publish to (template; no + or #)",
               WEE_BIND(mqtt_action_settings, topic)),
    WEE_OPTION(.name = "payload", .type = WEE_OPT_STRING, .description = "message body (template); default: the event as JSON",
               WEE_BIND(mqtt_action_settings, payload)),
    WEE_OPTION(.name = "qos", .type = WEE_OPT_INT, .default_value = "0", .min = 0, .max = 2, .description = "0, 1 or 2",
               WEE_BIND(mqtt_action_settings, qos)),
    WEE_OPTION(.name = "retain", .type = WEE_OPT_BOOL, .default_value = "false", .description = "the broker keeps the last one",
               WEE_BIND(mqtt_action_settings, retain)),
    WEE_OPTION(.name = "forward", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "publish under <prefix>/<host>/<event type> (topic then not needed)",
               WEE_BIND(mqtt_action_settings, forward)),
    WEE_OPTION_END
};

int mqtt_action_create(const wee_host_api *h, const wee_options *o, void **inst, char *err, size_t n)
{
    mqtt_action_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, mqtt_action_options, &set);
    int forward = set.forward;
    if (forward == (set.topic != NULL)) {
        snprintf(err, n, forward ? "give either \"topic\" or \"forward\": true, not both"
                                 : "give \"topic\" (a template such as \"site/{{host}}/{{type}}\") or \"forward\": true");
        return WEE_ECONFIG;
    }
    const mqtt_broker_def *def = mqtt_config_find(set.broker, err, n);
    if (!def) return WEE_ECONFIG;
    mqtt_action *a = calloc(1, sizeof *a);
    if (!a) return WEE_ENOMEM;
    a->forward = forward;
    snprintf(a->forward_prefix, sizeof a->forward_prefix, "%s/%s/", mqtt_config_prefix(), mqtt_config_host_name());
    a->qos = (int)set.qos;
    a->retain = set.retain;
    a->conn = mqtt_conn_acquire(def, err, n);
    if (!a->conn) { free(a); return WEE_ECONFIG; }
    *inst = a;
    return 0;
}

static const char *const result_names[] = { "published", "queued", "dropped" };

int mqtt_action_run(void *inst, wee_action_call *call)
{
    mqtt_action *a = inst;
    const wee_host_api *h = mqtt_host();
    mqtt_action_settings set; /* topic and payload, rendered for this call */
    memset(&set, 0, sizeof set);
    wee_opt_bind_one(h, h->call_params(call), &mqtt_action_options[MQTT_OPT_TOPIC], &set);
    wee_opt_bind_one(h, h->call_params(call), &mqtt_action_options[MQTT_OPT_PAYLOAD], &set);
    const wee_event *ev = h->call_event(call);
    char fwd[512];
    const char *topic;
    if (a->forward) {
        snprintf(fwd, sizeof fwd, "%s%s", a->forward_prefix, h->event_type(ev));
        topic = fwd;
    } else {
        topic = set.topic;
    }
    /* A templated topic carries event text: it must still be one topic, not a filter or broken UTF-8. */
    if (!topic || !*topic || mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS ||
        mosquitto_validate_utf8(topic, (int)strlen(topic)) != MOSQ_ERR_SUCCESS || strlen(topic) > 65535) {
        h->call_set_error(call, "topic \"%.80s\" is not publishable (empty, + or #, or not UTF-8)", topic ? topic : "");
        return WEE_EINVAL;
    }
    char *json = NULL;
    const char *payload = set.payload;
    if (!payload) {
        cJSON *obj = event_json_object(h, ev);
        json = obj ? cJSON_PrintUnformatted(obj) : NULL;
        cJSON_Delete(obj);
        if (!json) { h->call_set_error(call, "out of memory"); return WEE_ENOMEM; }
        payload = json;
    }
    mqtt_pub_result r = mqtt_conn_publish(a->conn, topic, payload, strlen(payload), a->qos, a->retain);
    if (json) cJSON_free(json);
    /* A drop is counted and logged once a second by the connection, like the engine's own drops; the
     * rule's later actions see it in mqtt.result. */
    h->call_publish_string(call, "result", result_names[r]);
    return 0;
}

void mqtt_action_destroy(void *inst)
{
    mqtt_action *a = inst;
    if (!a) return;
    mqtt_conn_release(a->conn);
    free(a);
}
