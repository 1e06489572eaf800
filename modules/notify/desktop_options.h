/*
 * modules/notify/desktop_options.h - the options notify and media share (which session bus, how long
 * to wait for the desktop) and the load-time check of `bus`. Portable: Windows ignores `bus`.
 */
#ifndef WEE_DESKTOP_OPTIONS_H
#define WEE_DESKTOP_OPTIONS_H
#include <stdio.h>
#include <string.h>
#include "wee/wee.h"

/* Bound into the module's settings struct `settings`, which has `const char *bus` and
 * `int64_t call_timeout_ms`. */
#define DESKTOP_OPTION_BUS(settings) \
    WEE_OPTION(.name = "bus", .type = WEE_OPT_STRING, .default_value = "\"\"", \
               .description = "Linux: D-Bus address of the user's session bus (\"unix:path=/run/user/1000/bus\"); " \
                              "empty = $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus; no templates", \
               WEE_BIND(settings, bus))

#define DESKTOP_OPTION_CALL_TIMEOUT(settings, what) \
    WEE_OPTION(.name = "call_timeout_ms", .type = WEE_OPT_INT, .default_value = "5000", .min = 100, .max = 60000, \
               .description = what, WEE_BIND(settings, call_timeout_ms))

/* At load, on the bound (unrendered) value: event data must never choose which bus (and so which user's
 * desktop) is talked to. */
static inline int desktop_bus_option_check(const char *bus, char *err, size_t err_size)
{
    if (bus && strstr(bus, "{{")) {
        snprintf(err, err_size, "bus '%s': templates are not allowed here; write a fixed address such as "
                 "\"unix:path=/run/user/1000/bus\"", bus);
        return WEE_ECONFIG;
    }
    return 0;
}

#endif
