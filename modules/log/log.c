/*
 * modules/log - the `log` action: one line per call, as text or JSON, to stderr, stdout or a file.
 *
 *   { "action": "log", "level": "warn", "message": "executable downloaded: {{path}}",
 *     "target": "file", "file": "C:/logs/wee.log", "format": "json", "max_size_mb": 10, "keep": 5 }
 *
 * Text:  2026-11-25T06:56:02.123Z WARN [rule name] executable downloaded: C:/x.exe
 * JSON:  {"time":...,"level":"warn","rule":...,"message":...,"event":{"type":...,<every field>}}
 *
 * Each line is built completely first and handed to the stream in one fwrite under the instance's
 * lock. The log file is a rotating_file (core/util/rotating_file.h): opened once in append mode by
 * the first line (creating missing folders; create() only checks, so `host validate` leaves no trace),
 * unbuffered, so each line is one write() on an append-mode descriptor and lines from concurrent
 * workers or other processes never interleave; instances on the same path share one object, so they
 * rotate it together (file -> file.1 ... file.keep) when max_size_mb is set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "util/event_json.h"
#include "platform/platform.h"
#include "util/rotating_file.h"
#include "util/text_escape.h"
#include "wee/wee.h"
#include "util/strbuf.h"

#define LOG_MODULE_NAME "log"

typedef struct log_action {
    const wee_host_api *host;
    wee_log_level level;
    int json;
    FILE *out;           /* stderr / stdout; NULL for a file */
    rotating_file *file; /* target "file" */
    char *target_name;   /* "stderr", "stdout" or the file's path: for error messages */
    char real_path[1024]; /* the log file's real path, for host->note_engine_write ("" until known; lock) */
    plat_mutex lock;
} log_action;

static const char *const level_names[] = { "trace", "debug", "info", "warn", "error" };
static const char *const level_upper[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR" };

/* The options as bound (wee/bind.h). Choice indexes: level in level_names (= wee_log_level) order,
 * target 0 stderr / 1 stdout / 2 file, format 0 text / 1 json. */
typedef struct log_settings {
    const char *message;
    int level, target, format;
    const char *file;
    int64_t max_size_mb, keep;
} log_settings;

#define LOG_OPT_MESSAGE 0 /* the table's first entry: bound on every call */
static const wee_option_spec log_options[] = {
    WEE_OPTION(.name = "message", .type = WEE_OPT_STRING, .required = 1,
               .description = "the line to write (template: \"{{path}} created\")", WEE_BIND(log_settings, message)),
    WEE_OPTION(.name = "level", .type = WEE_OPT_STRING, .default_value = "\"info\"",
               .choices = "trace|debug|info|warn|error", .description = "level written on the line",
               WEE_BIND_INDEX(log_settings, level)),
    WEE_OPTION(.name = "target", .type = WEE_OPT_STRING, .default_value = "\"stderr\"",
               .choices = "stderr|stdout|file", .description = "where lines go", WEE_BIND_INDEX(log_settings, target)),
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING,
               .description = "log file path (target \"file\"); opened for appending by the first line, missing folders created",
               WEE_BIND(log_settings, file)),
    WEE_OPTION(.name = "max_size_mb", .type = WEE_OPT_INT, .default_value = "0", .min = 0, .max = 1048576,
               .description = "target \"file\": rotate when a line would take the file past this many MiB "
                              "(file -> file.1 ... file.keep); 0 = never", WEE_BIND(log_settings, max_size_mb)),
    WEE_OPTION(.name = "keep", .type = WEE_OPT_INT, .default_value = "5", .min = 0, .max = 1000,
               .description = "rotated files kept (file.1 newest .. file.N oldest); 0 = start the file afresh",
               WEE_BIND(log_settings, keep)),
    WEE_OPTION(.name = "format", .type = WEE_OPT_STRING, .default_value = "\"text\"",
               .choices = "text|json",
               .description = "text: \"<time> <LEVEL> [rule] message\"; json: one object with the event",
               WEE_BIND_INDEX(log_settings, format)),
    WEE_OPTION_END
};


static char *format_text(const char *stamp, const char *level, const char *rule, const char *message,
                         size_t *len)
{
    /* A file name may contain a newline: escaped, it cannot split this record or forge the next. */
    size_t msg_len = text_escape_controls(message, NULL);
    size_t head_len = strlen(stamp) + strlen(level) + strlen(rule) + 5; /* "  [] " */
    char *line = malloc(head_len + msg_len + 2);
    if (!line) return NULL;
    int n = snprintf(line, head_len + 1, "%s %s [%s] ", stamp, level, rule);
    if (n < 0) { free(line); return NULL; }
    text_escape_controls(message, line + n);
    line[(size_t)n + msg_len] = '\n';
    line[(size_t)n + msg_len + 1] = '\0';
    *len = (size_t)n + msg_len + 1;
    return line;
}

static char *format_json(const wee_host_api *host, const wee_event *ev, const char *stamp,
                         const char *level, const char *rule, const char *message, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON_AddStringToObject(root, "time", stamp);
    cJSON_AddStringToObject(root, "level", level);
    cJSON_AddStringToObject(root, "rule", rule);
    cJSON_AddStringToObject(root, "message", message);
    cJSON *event = event_json_object(host, ev);
    if (event) cJSON_AddItemToObject(root, "event", event);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return NULL;
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    if (line) {
        memcpy(line, text, n);
        line[n] = '\n';
        line[n + 1] = '\0';
        *len = n + 1;
    }
    cJSON_free(text);
    return line;
}

/* The log file's real path, for note_engine_write: the file's own when it exists, else its folder's
 * real path plus the file name ("" while the folder does not exist either). */
static void find_real_path(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    if (plat_realpath(path, out, size) == 0) return;
    const char *slash = strrchr(path, '/');
    const char *back = plat_path_sep()[0] == '\\' ? strrchr(path, '\\') : NULL; /* Windows: either */
    if (back && (!slash || back > slash)) slash = back;
    char dir[1024];
    size_t dn = slash ? (size_t)(slash - path) : 0;
    if (dn >= sizeof dir) return;
    memcpy(dir, path, dn);
    dir[dn] = '\0';
    if (dn == 0) snprintf(dir, sizeof dir, "%s", slash ? plat_path_sep() : ".");
    size_t n;
    if (plat_realpath(dir, out, size) != 0 || (n = strlen(out)) + strlen(plat_path_sep()) + strlen(slash ? slash + 1 : path) >= size) {
        out[0] = '\0';
        return;
    }
    snprintf(out + n, size - n, "%s%s", (n && out[n - 1] == plat_path_sep()[0]) ? "" : plat_path_sep(), slash ? slash + 1 : path);
}

/* Copies the real path into out, finding it first if the folder has appeared since (the first write
 * creates missing folders). */
static void current_real_path(log_action *a, char *out, size_t size)
{
    plat_mutex_lock(&a->lock);
    if (!a->real_path[0]) find_real_path(a->target_name, a->real_path, sizeof a->real_path);
    snprintf(out, size, "%s", a->real_path);
    plat_mutex_unlock(&a->lock);
}

static int log_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                      size_t err_size)
{
    log_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, log_options, &set);
    const char *path = set.file;
    int to_file = set.target == 2;
    if (to_file && (!path || !*path)) {
        snprintf(err, err_size, "target \"file\" needs the 'file' option (the path of the log file)");
        return WEE_ECONFIG;
    }
    if (to_file && strstr(path, "{{")) {
        snprintf(err, err_size, "file '%s': templates are not allowed here (the file is opened once, "
                 "at load); write a fixed path", path);
        return WEE_ECONFIG;
    }
    log_action *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    a->host = host;
    a->level = set.level >= 0 ? (wee_log_level)set.level : WEE_LOG_INFO;
    a->json = set.format == 1;
    if (to_file) {
        int64_t max_mb = set.max_size_mb, keep = set.keep;
        int rc = 0;
        char why[512];
        /* Nothing is created here: `host validate` creates actions too and must leave no trace. What
         * would stop the first write (a directory, a parent that is a file, no permission) is an error
         * now, in validate and at start alike; missing folders are created by the first write. */
        rc = rotating_file_check(path, why, sizeof why);
        if (rc != 0) {
            snprintf(err, err_size, "cannot write log file '%s': %s", path, why);
            free(a);
            return WEE_ECONFIG;
        }
        a->file = rotating_file_open_deferred(path, (uint64_t)max_mb * 1024u * 1024u, (unsigned)keep, &rc);
        if (!a->file) {
            snprintf(err, err_size, "cannot open log file '%s' for appending: %s", path, wee_strerror(rc));
            free(a);
            return rc == WEE_ENOMEM ? WEE_ENOMEM : WEE_EIO;
        }
        a->target_name = str_dup(path);
        find_real_path(path, a->real_path, sizeof a->real_path);
    } else {
        a->out = set.target == 1 ? stdout : stderr;
        a->target_name = str_dup(a->out == stdout ? "stdout" : "stderr");
    }
    if (!a->target_name) {
        rotating_file_close(a->file);
        free(a);
        snprintf(err, err_size, "out of memory");
        return WEE_ENOMEM;
    }
    plat_mutex_init(&a->lock);
    *instance = a;
    return 0;
}

static int log_run(void *instance, wee_action_call *call)
{
    log_action *a = instance;
    const wee_host_api *host = a->host;
    log_settings set; /* only the message varies per call: the rest was bound at create */
    memset(&set, 0, sizeof set);
    wee_opt_bind_one(host, host->call_params(call), &log_options[LOG_OPT_MESSAGE], &set);
    const char *message = set.message;
    const char *rule = host->call_rule_name(call);
    char stamp[40];
    plat_format_rfc3339(host->wall_time_ms(), stamp, sizeof stamp);
    size_t len = 0;
    char *line = a->json
        ? format_json(host, host->call_event(call), stamp, level_names[a->level], rule ? rule : "",
                      message ? message : "", &len)
        : format_text(stamp, level_upper[a->level], rule ? rule : "", message ? message : "", &len);
    if (!line) {
        host->call_set_error(call, "out of memory formatting a log line");
        return WEE_ENOMEM;
    }
    if (a->file) {
        /* Said before writing: the file source may see the write and emit before this call returns.
         * Tables from ABI 1.0 hosts end before note_engine_write. */
        int can_note = host->struct_size > offsetof(wee_host_api, note_engine_write) && host->note_engine_write;
        char real[sizeof a->real_path];
        current_real_path(a, real, sizeof real);
        if (real[0] && can_note) host->note_engine_write(real);
        int rc = rotating_file_write(a->file, line, len);
        if (!real[0] && can_note) { /* the write just created the folder */
            current_real_path(a, real, sizeof real);
            if (real[0]) host->note_engine_write(real);
        }
        int rot = rotating_file_take_rotate_error(a->file);
        free(line);
        if (rot != 0)
            host->log(WEE_LOG_WARN, LOG_MODULE_NAME, "cannot rotate %s (%s); still appending to it", a->target_name,
                      wee_strerror(rot));
        if (rc != 0) {
            host->call_set_error(call, "cannot write to %s: %s", a->target_name, wee_strerror(rc));
            return rc;
        }
        return 0;
    }
    plat_mutex_lock(&a->lock);
    size_t written = fwrite(line, 1, len, a->out);
    int flushed = fflush(a->out);
    int saved_errno = errno;
    plat_mutex_unlock(&a->lock);
    free(line);
    if (written != len || flushed != 0) {
        host->call_set_error(call, "cannot write to %s: %s", a->target_name, strerror(saved_errno));
        return WEE_EIO;
    }
    return 0;
}

static void log_destroy(void *instance)
{
    log_action *a = instance;
    if (!a) return;
    rotating_file_close(a->file);
    plat_mutex_destroy(&a->lock);
    free(a->target_name);
    free(a);
}


static const wee_module_desc log_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = LOG_MODULE_NAME,
    .version = "1.0.0",
    .description = "writes one line per event (text or JSON) to stderr, stdout or a file",
    .kind = WEE_MODULE_ACTION,
    .options = log_options,
    .action_create = log_create,
    .action_run = log_run,
    .action_destroy = log_destroy,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &log_desc; }
