/*
 * modules/notify/dbus_session.c - see dbus_session.h. libdbus (Debian's libdbus-1-dev).
 *
 * dbus_bus_register() is not used: it waits libdbus' default 25 s for the Hello reply. Hello is sent
 * here like any other call, under the call's deadline, and the unique name it returns is handed to
 * libdbus with dbus_bus_set_unique_name().
 */
#include "dbus_session.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "platform/platform.h"

int dbus_session_module_init(char *err, size_t err_size)
{
    if (!dbus_threads_init_default()) {
        snprintf(err, err_size, "libdbus could not set up its thread locks (out of memory)");
        return -1;
    }
    /* RTLD_NOLOAD: only take a reference on the libdbus this module is already linked against. */
    if (!dlopen("libdbus-1.so.3", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) {
        snprintf(err, err_size, "cannot pin libdbus-1.so.3 in memory: %s", dlerror());
        return -1;
    }
    return 0;
}

/* The bus address to use: `configured` if non-empty, else $DBUS_SESSION_BUS_ADDRESS, else
 * unix:path=$XDG_RUNTIME_DIR/bus when that socket exists. 0, or -1 with a reason saying what to set. */
static int dbus_session_address(const char *configured, char *out, size_t out_size, char *err, size_t err_size)
{
    const char *addr = configured && *configured ? configured : getenv("DBUS_SESSION_BUS_ADDRESS");
    if (addr && *addr) {
        if ((size_t)snprintf(out, out_size, "%s", addr) >= out_size) {
            snprintf(err, err_size, "the session bus address is longer than %zu bytes", out_size - 1);
            return -1;
        }
        return 0;
    }
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    char path[400];
    struct stat st;
    if (runtime && *runtime && (size_t)snprintf(path, sizeof path, "%s/bus", runtime) < sizeof path &&
        stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        snprintf(out, out_size, "unix:path=%s", path);
        return 0;
    }
    snprintf(err, err_size,
             "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus "
             "(a service or root host has no desktop session); set the action's 'bus' option to the user's bus, "
             "e.g. \"unix:path=/run/user/1000/bus\", or run the engine in the user's session");
    return -1;
}

static int remaining_ms(const dbus_session *s)
{
    uint64_t now = plat_monotonic_ns();
    if (now >= s->deadline_ns) return 0;
    uint64_t ms = (s->deadline_ns - now + 999999u) / 1000000u;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

DBusMessage *dbus_session_call(dbus_session *s, DBusMessage *msg, char *err, size_t err_size,
                               char *error_name, size_t error_name_size)
{
    if (error_name && error_name_size) error_name[0] = '\0';
    if (!msg) {
        snprintf(err, err_size, "out of memory building a D-Bus message");
        return NULL;
    }
    int ms = remaining_ms(s);
    if (ms <= 0) {
        snprintf(err, err_size, "call_timeout_ms used up before %s could be sent to %s",
                 dbus_message_get_member(msg), s->address);
        dbus_message_unref(msg);
        return NULL;
    }
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(s->conn, msg, ms, &e);
    if (!reply) {
        if (error_name && error_name_size) snprintf(error_name, error_name_size, "%s", e.name ? e.name : "");
        int timed_out = e.name && (strcmp(e.name, DBUS_ERROR_NO_REPLY) == 0 || strcmp(e.name, DBUS_ERROR_TIMEOUT) == 0);
        const char *dest = dbus_message_get_destination(msg);
        if (timed_out)
            snprintf(err, err_size, "%s%s%s got no answer on %s within call_timeout_ms (%d ms)",
                     dest ? dest : "", dest ? " " : "", dbus_message_get_member(msg), s->address, ms);
        else
            snprintf(err, err_size, "%s: %s", dbus_message_get_member(msg), e.message ? e.message : "failed");
        dbus_error_free(&e);
    }
    dbus_message_unref(msg);
    return reply;
}

int dbus_session_open(dbus_session *s, const char *configured_address, int timeout_ms, char *err,
                      size_t err_size)
{
    memset(s, 0, sizeof *s);
    s->deadline_ns = plat_monotonic_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000u;
    if (dbus_session_address(configured_address, s->address, sizeof s->address, err, err_size) != 0) return -1;
    DBusError e;
    dbus_error_init(&e);
    s->conn = dbus_connection_open_private(s->address, &e);
    if (!s->conn) {
        snprintf(err, err_size, "cannot connect to the session bus %s: %s", s->address,
                 e.message ? e.message : "failed");
        dbus_error_free(&e);
        return -1;
    }
    dbus_connection_set_exit_on_disconnect(s->conn, FALSE);
    /* Authenticate before anything is queued: with a message waiting, libdbus flushes it with no time
     * limit, and a bus that accepted the socket but never answers (stopped, overloaded) would hold the
     * worker forever. dbus_connection_read_write honours its timeout during the handshake. */
    int ms;
    while (!dbus_connection_get_is_authenticated(s->conn) && dbus_connection_get_is_connected(s->conn) &&
           (ms = remaining_ms(s)) > 0)
        dbus_connection_read_write(s->conn, ms);
    if (!dbus_connection_get_is_authenticated(s->conn)) {
        snprintf(err, err_size, "the session bus %s %s", s->address,
                 dbus_connection_get_is_connected(s->conn)
                     ? "did not complete the login handshake within call_timeout_ms (is dbus-daemon hung?)"
                     : "closed the connection during the login handshake (wrong user for this bus?)");
        dbus_session_close(s);
        return -1;
    }
    DBusMessage *hello = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello");
    char why[400];
    DBusMessage *reply = dbus_session_call(s, hello, why, sizeof why, NULL, 0);
    const char *name = NULL;
    if (!reply || !dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) ||
        !dbus_bus_set_unique_name(s->conn, name)) {
        snprintf(err, err_size, "the session bus %s did not accept this client (%s); a session bus admits only "
                 "its own user: run the engine as that user or allow this one (docs/modules/notify.md, "
                 "\"Root and service hosts\")", s->address, reply ? "bad Hello reply" : why);
        if (reply) dbus_message_unref(reply);
        dbus_session_close(s);
        return -1;
    }
    dbus_message_unref(reply);
    return 0;
}

void dbus_session_close(dbus_session *s)
{
    if (!s->conn) return;
    dbus_connection_close(s->conn);
    dbus_connection_unref(s->conn);
    s->conn = NULL;
}

DBusMessage *dbus_session_get_property(dbus_session *s, const char *dest, const char *path,
                                       const char *iface, const char *prop, DBusMessageIter *value,
                                       char *err, size_t err_size)
{
    DBusMessage *m = dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES, "Get");
    if (m && !dbus_message_append_args(m, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop, DBUS_TYPE_INVALID)) {
        dbus_message_unref(m);
        m = NULL;
    }
    DBusMessage *reply = dbus_session_call(s, m, err, err_size, NULL, 0);
    if (!reply) return NULL;
    DBusMessageIter top;
    if (!dbus_message_iter_init(reply, &top) || dbus_message_iter_get_arg_type(&top) != DBUS_TYPE_VARIANT) {
        snprintf(err, err_size, "%s.%s: the answer is not a variant", iface, prop);
        dbus_message_unref(reply);
        return NULL;
    }
    dbus_message_iter_recurse(&top, value);
    return reply;
}
