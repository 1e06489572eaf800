/*
 * core/config_engine.c - the "engine" section: workers, queue, overflow policy, HTTP switch, host log,
 * control channel, metrics, console, stop grace.
 *
 * The section is one option table (config_engine_options), the same kind modules declare theirs with:
 * options_build_section validates it (types, ranges, choices, unknown keys, each with its JSON path),
 * fills the defaults, wee_opt_bind - through the host table modules get - stores the values in
 * engine_settings through the table's offsetof bindings, and schema.c describes it from the same
 * table. What a table cannot say - the platform's rules for a pipe name, a loopback listen address -
 * is checked here after binding.
 */
#include "config_internal.h"
#include "config_keys.h"
#include "config_include.h"
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "host_api.h"
#include "http_server.h"
#include "platform/ipc.h"
#include "platform/platform.h"

/* What the table binds; converted into engine_config (owned copies, unit changes) below. */
typedef struct engine_settings {
    int64_t workers, queue_capacity, stop_grace_ms;
    int overflow;                /* index in the choices: overflow_policy order */
    int http_enabled;
    wee_opt_list http_allow;
    int log_level;               /* index in LOG_LEVEL_CHOICES: wee_log_level order */
    const char *log_file;
    int log_format;              /* 0 text, 1 json */
    int64_t log_max_size_mb, log_keep;
    int control_enabled;
    const char *control_path;
    const char *metrics_listen, *console_listen;
} engine_settings;

#define LISTEN_EXPECT "\"127.0.0.1:PORT\", \"[::1]:PORT\", \"localhost:PORT\" or null (off)"

static const wee_option_spec log_options[] = {
    WEE_OPTION(.name = "level", .type = WEE_OPT_STRING, .choices = LOG_LEVEL_CHOICES, .default_value = "\"info\"",
               .description = "lowest level written", WEE_BIND_INDEX(engine_settings, log_level)),
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NONEMPTY | WEE_OPTF_NULLABLE,
               .expect = "a file path or null (null logs to stderr)",
               .description = "append the host's log to this file; null = stderr", WEE_BIND(engine_settings, log_file)),
    WEE_OPTION(.name = "format", .type = WEE_OPT_STRING, .choices = "text|json", .default_value = "\"text\"",
               .description = "text lines or one JSON object per line", WEE_BIND_INDEX(engine_settings, log_format)),
    WEE_OPTION(.name = "max_size_mb", .type = WEE_OPT_INT, .min = 0, .max = 1048576 /* 1 TiB: past that, a typo */,
               .default_value = "0", .description = "rotate log.file when a line would take it past this many MiB; 0 = never",
               WEE_BIND(engine_settings, log_max_size_mb)),
    WEE_OPTION(.name = "keep", .type = WEE_OPT_INT, .min = 0, .max = 1000 /* ROTATING_FILE_KEEP_MAX */,
               .default_value = "5",
               .description = "rotated files kept (file.1 newest .. file.N oldest); 0 = start the file afresh",
               WEE_BIND(engine_settings, log_keep)),
    WEE_OPTION_END
};

static const wee_option_spec control_options[] = {
    WEE_OPTION(.name = "enabled", .type = WEE_OPT_BOOL, .default_value = "true",
               .description = "serve the control channel used by host status / reload / emit",
               WEE_BIND(engine_settings, control_enabled)),
    WEE_OPTION(.name = "path", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NONEMPTY | WEE_OPTF_NULLABLE,
               .expect = "a socket path (a pipe name \\\\.\\pipe\\NAME on Windows) or null for the default",
               .description = "socket path (POSIX) or pipe name \\\\.\\pipe\\NAME (Windows); null = the per-user default",
               WEE_BIND(engine_settings, control_path)),
    WEE_OPTION_END
};

static const wee_option_spec metrics_options[] = {
    WEE_OPTION(.name = "listen", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NULLABLE, .expect = LISTEN_EXPECT,
               .description = "loopback address of the Prometheus endpoint: 127.0.0.1:PORT, [::1]:PORT or "
                              "localhost:PORT; null = off",
               WEE_BIND(engine_settings, metrics_listen)),
    WEE_OPTION_END
};

static const wee_option_spec console_options[] = {
    WEE_OPTION(.name = "listen", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NULLABLE, .expect = LISTEN_EXPECT,
               .description = "loopback address of the web console: 127.0.0.1:PORT, [::1]:PORT or localhost:PORT; "
                              "null = off. `host console` prints its URL with the access token",
               WEE_BIND(engine_settings, console_listen)),
    /* Checked here only (a non-empty string or null); read by config_include.c: the file is part of the
     * config's rules, not an engine setting. */
    WEE_OPTION(.name = "rules_file", .type = WEE_OPT_STRING, .flags = WEE_OPTF_NONEMPTY | WEE_OPTF_NULLABLE,
               .default_value = "\"" CONFIG_CONSOLE_RULES_DEFAULT "\"",
               .expect = "the name of the file the console writes its rules to",
               .description = "the rule file the console writes (included like \"include\"; relative to this config's "
                              "folder). The console never rewrites this config itself"),
    WEE_OPTION_END
};

static const wee_option_spec engine_options[] = {
    WEE_OPTION(.name = "workers", .type = WEE_OPT_INT, .min = 0, .max = 256, .default_value = "0",
               .description = "worker threads; 0 = one per CPU core", WEE_BIND(engine_settings, workers)),
    WEE_OPTION(.name = "queue_capacity", .type = WEE_OPT_INT, .min = 1, .max = 16777216, .default_value = "4096",
               .description = "bounded queue between sources and workers", WEE_BIND(engine_settings, queue_capacity)),
    WEE_OPTION(.name = "overflow", .type = WEE_OPT_STRING, .choices = "block|drop_oldest|drop_newest",
               .default_value = "\"block\"",
               .description = "when the queue is full: block the source (nothing lost), or drop the oldest / newest "
                              "event (counted and reported)",
               WEE_BIND_INDEX(engine_settings, overflow)),
    WEE_OPTION(.name = "http_enabled", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "must be true for any action that makes network requests to be accepted",
               WEE_BIND(engine_settings, http_enabled)),
    WEE_OPTION(.name = "http_allow", .type = WEE_OPT_STRING_LIST, .flags = WEE_OPTF_NONEMPTY,
               .expect = "non-empty string (a host name)",
               .description = "optional allowlist of hosts for outgoing HTTP", WEE_BIND(engine_settings, http_allow)),
    WEE_OPTION(.name = "log", .type = WEE_OPT_OBJECT, .fields = log_options, .description = "the host's own log",
               WEE_BIND_FIELDS),
    WEE_OPTION(.name = "control", .type = WEE_OPT_OBJECT, .fields = control_options,
               .description = "the control channel", WEE_BIND_FIELDS),
    WEE_OPTION(.name = "metrics", .type = WEE_OPT_OBJECT, .fields = metrics_options,
               .description = "Prometheus metrics endpoint", WEE_BIND_FIELDS),
    WEE_OPTION(.name = "stop_grace_ms", .type = WEE_OPT_INT, .min = 100, .max = 600000,
               /* the default is under the 30 s the service tells the SCM to wait for a stop */
               .default_value = "10000",
               .description = "how long a stop waits for a running action; past it the action is reported as stuck "
                              "and the host exits without it (exit code 3)",
               WEE_BIND(engine_settings, stop_grace_ms)),
    WEE_OPTION(.name = "console", .type = WEE_OPT_OBJECT, .fields = console_options,
               .description = "the web console (docs/console.md)", WEE_BIND_FIELDS),
    WEE_OPTION_END
};

/* For the schema generator and the tests (config_keys.h). */
const wee_option_spec *const config_engine_options = engine_options;

/* A listen address or pipe name the table accepted as a string: the platform's rules, at its path. */
static void check_listen(config_ctx *x, const char *path, const char *section, const char *what, const char *listen,
                         char **dst)
{
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], why[256], host[64];
    int port;
    if (!listen) return;
    diag_path_key(item, sizeof item, diag_path_key(sub, sizeof sub, path, section), "listen");
    if (http_listen_parse(listen, what, host, sizeof host, &port, why, sizeof why) == 0) *dst = config_strdup(x, item, listen);
    else diag_add(x->d, item, "%s", why);
}

static void apply(config_ctx *x, const engine_settings *s, const char *path)
{
    engine_config *e = &x->c->engine;
    char sub[CONFIG_PATH_SIZE], item[CONFIG_PATH_SIZE], why[256];
    e->workers = s->workers ? (unsigned)s->workers : plat_cpu_count();
    if (e->workers == 0) e->workers = 1; /* a platform that cannot count its cores still needs one worker */
    e->queue_capacity = (size_t)s->queue_capacity;
    e->overflow = (overflow_policy)s->overflow;
    e->http_enabled = s->http_enabled;
    diag_path_key(item, sizeof item, path, "http_allow");
    e->http_allow = s->http_allow.count ? config_calloc(x, item, s->http_allow.count, sizeof *e->http_allow) : NULL;
    for (size_t i = 0; e->http_allow && i < s->http_allow.count; i++) {
        char *host = config_strdup(x, item, wee_list_at(&s->http_allow, i));
        if (!host) break;
        e->http_allow[e->http_allow_count++] = host;
    }
    e->log_level = s->log_level;
    diag_path_key(item, sizeof item, diag_path_key(sub, sizeof sub, path, "log"), "file");
    e->log_file = s->log_file ? config_strdup(x, item, s->log_file) : NULL;
    e->log_json = s->log_format == 1;
    /* Size-based rotation of log.file: file -> file.1 ... file.keep (util/rotating_file.h). */
    e->log_max_bytes = (uint64_t)s->log_max_size_mb * 1024u * 1024u;
    e->log_keep = (unsigned)s->log_keep;
    e->control_enabled = s->control_enabled;
    if (s->control_path && plat_ipc_check_path(s->control_path, why, sizeof why) != 0)
        diag_add(x->d, diag_path_key(item, sizeof item, diag_path_key(sub, sizeof sub, path, "control"), "path"), "%s", why);
    else if (s->control_path)
        e->control_path = config_strdup(x, diag_path_key(item, sizeof item, diag_path_key(sub, sizeof sub, path, "control"), "path"), s->control_path);
    check_listen(x, path, "metrics", "the metrics endpoint", s->metrics_listen, &e->metrics_listen);
    check_listen(x, path, "console", "the web console", s->console_listen, &e->console_listen);
    e->stop_grace_ms = s->stop_grace_ms;
}

void config_load_engine(config_ctx *x, const cJSON *engine, const char *path)
{
    if (engine && !cJSON_IsObject(engine)) {
        char seen[128];
        diag_describe_json(engine, seen, sizeof seen);
        diag_add(x->d, path, "expected object, got %s", seen);
        engine = NULL;
    }
    /* Comes back with the valid values even when some are wrong (reported in x->d; the config then does
     * not run), defaults standing in for the wrong ones: the checks in apply() still see the rest, so
     * every error of the section is reported at once. */
    options_tree *t = options_build_section(engine_options, engine, path, x->d);
    engine_settings s;
    memset(&s, 0, sizeof s);
    wee_opt_bind(host_api_get(), options_static_view(t), engine_options, &s);
    apply(x, &s, path);
    options_tree_free(t);
}
