/*
 * core/config_engine.c - the "engine" section: workers, queue, overflow policy, HTTP switch, host log.
 * Absent keys keep the documented defaults; present ones must be valid, no silent fallbacks.
 */
#include "config_internal.h"
#include "config_keys.h"
#include <stdlib.h>
#include "log.h"
#include "http_server.h"
#include "platform/ipc.h"
#include "platform/platform.h"

/* One array per level: a new key is one more line here (plus its reader below). */
static const char *const engine_keys[] = { "workers", "queue_capacity", "overflow", "http_enabled", "http_allow",
                                           "log", "control", "metrics", "stop_grace_ms", "console", NULL };
static const char *const log_keys[] = { "level", "file", "format", "max_size_mb", "keep", NULL };
static const char *const control_keys[] = { "enabled", "path", NULL };
static const char *const metrics_keys[] = { "listen", NULL };
static const char *const console_keys[] = { "listen", "rules_file", NULL }; /* rules_file: config_include.c */
/* Same order as overflow_policy. */
static const char *const overflow_names[] = { "block", "drop_oldest", "drop_newest", NULL };
static const char *const log_formats[] = { "text", "json", NULL };

#define WORKERS_MAX 256
#define QUEUE_DEFAULT 4096
#define QUEUE_MAX 16777216
#define LOG_MAX_SIZE_MB_MAX 1048576   /* 1 TiB: past that, a typo */
#define LOG_KEEP_DEFAULT 5
#define LOG_KEEP_MAX 1000             /* ROTATING_FILE_KEEP_MAX */
#define STOP_GRACE_DEFAULT 10000      /* under the 30 s the service tells the SCM to wait for a stop */
#define STOP_GRACE_MIN 100
#define STOP_GRACE_MAX 600000

/* Exported for the schema generator (config_keys.h): the schema is built from these very lists. */
const char *const *const config_engine_keys = engine_keys;
const char *const *const config_engine_log_keys = log_keys;
const char *const *const config_engine_control_keys = control_keys;
const char *const *const config_engine_metrics_keys = metrics_keys;
const char *const *const config_engine_console_keys = console_keys;
const char *const *const config_overflow_names = overflow_names;
const char *const *const config_log_formats = log_formats;
const int64_t config_workers_max = WORKERS_MAX, config_queue_default = QUEUE_DEFAULT, config_queue_max = QUEUE_MAX;
const int64_t config_log_max_size_mb_max = LOG_MAX_SIZE_MB_MAX, config_log_keep_default = LOG_KEEP_DEFAULT,
              config_log_keep_max = LOG_KEEP_MAX;
const int64_t config_stop_grace_default = STOP_GRACE_DEFAULT, config_stop_grace_min = STOP_GRACE_MIN,
              config_stop_grace_max = STOP_GRACE_MAX;

static void expect_object(const cJSON *j, const char *path, diag_list *d)
{
    char seen[128];
    diag_describe_json(j, seen, sizeof seen);
    diag_add(d, path, "expected object, got %s", seen);
}

static void load_http_allow(config_ctx *x, const cJSON *engine, const char *path)
{
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], seen[128];
    const cJSON *allow = cJSON_GetObjectItemCaseSensitive(engine, "http_allow");
    if (!allow) return;
    diag_path_key(sub, sizeof sub, path, "http_allow");
    if (!cJSON_IsArray(allow)) {
        diag_describe_json(allow, seen, sizeof seen);
        diag_add(x->d, sub, "expected array of host names, got %s", seen);
        return;
    }
    engine_config *e = &x->c->engine;
    e->http_allow = config_calloc(x, path, (size_t)cJSON_GetArraySize(allow), sizeof *e->http_allow);
    if (!e->http_allow) return;
    size_t i = 0;
    for (const cJSON *h = allow->child; h; h = h->next, i++) {
        if (cJSON_IsString(h) && h->valuestring[0]) {
            char *host = config_strdup(x, path, h->valuestring);
            if (!host) return;
            e->http_allow[e->http_allow_count++] = host;
            continue;
        }
        diag_describe_json(h, seen, sizeof seen);
        diag_add(x->d, diag_path_index(item, sizeof item, sub, i), "expected non-empty string (a host name), got %s",
                 seen);
    }
}

static void load_log(config_ctx *x, const cJSON *engine, const char *path)
{
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], seen[128];
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(engine, "log");
    if (!log) return;
    diag_path_key(sub, sizeof sub, path, "log");
    if (!cJSON_IsObject(log)) {
        expect_object(log, sub, x->d);
        return;
    }
    config_check_keys(log, sub, log_keys, x->d);
    engine_config *e = &x->c->engine;

    const cJSON *level = cJSON_GetObjectItemCaseSensitive(log, "level");
    if (level) {
        int parsed = cJSON_IsString(level) ? log_level_parse(level->valuestring) : -1;
        if (parsed >= 0) {
            e->log_level = parsed;
        } else {
            diag_describe_json(level, seen, sizeof seen);
            diag_add(x->d, diag_path_key(item, sizeof item, sub, "level"),
                     "expected one of trace|debug|info|warn|error, got %s", seen);
        }
    }

    const cJSON *file = cJSON_GetObjectItemCaseSensitive(log, "file");
    if (cJSON_IsString(file) && file->valuestring[0]) {
        e->log_file = config_strdup(x, sub, file->valuestring);
    } else if (file && !cJSON_IsNull(file)) {
        diag_describe_json(file, seen, sizeof seen);
        diag_add(x->d, diag_path_key(item, sizeof item, sub, "file"),
                 "expected a file path or null (null logs to stderr), got %s", seen);
    }

    int format = 0;
    if (config_get_choice(log, "format", sub, log_formats, &format, x->d) == 1) e->log_json = format == 1;

    /* Size-based rotation of log.file: file -> file.1 ... file.keep (util/rotating_file.h). */
    int64_t max_mb = 0, keep = LOG_KEEP_DEFAULT;
    if (config_get_int(log, "max_size_mb", sub, 0, LOG_MAX_SIZE_MB_MAX, &max_mb, x->d) == 1)
        e->log_max_bytes = (uint64_t)max_mb * 1024u * 1024u;
    if (config_get_int(log, "keep", sub, 0, LOG_KEEP_MAX, &keep, x->d) == 1) e->log_keep = (unsigned)keep;
}

/* "control": where `host status|reload|emit` reach this host (control_server.c). */
static void load_control(config_ctx *x, const cJSON *engine, const char *path)
{
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], seen[128];
    const cJSON *control = cJSON_GetObjectItemCaseSensitive(engine, "control");
    if (!control) return;
    diag_path_key(sub, sizeof sub, path, "control");
    if (!cJSON_IsObject(control)) {
        expect_object(control, sub, x->d);
        return;
    }
    config_check_keys(control, sub, control_keys, x->d);
    engine_config *e = &x->c->engine;
    config_get_bool(control, "enabled", sub, &e->control_enabled, x->d);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(control, "path");
    char why[256];
    if (cJSON_IsString(p) && p->valuestring[0] && plat_ipc_check_path(p->valuestring, why, sizeof why) != 0) {
        diag_add(x->d, diag_path_key(item, sizeof item, sub, "path"), "%s", why);
    } else if (cJSON_IsString(p) && p->valuestring[0]) {
        e->control_path = config_strdup(x, sub, p->valuestring);
    } else if (p && !cJSON_IsNull(p)) {
        diag_describe_json(p, seen, sizeof seen);
        diag_add(x->d, diag_path_key(item, sizeof item, sub, "path"),
                 "expected a socket path (a pipe name \\\\.\\pipe\\NAME on Windows) or null for the default, got %s", seen);
    }
}

/* "metrics" (the Prometheus endpoint, metrics_http.c) and "console" (the web console, console_http.c):
 * off unless listen is set; loopback only. */
static void load_listen(config_ctx *x, const cJSON *engine, const char *path, const char *key,
                        const char *const *keys, const char *what, char **dst)
{
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], seen[128], why[256], host[64];
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(engine, key);
    if (!metrics) return;
    diag_path_key(sub, sizeof sub, path, key);
    if (!cJSON_IsObject(metrics)) {
        expect_object(metrics, sub, x->d);
        return;
    }
    config_check_keys(metrics, sub, keys, x->d);
    const cJSON *listen = cJSON_GetObjectItemCaseSensitive(metrics, "listen");
    diag_path_key(item, sizeof item, sub, "listen");
    int port;
    if (cJSON_IsString(listen)) {
        if (http_listen_parse(listen->valuestring, what, host, sizeof host, &port, why, sizeof why) == 0)
            *dst = config_strdup(x, item, listen->valuestring);
        else
            diag_add(x->d, item, "%s", why);
    } else if (listen && !cJSON_IsNull(listen)) {
        diag_describe_json(listen, seen, sizeof seen);
        diag_add(x->d, item, "expected \"127.0.0.1:PORT\", \"[::1]:PORT\", \"localhost:PORT\" or null (off), got %s", seen);
    }
}

void config_load_engine(config_ctx *x, const cJSON *engine, const char *path)
{
    engine_config *e = &x->c->engine;
    int64_t workers = 0, capacity = QUEUE_DEFAULT;
    int overflow = OVERFLOW_BLOCK;
    e->log_level = WEE_LOG_INFO;
    e->log_keep = LOG_KEEP_DEFAULT;
    e->overflow = OVERFLOW_BLOCK;
    e->control_enabled = 1;
    e->stop_grace_ms = STOP_GRACE_DEFAULT;

    if (engine && !cJSON_IsObject(engine)) {
        expect_object(engine, path, x->d);
        engine = NULL;
    }
    if (engine) {
        config_check_keys(engine, path, engine_keys, x->d);
        config_get_int(engine, "workers", path, 0, WORKERS_MAX, &workers, x->d);
        config_get_int(engine, "queue_capacity", path, 1, QUEUE_MAX, &capacity, x->d);
        if (config_get_choice(engine, "overflow", path, overflow_names, &overflow, x->d) == 1)
            e->overflow = (overflow_policy)overflow;
        config_get_bool(engine, "http_enabled", path, &e->http_enabled, x->d);
        load_http_allow(x, engine, path);
        load_log(x, engine, path);
        load_control(x, engine, path);
        load_listen(x, engine, path, "metrics", metrics_keys, "the metrics endpoint", &e->metrics_listen);
        load_listen(x, engine, path, "console", console_keys, "the web console", &e->console_listen);
        config_get_int(engine, "stop_grace_ms", path, STOP_GRACE_MIN, STOP_GRACE_MAX, &e->stop_grace_ms, x->d);
    }
    e->workers = workers ? (unsigned)workers : plat_cpu_count();
    if (e->workers == 0) e->workers = 1; /* a platform that cannot count its cores still needs one worker */
    e->queue_capacity = (size_t)capacity;
}
