/*
 * modules/notify - the `notify` action: a desktop notification with a title and a message.
 *
 *   { "action": "notify", "title": "VPN up", "message": "{{title}} appeared", "urgency": "critical",
 *     "icon": "network-vpn", "timeout_ms": 8000 }
 *
 * Linux: org.freedesktop.Notifications.Notify on the user's D-Bus session bus (notify_dbus.c).
 * Windows: a Shell_NotifyIcon balloon, which Windows 10/11 shows as a toast (notify_win32.c); refused
 * with a reason in session 0 (a service), where nothing can reach the user's desktop.
 * Title and message are templates; what the event puts in them is made valid UTF-8, stripped of
 * control characters and cut (title 1 KiB, message 16 KiB) before it leaves (notify_text.h).
 *
 * Published for later actions: notify.id (the desktop's id of the notification).
 * No desktop to show it on (no session bus, no notification server, session 0) fails the action with
 * the reason; the engine runs on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "notify_backend.h"
#include "desktop_options.h"
#include "wee/wee.h"

#define NOTIFY_MODULE_NAME "notify"

typedef struct notify_action {
    const wee_host_api *host;
    notify_backend *backend;
} notify_action;

static notify_urgency urgency_parse(const char *s)
{
    if (s && strcmp(s, "low") == 0) return NOTIFY_LOW;
    if (s && strcmp(s, "critical") == 0) return NOTIFY_CRITICAL;
    return NOTIFY_NORMAL;
}

static int notify_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                         size_t err_size)
{
    int rc = desktop_bus_option_check(host, opts, err, err_size);
    if (rc != 0) return rc;
    notify_action *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    a->host = host;
    rc = notify_backend_create(host, &a->backend, err, err_size);
    if (rc != 0) { free(a); return rc; }
    *instance = a;
    return 0;
}

static int notify_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)host;
    return notify_backend_module_init(err, err_size);
}

static const char *str_or(const char *s, const char *fallback) { return s ? s : fallback; }

static int notify_run(void *instance, wee_action_call *call)
{
    notify_action *a = instance;
    const wee_host_api *host = a->host;
    const wee_options *p = host->call_params(call);
    notify_request req;
    req.app_name = str_or(host->opt_string(p, "app_name"), "WinEventEngine");
    req.title = str_or(host->opt_string(p, "title"), "");
    req.message = str_or(host->opt_string(p, "message"), "");
    req.icon = str_or(host->opt_string(p, "icon"), "");
    req.urgency = urgency_parse(host->opt_string(p, "urgency"));
    req.timeout_ms = host->opt_int(p, "timeout_ms");
    req.call_timeout_ms = (int)host->opt_int(p, "call_timeout_ms");
    req.bus = str_or(host->opt_string(p, "bus"), "");
    uint32_t id = 0;
    char err[768];
    err[0] = '\0';
    int rc = notify_backend_send(a->backend, &req, &id, err, sizeof err);
    if (rc != 0) {
        host->call_set_error(call, "%s", err[0] ? err : wee_strerror(rc));
        return rc;
    }
    host->call_publish_int(call, "id", (int64_t)id);
    return 0;
}

static void notify_destroy(void *instance)
{
    notify_action *a = instance;
    if (!a) return;
    notify_backend_destroy(a->backend);
    free(a);
}

static const wee_option_spec notify_options[] = {
    WEE_OPTION(.name = "title", .type = WEE_OPT_STRING, .required = 1,
               .description = "the notification's title (template); event text is cleaned and cut to 1 KiB"),
    WEE_OPTION(.name = "message", .type = WEE_OPT_STRING, .default_value = "\"\"",
               .description = "the body text (template); plain text, cut to 16 KiB (Windows shows 255 characters)"),
    WEE_OPTION(.name = "icon", .type = WEE_OPT_STRING, .default_value = "\"\"",
               .description = "Linux: icon name (\"dialog-warning\") or file path; Windows: path of a .ico file "
                              "(default: the system's info/warning icon)"),
    WEE_OPTION(.name = "urgency", .type = WEE_OPT_STRING, .default_value = "\"normal\"",
               .choices = "low|normal|critical",
               .description = "Linux: the urgency hint; Windows: critical shows the warning icon"),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "-1", .min = -1, .max = 86400000,
               .description = "how long it stays: -1 = the desktop's default, 0 = until dismissed (Linux)"),
    WEE_OPTION(.name = "app_name", .type = WEE_OPT_STRING, .default_value = "\"WinEventEngine\"",
               .description = "the sending application's name (Linux app_name; Windows tray tooltip)"),
    DESKTOP_OPTION_BUS,
    DESKTOP_OPTION_CALL_TIMEOUT("the most one call waits for the desktop (D-Bus connect + calls; the tray)"),
    WEE_OPTION_END
};

static const wee_module_desc notify_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = NOTIFY_MODULE_NAME,
    .version = "1.0.0",
    .description = "shows a desktop notification (freedesktop Notifications over D-Bus; Windows tray balloon)",
    .kind = WEE_MODULE_ACTION,
    .options = notify_options,
    .module_init = notify_module_init,
    .module_shutdown = notify_backend_module_shutdown,
    .action_create = notify_create,
    .action_run = notify_run,
    .action_destroy = notify_destroy,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &notify_desc; }
