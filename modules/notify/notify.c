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

/* The options as bound (wee/bind.h); urgency is the index in its choices, the notify_urgency order. */
typedef struct notify_settings {
    const char *title, *message, *icon, *app_name, *bus;
    int urgency;
    int64_t timeout_ms, call_timeout_ms;
} notify_settings;

static const wee_option_spec notify_options[] = {
    WEE_OPTION(.name = "title", .type = WEE_OPT_STRING, .required = 1,
               .description = "the notification's title (template); event text is cleaned and cut to 1 KiB",
               WEE_BIND(notify_settings, title)),
    WEE_OPTION(.name = "message", .type = WEE_OPT_STRING, .default_value = "\"\"",
               .description = "the body text (template); plain text, cut to 16 KiB (Windows shows 255 characters)",
               WEE_BIND(notify_settings, message)),
    WEE_OPTION(.name = "icon", .type = WEE_OPT_STRING, .default_value = "\"\"",
               .description = "Linux: icon name (\"dialog-warning\") or file path; Windows: path of a .ico file "
                              "(default: the system's info/warning icon)",
               WEE_BIND(notify_settings, icon)),
    WEE_OPTION(.name = "urgency", .type = WEE_OPT_STRING, .default_value = "\"normal\"",
               .choices = "low|normal|critical",
               .description = "Linux: the urgency hint; Windows: critical shows the warning icon",
               WEE_BIND_INDEX(notify_settings, urgency)),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "-1", .min = -1, .max = 86400000,
               .description = "how long it stays: -1 = the desktop's default, 0 = until dismissed (Linux)",
               WEE_BIND(notify_settings, timeout_ms)),
    WEE_OPTION(.name = "app_name", .type = WEE_OPT_STRING, .default_value = "\"WinEventEngine\"",
               .description = "the sending application's name (Linux app_name; Windows tray tooltip)",
               WEE_BIND(notify_settings, app_name)),
    DESKTOP_OPTION_BUS(notify_settings),
    DESKTOP_OPTION_CALL_TIMEOUT(notify_settings, "the most one call waits for the desktop (D-Bus connect + calls; the tray)"),
    WEE_OPTION_END
};


static int notify_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                         size_t err_size)
{
    notify_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, notify_options, &set);
    int rc = desktop_bus_option_check(set.bus, err, err_size);
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
    notify_settings set; /* bound from this call's rendered params */
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, host->call_params(call), notify_options, &set);
    notify_request req;
    req.app_name = str_or(set.app_name, "WinEventEngine");
    req.title = str_or(set.title, "");
    req.message = str_or(set.message, "");
    req.icon = str_or(set.icon, "");
    req.urgency = set.urgency >= 0 ? (notify_urgency)set.urgency : NOTIFY_NORMAL;
    req.timeout_ms = set.timeout_ms;
    req.call_timeout_ms = (int)set.call_timeout_ms;
    req.bus = str_or(set.bus, "");
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
