/*
 * modules/mqtt/mqtt_config.h - the module-wide settings ("modules": {"mqtt": {...}}): the brokers, and
 * the fleet names (host name and topic prefix) the conventions build topics from.
 *
 * mqtt_config_set replaces the recorded settings at every config load (module_configure); sources and
 * actions created afterwards look their broker up here and copy what they need into a connection.
 * Threads: set and find run on the host's config-loading thread only (one load at a time).
 */
#ifndef WEE_MQTT_CONFIG_H
#define WEE_MQTT_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "wee/wee.h"

typedef struct mqtt_broker_def {
    char *id, *host, *client_id, *username, *password;
    char *tls_ca, *tls_cert, *tls_key;
    char *will_topic, *will_payload, *queue_file;
    int port, keepalive, clean_session, will_qos, will_retain, status, tls_insecure;
    int64_t queue_max, reconnect_min_ms, reconnect_max_ms;
    char *status_topic;      /* <prefix>/<host>/status when status is on */
    char *fingerprint;       /* every setting: same text = same connection across a reload */
    char *json_path;         /* "modules.mqtt.brokers[0]" for messages */
} mqtt_broker_def;

extern const wee_option_spec mqtt_config_options[];

int mqtt_config_set(const wee_host_api *h, const wee_options *cfg, char *err, size_t err_size);
/* The broker named id, or the only one when id is NULL; NULL with a reason in err. */
const mqtt_broker_def *mqtt_config_find(const char *id, char *err, size_t err_size);
const char *mqtt_config_prefix(void);
const char *mqtt_config_host_name(void);
void mqtt_config_free(void);

mqtt_broker_def *mqtt_broker_def_copy(const mqtt_broker_def *d);
void mqtt_broker_def_free(mqtt_broker_def *d);
#endif
