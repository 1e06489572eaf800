#!/usr/bin/python3
"""A small desktop on a private D-Bus session bus, for tests/runtime/test_rt_desktop_dbus.c.

  desktop_bus_fakes.py ADDRESS LOG READY STOP [--notify] [--player NAME:STATUS:VOLUME ...]

--notify owns org.freedesktop.Notifications (capabilities body + body-markup; Notify returns 41, 42...);
each --player owns org.mpris.MediaPlayer2.NAME on its own connection with PlaybackStatus STATUS and
Volume VOLUME. Every call received is appended to LOG as one JSON object per line. READY gets this
process's pid once every name is owned; the process exits when the file STOP appears or the bus
goes away.
Uses Debian's python3-dbus with the GLib main loop (python3-gi).
"""
import json
import os
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

MPRIS = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPS = "org.freedesktop.DBus.Properties"


def record(log, obj):
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")


class Notifications(dbus.service.Object):
    def __init__(self, conn, log):
        super().__init__(conn, "/org/freedesktop/Notifications")
        self.log = log
        self.next_id = 41

    @dbus.service.method("org.freedesktop.Notifications", in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "body-markup"]

    @dbus.service.method("org.freedesktop.Notifications", in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout):
        nid = self.next_id
        self.next_id += 1
        record(self.log, {"call": "Notify", "app_name": str(app_name), "replaces_id": int(replaces_id),
                          "app_icon": str(app_icon), "summary": str(summary), "body": str(body),
                          "actions": [str(a) for a in actions],
                          "hints": {str(k): int(v) if isinstance(v, (dbus.Byte, int)) else str(v)
                                    for k, v in hints.items()},
                          "hint_types": {str(k): type(v).__name__ for k, v in hints.items()},
                          "expire_timeout": int(expire_timeout), "id": nid})
        return dbus.UInt32(nid)

    @dbus.service.method("org.freedesktop.Notifications", in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("wee-test", "wee", "1", "1.2")


class Player(dbus.service.Object):
    def __init__(self, conn, log, name, status, volume):
        super().__init__(conn, "/org/mpris/MediaPlayer2")
        self.log, self.name = log, name
        self.props = {"PlaybackStatus": dbus.String(status), "Volume": dbus.Double(volume),
                      "CanControl": dbus.Boolean(True)}

    def _call(self, method):
        record(self.log, {"call": method, "player": self.name})

    @dbus.service.method(PLAYER, in_signature="", out_signature="")
    def PlayPause(self):
        self._call("PlayPause")

    @dbus.service.method(PLAYER, in_signature="", out_signature="")
    def Next(self):
        self._call("Next")

    @dbus.service.method(PLAYER, in_signature="", out_signature="")
    def Previous(self):
        self._call("Previous")

    @dbus.service.method(PLAYER, in_signature="", out_signature="")
    def Stop(self):
        self._call("Stop")

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        if iface != PLAYER or prop not in self.props:
            raise dbus.exceptions.DBusException("no such property", name="org.freedesktop.DBus.Error.InvalidArgs")
        return self.props[prop]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props if iface == PLAYER else {}

    @dbus.service.method(PROPS, in_signature="ssv", out_signature="")
    def Set(self, iface, prop, value):
        record(self.log, {"call": "Set", "player": self.name, "interface": str(iface), "property": str(prop),
                          "value": float(value), "type": type(value).__name__})
        if iface == PLAYER and prop == "Volume":
            self.props["Volume"] = dbus.Double(value)


def main():
    address, log, ready, stop = sys.argv[1:5]
    rest = sys.argv[5:]
    DBusGMainLoop(set_as_default=True)
    keep = []
    i = 0
    while i < len(rest):
        if rest[i] == "--notify":
            conn = dbus.bus.BusConnection(address)
            keep.append((conn, dbus.service.BusName("org.freedesktop.Notifications", conn),
                         Notifications(conn, log)))
            i += 1
        elif rest[i] == "--player":
            name, status, volume = rest[i + 1].split(":")
            conn = dbus.bus.BusConnection(address)
            keep.append((conn, dbus.service.BusName(MPRIS + "." + name, conn),
                         Player(conn, log, name, status, float(volume))))
            i += 2
        else:
            sys.exit("unknown argument " + rest[i])
    loop = GLib.MainLoop()
    # The bus going away (the test ended or failed) ends the fakes too.
    for conn, _, _ in keep:
        conn.call_on_disconnection(lambda _conn: loop.quit())

    def check_stop():
        if os.path.exists(stop):
            loop.quit()
            return False
        return True

    GLib.timeout_add(50, check_stop)
    with open(ready + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(ready + ".tmp", ready)
    loop.run()


if __name__ == "__main__":
    main()
