#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/strbuf.h"

static plat_mutex g_lock;
static int g_lock_ready;
static int g_level = WEE_LOG_INFO;
static int g_json;
static FILE *g_file;

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

int log_configure(int level, const char *file, int json)
{
    ensure_lock();
    FILE *f = NULL;
    if (file) {
        f = fopen(file, "a");
        if (!f) return -1;
    }
    plat_mutex_lock(&g_lock);
    if (g_file) fclose(g_file);
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
    if (g_file) fclose(g_file);
    g_file = NULL;
    plat_mutex_unlock(&g_lock);
}

int log_enabled(wee_log_level level) { return (int)level >= g_level; }

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
        strbuf_printf(&line, "%s %-5s [%s] %s\n", ts, log_level_name(level), module ? module : "host",
                      strbuf_cstr(&msg));
    }
    plat_mutex_lock(&g_lock);
    FILE *out = g_file ? g_file : stderr;
    fwrite(line.data, 1, line.len, out);
    fflush(out);
    plat_mutex_unlock(&g_lock);
    strbuf_free(&msg);
    strbuf_free(&line);
}

void log_write(wee_log_level level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, module, fmt, ap);
    va_end(ap);
}
