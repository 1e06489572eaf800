#include "mqtt_config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/strbuf.h"

/* The options as bound (wee/bind.h): one broker object, and the module-wide section. Absent ints
 * without a default (port) stay 0, absent strings NULL. */
typedef struct broker_settings {
    const char *id, *host, *client_id, *username, *password, *tls_ca, *tls_cert, *tls_key;
    const char *will_topic, *will_payload, *queue_file;
    int64_t port, keepalive, will_qos, queue_max, reconnect_min_ms, reconnect_max_ms;
    int tls_insecure, clean_session, status, will_retain;
} broker_settings;

typedef struct mqtt_settings {
    wee_opt_list brokers; /* wee_object_at: each broker's options */
    const char *prefix, *host_name;
} mqtt_settings;

static const wee_option_spec broker_fields[] = {
    WEE_OPTION(.name = "id", .type = WEE_OPT_STRING, .required = 1,
               .description = "name sources and actions use in \"broker\"",
               WEE_BIND(broker_settings, id)),
    WEE_OPTION(.name = "host", .type = WEE_OPT_STRING, .default_value = "\"127.0.0.1\"", .description = "broker host name or address",
               WEE_BIND(broker_settings, host)),
    WEE_OPTION(.name = "port", .type = WEE_OPT_INT, .min = 1, .max = 65535,
               .description = "TCP port (default 1883, or 8883 with TLS)",
               WEE_BIND(broker_settings, port)),
    WEE_OPTION(.name = "client_id", .type = WEE_OPT_STRING,
               .description = "MQTT client id (default \"wee-<host name>-<id>\"; keep it stable for a persistent session)",
               WEE_BIND(broker_settings, client_id)),
    WEE_OPTION(.name = "username", .type = WEE_OPT_STRING, .description = "user name",
               WEE_BIND(broker_settings, username)),
    WEE_OPTION(.name = "password", .type = WEE_OPT_STRING, .description = "password (needs username)",
               WEE_BIND(broker_settings, password)),
    WEE_OPTION(.name = "tls_ca", .type = WEE_OPT_STRING,
               .description = "PEM file of the CA that signed the broker's certificate: turns TLS on",
               WEE_BIND(broker_settings, tls_ca)),
    WEE_OPTION(.name = "tls_cert", .type = WEE_OPT_STRING,
               .description = "PEM client certificate (with tls_key) when the broker asks for one",
               WEE_BIND(broker_settings, tls_cert)),
    WEE_OPTION(.name = "tls_key", .type = WEE_OPT_STRING, .description = "PEM client key",
               WEE_BIND(broker_settings, tls_key)),
    WEE_OPTION(.name = "tls_insecure", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "skip the check that the certificate names the host (testing only)",
               WEE_BIND(broker_settings, tls_insecure)),
    WEE_OPTION(.name = "keepalive", .type = WEE_OPT_INT, .default_value = "30", .min = 5, .max = 65535,
               .description = "seconds between pings when idle",
               WEE_BIND(broker_settings, keepalive)),
    WEE_OPTION(.name = "clean_session", .type = WEE_OPT_BOOL, .default_value = "true",
               .description = "false: persistent session, the broker keeps subscriptions and QoS 1/2 messages while the host is away",
               WEE_BIND(broker_settings, clean_session)),
    WEE_OPTION(.name = "status", .type = WEE_OPT_BOOL, .default_value = "true",
               .description = "retained \"online\"/\"offline\" at <prefix>/<host>/status (offline as the last will)",
               WEE_BIND(broker_settings, status)),
    WEE_OPTION(.name = "will_topic", .type = WEE_OPT_STRING, .description = "own last will topic (instead of status)",
               WEE_BIND(broker_settings, will_topic)),
    WEE_OPTION(.name = "will_payload", .type = WEE_OPT_STRING, .default_value = "\"offline\"", .description = "last will payload",
               WEE_BIND(broker_settings, will_payload)),
    WEE_OPTION(.name = "will_qos", .type = WEE_OPT_INT, .default_value = "1", .min = 0, .max = 2, .description = "last will QoS",
               WEE_BIND(broker_settings, will_qos)),
    WEE_OPTION(.name = "will_retain", .type = WEE_OPT_BOOL, .default_value = "true", .description = "last will retained",
               WEE_BIND(broker_settings, will_retain)),
    WEE_OPTION(.name = "queue_max", .type = WEE_OPT_INT, .default_value = "10000", .min = 1, .max = 10000000,
               .description = "messages held while the broker is away; more are dropped and counted",
               WEE_BIND(broker_settings, queue_max)),
    WEE_OPTION(.name = "queue_file", .type = WEE_OPT_STRING,
               .description = "spool file for queued QoS 1/2 messages, so a restart loses none",
               WEE_BIND(broker_settings, queue_file)),
    WEE_OPTION(.name = "reconnect_min_ms", .type = WEE_OPT_INT, .default_value = "500", .min = 10, .max = 3600000,
               .description = "first reconnect delay; doubles per failure",
               WEE_BIND(broker_settings, reconnect_min_ms)),
    WEE_OPTION(.name = "reconnect_max_ms", .type = WEE_OPT_INT, .default_value = "30000", .min = 10, .max = 3600000,
               .description = "cap of the reconnect delay",
               WEE_BIND(broker_settings, reconnect_max_ms)),
    WEE_OPTION_END
};

const wee_option_spec mqtt_config_options[] = {
    WEE_OPTION(.name = "brokers", .type = WEE_OPT_OBJECT_LIST, .default_value = "[]", .fields = broker_fields,
               .description = "the brokers, each connected once and shared by every mqtt source and action",
               WEE_BIND(mqtt_settings, brokers)),
    WEE_OPTION(.name = "prefix", .type = WEE_OPT_STRING, .default_value = "\"wee\"",
               .description = "first topic level of the fleet conventions (status, forward, commands)",
               WEE_BIND(mqtt_settings, prefix)),
    WEE_OPTION(.name = "host_name", .type = WEE_OPT_STRING,
               .description = "this host's name in fleet topics (default: the machine's host name)",
               WEE_BIND(mqtt_settings, host_name)),
    WEE_OPTION_END
};

static mqtt_broker_def *g_defs;
static size_t g_count;
static char g_prefix[128] = "wee", g_host[128];

static void def_clear(mqtt_broker_def *d)
{
    char **strs[] = { &d->id, &d->host, &d->client_id, &d->username, &d->password, &d->tls_ca, &d->tls_cert,
                      &d->tls_key, &d->will_topic, &d->will_payload, &d->queue_file, &d->status_topic,
                      &d->fingerprint, &d->json_path };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) { free(*strs[i]); *strs[i] = NULL; }
}

void mqtt_broker_def_free(mqtt_broker_def *d)
{
    if (!d) return;
    def_clear(d);
    free(d);
}

mqtt_broker_def *mqtt_broker_def_copy(const mqtt_broker_def *s)
{
    mqtt_broker_def *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    *d = *s;
    d->id = str_dup(s->id); d->host = str_dup(s->host); d->client_id = str_dup(s->client_id);
    d->username = str_dup(s->username); d->password = str_dup(s->password);
    d->tls_ca = str_dup(s->tls_ca); d->tls_cert = str_dup(s->tls_cert); d->tls_key = str_dup(s->tls_key);
    d->will_topic = str_dup(s->will_topic); d->will_payload = str_dup(s->will_payload);
    d->queue_file = str_dup(s->queue_file); d->status_topic = str_dup(s->status_topic);
    d->fingerprint = str_dup(s->fingerprint); d->json_path = str_dup(s->json_path);
    return d;
}

void mqtt_config_free(void)
{
    for (size_t i = 0; i < g_count; i++) def_clear(&g_defs[i]);
    free(g_defs);
    g_defs = NULL;
    g_count = 0;
}

/* A topic level made of the host name: MQTT wildcards and separators would change its meaning. */
static void topic_safe(char *s)
{
    for (; *s; s++) if (*s == '/' || *s == '+' || *s == '#') *s = '_';
}

static int read_def(const wee_host_api *h, const wee_options *o, size_t index, mqtt_broker_def *d, char *err, size_t n)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "modules.mqtt.brokers[%zu]", index);
    d->json_path = str_dup(path);
    broker_settings b;
    memset(&b, 0, sizeof b);
    wee_opt_bind(h, o, broker_fields, &b);
    d->id = str_dup(b.id);
    d->host = str_dup(b.host);
    d->username = str_dup(b.username);
    d->password = str_dup(b.password);
    d->tls_ca = str_dup(b.tls_ca);
    d->tls_cert = str_dup(b.tls_cert);
    d->tls_key = str_dup(b.tls_key);
    d->will_topic = str_dup(b.will_topic);
    d->will_payload = str_dup(b.will_payload);
    d->queue_file = str_dup(b.queue_file);
    d->tls_insecure = b.tls_insecure;
    d->keepalive = (int)b.keepalive;
    d->clean_session = b.clean_session;
    d->status = b.status;
    d->will_qos = (int)b.will_qos;
    d->will_retain = b.will_retain;
    d->queue_max = b.queue_max;
    d->reconnect_min_ms = b.reconnect_min_ms;
    d->reconnect_max_ms = b.reconnect_max_ms;
    d->port = b.port ? (int)b.port : d->tls_ca ? 8883 : 1883;
    if (b.client_id) {
        d->client_id = str_dup(b.client_id);
    } else {
        snprintf(buf, sizeof buf, "wee-%s-%s", g_host, d->id);
        d->client_id = str_dup(buf);
    }
    if (d->password && !d->username) {
        snprintf(err, n, "%s.password: a password needs \"username\" too", path);
        return -1;
    }
    if ((d->tls_cert != NULL) != (d->tls_key != NULL)) {
        snprintf(err, n, "%s: tls_cert and tls_key go together; give both or neither", path);
        return -1;
    }
    if (d->tls_cert && !d->tls_ca) {
        snprintf(err, n, "%s: a client certificate needs TLS: add tls_ca (the CA of the broker's certificate)", path);
        return -1;
    }
    if (d->status && d->will_topic) {
        snprintf(err, n, "%s: will_topic and status both set the last will; set \"status\": false to use your own", path);
        return -1;
    }
    if (d->reconnect_min_ms > d->reconnect_max_ms) {
        snprintf(err, n, "%s: reconnect_min_ms is larger than reconnect_max_ms", path);
        return -1;
    }
    if (d->status) {
        snprintf(buf, sizeof buf, "%s/%s/status", g_prefix, g_host);
        d->status_topic = str_dup(buf);
    }
    strbuf fp = STRBUF_INIT;
    strbuf_printf(&fp, "%s|%s|%d|%s|%s|%s|%s|%s|%s|%d|%d|%d|%d|%s|%s|%d|%d|%lld|%s|%lld|%lld|%s", d->id, d->host,
                  d->port, d->client_id, d->username ? d->username : "", d->password ? d->password : "",
                  d->tls_ca ? d->tls_ca : "", d->tls_cert ? d->tls_cert : "", d->tls_key ? d->tls_key : "",
                  d->tls_insecure, d->keepalive, d->clean_session, d->status, d->will_topic ? d->will_topic : "",
                  d->will_payload ? d->will_payload : "", d->will_qos, d->will_retain, (long long)d->queue_max,
                  d->queue_file ? d->queue_file : "", (long long)d->reconnect_min_ms, (long long)d->reconnect_max_ms,
                  d->status_topic ? d->status_topic : "");
    d->fingerprint = strbuf_detach(&fp);
    strbuf_free(&fp);
    return d->id && d->host && d->client_id && d->fingerprint ? 0 : -1;
}

int mqtt_config_set(const wee_host_api *h, const wee_options *cfg, char *err, size_t n)
{
    mqtt_config_free();
    mqtt_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, cfg, mqtt_config_options, &set);
    snprintf(g_prefix, sizeof g_prefix, "%s", set.prefix ? set.prefix : "wee");
    if (set.host_name) snprintf(g_host, sizeof g_host, "%s", set.host_name);
    else plat_hostname(g_host, sizeof g_host);
    if (!g_host[0]) snprintf(g_host, sizeof g_host, "unknown");
    topic_safe(g_host);
    if (!g_prefix[0] || strchr(g_prefix, '+') || strchr(g_prefix, '#')) {
        snprintf(err, n, "prefix: must be a non-empty topic without + or # wildcards");
        return WEE_ECONFIG;
    }
    size_t count = set.brokers.count;
    mqtt_broker_def *defs = calloc(count ? count : 1, sizeof *defs);
    if (!defs) return WEE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (read_def(h, wee_object_at(&set.brokers, i), i, &defs[i], err, n) != 0) {
            g_defs = defs; g_count = i + 1;
            mqtt_config_free();
            return WEE_ECONFIG;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(defs[k].id, defs[i].id) == 0) {
                snprintf(err, n, "brokers[%zu].id: \"%s\" is already the id of brokers[%zu]; ids must differ", i, defs[i].id, k);
                g_defs = defs; g_count = i + 1;
                mqtt_config_free();
                return WEE_ECONFIG;
            }
        }
    }
    g_defs = defs;
    g_count = count;
    return 0;
}

const mqtt_broker_def *mqtt_config_find(const char *id, char *err, size_t n)
{
    if (!id) {
        if (g_count == 1) return &g_defs[0];
        if (g_count == 0)
            snprintf(err, n, "no broker is declared: add \"modules\": {\"mqtt\": {\"brokers\": [{\"id\": \"main\", \"host\": "
                             "\"...\"}]}} to the config");
        else
            snprintf(err, n, "%zu brokers are declared: name one with \"broker\"", g_count);
        return NULL;
    }
    strbuf known = STRBUF_INIT;
    for (size_t i = 0; i < g_count; i++) {
        if (strcmp(g_defs[i].id, id) == 0) { strbuf_free(&known); return &g_defs[i]; }
        strbuf_printf(&known, "%s%s", known.len ? ", " : "", g_defs[i].id);
    }
    snprintf(err, n, "no broker \"%s\" in modules.mqtt.brokers (declared: %s)", id, known.len ? known.data : "none");
    strbuf_free(&known);
    return NULL;
}

const char *mqtt_config_prefix(void) { return g_prefix; }
const char *mqtt_config_host_name(void) { return g_host; }
