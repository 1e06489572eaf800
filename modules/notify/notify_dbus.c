/*
 * modules/notify/notify_dbus.c - notify on Linux: org.freedesktop.Notifications.Notify over the
 * session bus, with libdbus (see docs/modules/notify.md for why libdbus rather than sd-bus).
 *
 * Per call: connect + Hello, GetCapabilities (does the server read markup in the body?), Notify.
 * All three share one deadline of call_timeout_ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dbus_session.h"
#include "notify_backend.h"
#include "notify_text.h"

#define NOTIFY_TITLE_MAX 1024
#define NOTIFY_MESSAGE_MAX 16384
#define FDN_NAME "org.freedesktop.Notifications"
#define FDN_PATH "/org/freedesktop/Notifications"

struct notify_backend {
    const wee_host_api *host;
};

int notify_backend_module_init(char *err, size_t err_size)
{
    return dbus_session_module_init(err, err_size) == 0 ? 0 : WEE_EFAILED;
}

void notify_backend_module_shutdown(void) {}

int notify_backend_create(const wee_host_api *host, notify_backend **out, char *err, size_t err_size)
{
    notify_backend *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    b->host = host;
    *out = b;
    return 0;
}

void notify_backend_destroy(notify_backend *b) { free(b); }

static void no_server(const dbus_session *s, char *err, size_t err_size)
{
    snprintf(err, err_size, "no notification server on the session bus %s (nothing owns " FDN_NAME
             "): is a desktop or a notification daemon running in that session?", s->address);
}

/* 1 if the server interprets markup in the body, 0 if not, -1 on failure (err set). */
static int server_reads_markup(dbus_session *s, char *err, size_t err_size)
{
    char ename[128];
    DBusMessage *m = dbus_message_new_method_call(FDN_NAME, FDN_PATH, FDN_NAME, "GetCapabilities");
    DBusMessage *reply = dbus_session_call(s, m, err, err_size, ename, sizeof ename);
    if (!reply) {
        if (strcmp(ename, DBUS_ERROR_SERVICE_UNKNOWN) == 0 || strcmp(ename, DBUS_ERROR_NAME_HAS_NO_OWNER) == 0)
            no_server(s, err, err_size);
        return -1;
    }
    int markup = 0;
    DBusMessageIter top, arr;
    if (dbus_message_iter_init(reply, &top) && dbus_message_iter_get_arg_type(&top) == DBUS_TYPE_ARRAY &&
        dbus_message_iter_get_element_type(&top) == DBUS_TYPE_STRING) {
        dbus_message_iter_recurse(&top, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRING) {
            const char *cap = NULL;
            dbus_message_iter_get_basic(&arr, &cap);
            if (cap && strcmp(cap, "body-markup") == 0) markup = 1;
            dbus_message_iter_next(&arr);
        }
    }
    dbus_message_unref(reply);
    return markup;
}

/* Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints, i timeout) */
static DBusMessage *build_notify(const notify_request *req, const char *app, const char *icon,
                                 const char *title, const char *body)
{
    DBusMessage *m = dbus_message_new_method_call(FDN_NAME, FDN_PATH, FDN_NAME, "Notify");
    if (!m) return NULL;
    dbus_uint32_t replaces = 0;
    dbus_int32_t expire = (dbus_int32_t)req->timeout_ms;
    unsigned char urgency = (unsigned char)req->urgency;
    const char *key = "urgency";
    DBusMessageIter it, actions, hints, entry, variant;
    dbus_message_iter_init_append(m, &it);
    int ok = dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &icon) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &title) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &body) &&
             dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &actions) &&
             dbus_message_iter_close_container(&it, &actions) &&
             dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &hints) &&
             dbus_message_iter_open_container(&hints, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
             dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
             dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "y", &variant) &&
             dbus_message_iter_append_basic(&variant, DBUS_TYPE_BYTE, &urgency) &&
             dbus_message_iter_close_container(&entry, &variant) &&
             dbus_message_iter_close_container(&hints, &entry) &&
             dbus_message_iter_close_container(&it, &hints) &&
             dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &expire);
    if (!ok) { dbus_message_unref(m); return NULL; }
    return m;
}

int notify_backend_send(notify_backend *b, const notify_request *req, uint32_t *id, char *err, size_t err_size)
{
    (void)b;
    dbus_session s;
    if (dbus_session_open(&s, req->bus, req->call_timeout_ms, err, err_size) != 0) return WEE_EFAILED;
    int markup = server_reads_markup(&s, err, err_size);
    if (markup < 0) { dbus_session_close(&s); return WEE_EFAILED; }
    char *app = notify_text_clean(req->app_name, 256, 0);
    char *icon = notify_text_clean(req->icon, 4096, 0);
    char *title = notify_text_clean(req->title, NOTIFY_TITLE_MAX, 0);
    char *body = notify_text_clean(req->message, NOTIFY_MESSAGE_MAX, markup);
    DBusMessage *m = app && icon && title && body ? build_notify(req, app, icon, title, body) : NULL;
    free(app); free(icon); free(title); free(body);
    if (!m) {
        dbus_session_close(&s);
        snprintf(err, err_size, "out of memory building the Notify call");
        return WEE_ENOMEM;
    }
    char ename[128];
    DBusMessage *reply = dbus_session_call(&s, m, err, err_size, ename, sizeof ename);
    int rc = 0;
    dbus_uint32_t got = 0;
    if (!reply) {
        if (strcmp(ename, DBUS_ERROR_SERVICE_UNKNOWN) == 0 || strcmp(ename, DBUS_ERROR_NAME_HAS_NO_OWNER) == 0)
            no_server(&s, err, err_size);
        rc = WEE_EFAILED;
    } else if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &got, DBUS_TYPE_INVALID)) {
        snprintf(err, err_size, "the notification server on %s answered Notify without an id", s.address);
        rc = WEE_EFAILED;
    }
    if (reply) dbus_message_unref(reply);
    dbus_session_close(&s);
    *id = got;
    return rc;
}
