/*
 * modules/notify/notify_backend.h - what notify.c asks of the platform: show one notification.
 * notify_dbus.c (freedesktop Notifications over the D-Bus session bus) and notify_win32.c (a
 * Shell_NotifyIcon balloon) implement it. notify.c owns options, templates and results.
 */
#ifndef WEE_NOTIFY_BACKEND_H
#define WEE_NOTIFY_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include "wee/wee.h"

typedef enum notify_urgency { NOTIFY_LOW = 0, NOTIFY_NORMAL = 1, NOTIFY_CRITICAL = 2 } notify_urgency;

typedef struct notify_request {
    const char *app_name;
    const char *title;    /* raw rendered text: each backend cleans it for its API (notify_text.h) */
    const char *message;
    const char *icon;     /* "" for none */
    notify_urgency urgency;
    int64_t timeout_ms;   /* -1: the desktop's default; 0: until dismissed */
    int call_timeout_ms;  /* the most one call may wait for the desktop */
    const char *bus;      /* D-Bus address from the config, "" for the session's own (D-Bus only) */
} notify_request;

typedef struct notify_backend notify_backend;

/* Once per module load / unload (module_init / module_shutdown). */
int notify_backend_module_init(char *err, size_t err_size);
void notify_backend_module_shutdown(void);
/* Called once per action instance (at config load): no desktop is contacted yet. */
int notify_backend_create(const wee_host_api *host, notify_backend **out, char *err, size_t err_size);
/* Shows one notification; *id receives the desktop's id for it. 0, or a WEE_E* code with err. */
int notify_backend_send(notify_backend *b, const notify_request *req, uint32_t *id, char *err, size_t err_size);
void notify_backend_destroy(notify_backend *b);

#endif
