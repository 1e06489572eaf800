/*
 * modules/mqtt/mqtt.c - the mqtt module's descriptor (ABI 1.2): one module that is a source and an
 * action, sharing one connection per broker declared once under "modules": {"mqtt": {"brokers": [...]}}.
 * See docs/modules/mqtt.md.
 */
#include <stdio.h>
#include <mosquitto.h>
#include "mqtt_internal.h"

static const wee_host_api *g_host;
const wee_host_api *mqtt_host(void) { return g_host; }

static int init(const wee_host_api *h, char *err, size_t n)
{
    if (!h->opt_object_count) {
        snprintf(err, n, "this host is older than ABI 1.2 (no module-wide settings); upgrade the host");
        return WEE_EABI;
    }
    g_host = h;
    mosquitto_lib_init();
    return 0;
}

static void shutdown_module(void)
{
    mqtt_config_free();
    mosquitto_lib_cleanup();
}

static int configure(const wee_host_api *h, const wee_options *cfg, char *err, size_t n)
{
    return mqtt_config_set(h, cfg, err, n);
}

static const char *const event_types[] = { "mqtt.message", "mqtt.command", NULL };

static const wee_field_spec event_fields[] = {
    WEE_FIELD(.name = "topic", .description = "the message's topic"),
    WEE_FIELD(.name = "payload", .description = "the payload (text, or base64 when payload_encoding says so)"),
    WEE_FIELD(.name = "payload_encoding", .description = "\"text\" or \"base64\""),
    WEE_FIELD(.name = "payload_size", .description = "payload bytes"),
    WEE_FIELD(.name = "qos", .description = "0, 1 or 2"),
    WEE_FIELD(.name = "retain", .description = "a retained message"),
    WEE_FIELD(.name = "broker", .description = "the broker's id"),
    WEE_FIELD(.name = "command", .description = "mqtt.command: the command"),
    WEE_FIELD(.name = "target", .description = "mqtt.command: this host's name or \"all\""),
    WEE_FIELD_END
};

static const wee_module_desc desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "mqtt",
    .version = "1.0.0",
    .description = "MQTT (libmosquitto): subscribe to topics as events, publish from rules; brokers shared",
    .kind = WEE_MODULE_SOURCE_ACTION,
    .options = mqtt_source_options,
    .module_init = init,
    .module_shutdown = shutdown_module,
    .source_create = mqtt_source_create,
    .source_start = mqtt_source_start,
    .source_stop = mqtt_source_stop,
    .source_destroy = mqtt_source_destroy,
    .action_create = mqtt_action_create,
    .action_run = mqtt_action_run,
    .action_destroy = mqtt_action_destroy,
    .event_types = event_types,
    .fields = event_fields,
    .action_options = mqtt_action_options,
    .config_options = mqtt_config_options,
    .module_configure = configure,
    .module_activate = mqtt_conn_activate_all,
    .module_report = mqtt_conn_report_all,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &desc; }
