#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/rotating_file.h"
#include "util/strbuf.h"
#include "util/text_escape.h"
#include "wee/errors.h"

static plat_mutex g_lock;
static int g_lock_ready;
static int g_level = WEE_LOG_INFO;
static int g_json;
static rotating_file *g_file;
static uint64_t g_max_bytes;  /* engine.log.max_size_mb; 0: no rotation */
static unsigned g_keep = 5;
static void (*g_error_hook)(const char *text);

static const char *const level_names[] = { "trace", "debug", "info", "warn", "error" };

const char *log_level_name(int level)
{
    return (level >= 0 && level <= WEE_LOG_ERROR) ? level_names[level] : "?";
}

int log_level_parse(const char *name)
{
    for (int i = 0; i <= WEE_LOG_ERROR; i++)
        if (name && strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

static void ensure_lock(void)
{
    /* The first log call happens in main() before any thread starts, so this lazy init is not racy. */
    if (!g_lock_ready) { plat_mutex_init(&g_lock); g_lock_ready = 1; }
}

void log_set_error_hook(void (*hook)(const char *text))
{
    ensure_lock();
    plat_mutex_lock(&g_lock);
    g_error_hook = hook;
    plat_mutex_unlock(&g_lock);
}

void log_set_rotation(uint64_t max_bytes, unsigned keep)
{
    ensure_lock();
    plat_mutex_lock(&g_lock);
    g_max_bytes = max_bytes;
    g_keep = keep;
    if (g_file) rotating_file_set_limits(g_file, max_bytes, keep);
    plat_mutex_unlock(&g_lock);
}

int log_configure(int level, const char *file, int json)
{
    ensure_lock();
    rotating_file *f = NULL;
    if (file) {
        /* Reopening the same path shares the open file (rotating_file's registry), so a reload
         * that keeps engine.log.file loses no line and starts no second writer. */
        int rc = 0;
        f = rotating_file_open(file, g_max_bytes, g_keep, &rc); /* creates missing folders above it */
        if (!f) return rc ? rc : WEE_EIO;
    }
    plat_mutex_lock(&g_lock);
    if (g_file) rotating_file_close(g_file);
    g_file = f;
    g_level = level;
    g_json = json;
    plat_mutex_unlock(&g_lock);
    return 0;
}

void log_shutdown(void)
{
    ensure_lock();
    plat_mutex_lock(&g_lock);
    if (g_file) rotating_file_close(g_file);
    g_file = NULL;
    plat_mutex_unlock(&g_lock);
}

int log_enabled(wee_log_level level) { return (int)level >= g_level; }

/* Text lines: the same escaping as the log action's, so a file name holding "\n... ERROR ..." or an
 * action error quoting a rendered command stays on its own line. */
static void text_escape(strbuf *sb, const char *s)
{
    size_t n = text_escape_controls(s, NULL);
    if (strbuf_reserve(sb, n) != 0) return;
    text_escape_controls(s, sb->data + sb->len);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

static void json_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { strbuf_putc(sb, '\\'); strbuf_putc(sb, (char)c); }
        else if (c == '\n') strbuf_puts(sb, "\\n");
        else if (c == '\r') strbuf_puts(sb, "\\r");
        else if (c == '\t') strbuf_puts(sb, "\\t");
        else if (c < 0x20) strbuf_printf(sb, "\\u%04x", c);
        else strbuf_putc(sb, (char)c);
    }
}

void log_vwrite(wee_log_level level, const char *module, const char *fmt, va_list ap)
{
    if (!log_enabled(level)) return;
    ensure_lock();
    char ts[40];
    plat_format_rfc3339(plat_wall_time_ms(), ts, sizeof ts);
    strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
    strbuf_vprintf(&msg, fmt, ap);
    if (g_json) {
        strbuf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"module\":\"", ts, log_level_name(level));
        json_escape(&line, module ? module : "host");
        strbuf_puts(&line, "\",\"message\":\"");
        json_escape(&line, strbuf_cstr(&msg));
        strbuf_puts(&line, "\"}\n");
    } else {
        strbuf_printf(&line, "%s %-5s [", ts, log_level_name(level));
        text_escape(&line, module ? module : "host");
        strbuf_puts(&line, "] ");
        text_escape(&line, strbuf_cstr(&msg));
        strbuf_putc(&line, '\n');
    }
    /* Out of memory: the line is lost, but that a line was lost is not. */
    static const char oom_line[] = "out of memory: a log line could not be written\n";
    const char *out = line.data;
    size_t out_len = line.len;
    if (strbuf_failed(&msg) || strbuf_failed(&line)) { out = oom_line; out_len = sizeof oom_line - 1; }
    int rot = 0;
    void (*hook)(const char *) = NULL;
    plat_mutex_lock(&g_lock);
    if (level >= WEE_LOG_ERROR) hook = g_error_hook;
    if (g_file) {
        if (rotating_file_write(g_file, out, out_len) != 0) {
            fwrite(out, 1, out_len, stderr); /* the file is gone or full: keep the line */
            fflush(stderr);
        }
        rot = rotating_file_take_rotate_error(g_file);
    } else {
        fwrite(out, 1, out_len, stderr);
        fflush(stderr);
    }
    plat_mutex_unlock(&g_lock);
    if (hook) {
        strbuf text = STRBUF_INIT;
        strbuf_printf(&text, "[%s] %s", module ? module : "host", strbuf_cstr(&msg));
        hook(strbuf_cstr(&text));
        strbuf_free(&text);
    }
    strbuf_free(&msg);
    strbuf_free(&line);
    /* Reported once per run of failed attempts (rotating_file retries each second): no loop. */
    if (rot != 0)
        log_write(WEE_LOG_WARN, "host", "engine.log: cannot rotate the log file (%s); still appending to it",
                  wee_strerror(rot));
}

void log_write(wee_log_level level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, module, fmt, ap);
    va_end(ap);
}
