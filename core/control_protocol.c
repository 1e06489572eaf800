/* control_protocol.c - request/response lines and `field=value` typing; see control_protocol.h. */
#include "control_protocol.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "wee/errors.h"

static const char *const command_names[] = { "status", "reload", "metrics", "emit" };
static const char *const result_names[] = { "ok", "failed", "error", "busy" };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int control_parse_request(const char *line, control_command *cmd, const char **arg, char *err, size_t err_size)
{
    size_t n = strcspn(line, " ");
    for (size_t i = 0; i < COUNT(command_names); i++) {
        if (strlen(command_names[i]) != n || strncmp(line, command_names[i], n) != 0) continue;
        *cmd = (control_command)i;
        *arg = line[n] ? line + n + 1 : "";
        if (*cmd == CONTROL_EMIT && !**arg) {
            snprintf(err, err_size, "emit needs an event: emit {\"type\": \"custom.x\", ...}");
            return WEE_EINVAL;
        }
        if (*cmd != CONTROL_EMIT && **arg) {
            snprintf(err, err_size, "%s takes no argument", command_names[i]);
            return WEE_EINVAL;
        }
        return 0;
    }
    snprintf(err, err_size, "unknown command \"%.*s\"; expected status, reload, metrics or emit <json>",
             (int)(n > 40 ? 40 : n), line);
    /* Garbage may hold control bytes: keep the message printable. */
    for (char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return WEE_EINVAL;
}

void control_format_request(strbuf *out, control_command cmd, const char *arg)
{
    strbuf_puts(out, command_names[cmd]);
    if (arg && *arg) {
        strbuf_putc(out, ' ');
        strbuf_puts(out, arg);
    }
    strbuf_putc(out, '\n');
}

void control_format_response(strbuf *out, control_result r, const char *text)
{
    strbuf_puts(out, result_names[r]);
    strbuf_putc(out, '\n');
    size_t n = text ? strlen(text) : 0;
    if (n) strbuf_append(out, text, n);
    if (n && text[n - 1] != '\n') strbuf_putc(out, '\n');
}

int control_parse_response(const char *response, control_result *r, const char **text)
{
    const char *nl = strchr(response, '\n');
    if (!nl) return WEE_EINVAL;
    size_t n = (size_t)(nl - response);
    for (size_t i = 0; i < COUNT(result_names); i++) {
        if (strlen(result_names[i]) == n && strncmp(response, result_names[i], n) == 0) {
            *r = (control_result)i;
            *text = nl + 1;
            return 0;
        }
    }
    return WEE_EINVAL;
}

/* 1 and *out when s is an integer of at most 15 digits: cJSON prints those exactly (it uses %1.15g and
 * judges longer ones "close enough"), so the value reaching the engine is the one typed. */
static int parse_exact_int(const char *s, int64_t *out)
{
    const char *d = s + (*s == '-');
    if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 15) return 0;
    int64_t v = 0;
    for (; *d; d++) v = v * 10 + (*d - '0');
    *out = *s == '-' ? -v : v;
    return 1;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

char *control_event_json(const char *type, int count, const char *const *pairs, char *err, size_t err_size)
{
    if (!type || !valid_name(type, strlen(type)) || !strchr(type, '.')) {
        snprintf(err, err_size, "event type \"%s\": expected <domain>.<verb> such as custom.ping (letters, digits, "
                 "'_', '-', '.')", type ? type : "");
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    if (!o) { snprintf(err, err_size, "out of memory"); return NULL; }
    cJSON_AddStringToObject(o, "type", type);
    for (int i = 0; i < count; i++) {
        const char *eq = strchr(pairs[i], '=');
        size_t n = eq ? (size_t)(eq - pairs[i]) : 0;
        char name[128];
        if (!eq || !valid_name(pairs[i], n) || n >= sizeof name) {
            snprintf(err, err_size, "argument \"%s\": expected field=value with a field name of letters, digits, "
                     "'_', '-', '.'", pairs[i]);
            cJSON_Delete(o);
            return NULL;
        }
        memcpy(name, pairs[i], n);
        name[n] = '\0';
        if (cJSON_GetObjectItemCaseSensitive(o, name)) {
            snprintf(err, err_size, "argument \"%s\": field \"%s\" %s", pairs[i], name,
                     strcmp(name, "type") == 0 ? "is the event type; give it as the first argument" : "given twice");
            cJSON_Delete(o);
            return NULL;
        }
        const char *v = eq + 1;
        int64_t iv;
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) cJSON_AddBoolToObject(o, name, v[0] == 't');
        else if (parse_exact_int(v, &iv)) cJSON_AddNumberToObject(o, name, (double)iv);
        else cJSON_AddStringToObject(o, name, v);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) snprintf(err, err_size, "out of memory");
    return text;
}
