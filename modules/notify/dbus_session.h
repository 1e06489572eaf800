/*
 * modules/notify/dbus_session.h - one short-lived libdbus connection to a session bus, with a deadline.
 * Shared by the notify and media modules (Linux).
 *
 * Each action call opens its own private connection, says Hello, makes its calls and closes it: no
 * connection state is shared between workers, and a bus that restarted (the user logged out and in)
 * is simply found again at the next call. Every blocking step (authentication, Hello, each method
 * call) waits at most until the call's deadline, so a hung bus or player holds a worker for at most
 * `call_timeout_ms`.
 */
#ifndef WEE_DBUS_SESSION_H
#define WEE_DBUS_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include <dbus/dbus.h>

typedef struct dbus_session {
    DBusConnection *conn;
    uint64_t deadline_ns; /* monotonic */
    char address[512];    /* what was dialled, for messages */
} dbus_session;

/* Once per module load (module_init): libdbus' thread support, and libdbus pinned in memory. Both
 * notify and media link libdbus; the host unloads a module its config does not use, and libdbus
 * unloaded with its process-wide caches (message cache, thread locks) would leak them and could not
 * be set up again cleanly when the other module still uses it. 0, or -1 with err. */
int dbus_session_module_init(char *err, size_t err_size);

/* Connects and says Hello, all within timeout_ms. 0, or -1 with a one-line reason in err. */
int dbus_session_open(dbus_session *s, const char *configured_address, int timeout_ms, char *err,
                      size_t err_size);
void dbus_session_close(dbus_session *s);

/* Sends `msg` (consumed) and waits for the reply until the session's deadline. Returns the reply, or
 * NULL with a reason in err; *error_name (may be NULL) receives the D-Bus error name when the peer
 * answered with an error ("" otherwise). */
DBusMessage *dbus_session_call(dbus_session *s, DBusMessage *msg, char *err, size_t err_size,
                               char *error_name, size_t error_name_size);

/* org.freedesktop.DBus.Properties.Get(iface, prop) -> a reply iterator positioned inside the variant.
 * Returns the reply (unref it when done) or NULL with err. */
DBusMessage *dbus_session_get_property(dbus_session *s, const char *dest, const char *path,
                                       const char *iface, const char *prop, DBusMessageIter *value,
                                       char *err, size_t err_size);

#endif
