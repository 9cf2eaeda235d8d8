#!/usr/bin/python3
"""The tray as a desktop panel sees it, through D-Bus.

The test owns org.kde.StatusNotifierWatcher on the session bus (what a panel provides; Xvfb
has none), starts the real app in demo mode (its embedded sandbox counts handshakes and
refreshes), and then, like a panel:
  1. reads the item: Title "DevHive", the menu's labels (com.canonical.dbusmenu), the state
     in words on the first line;
  2. counts icon updates (NewIcon signals) over a steady period: a few, not one per
     publication of the model;
  3. clicks each entry: Pause toggles its check and is saved in settings.json; Reconnect now
     -> the sandbox counts new handshakes; Refresh session now -> it counts a refresh;
  4. closing the window keeps the app and its tray item (close-to-tray); while hidden, a
     message by another user still reaches the notification daemon (dunst), and clicking it
     (dunstctl action) shows the window; a second launch
     exits at once and shows the first window (single instance);
  5. Quit DevHive -> the app exits with status 0.
Run inside scripts/with-session --notifications (Xvfb, D-Bus):
  scripts/with-session --notifications -- /usr/bin/python3 tests/app/tray.py
Env: DEVHIVE_BIN (default target/debug/devhive-desktop), DEVHIVE_TRAY_STEADY_SECS (60).
Uses only Debian's python3-gi (Gio) and x11-utils (xwininfo).
"""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from gi.repository import Gio, GLib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("DEVHIVE_BIN", os.path.join(ROOT, "target/debug/devhive-desktop"))
STEADY_SECS = float(os.environ.get("DEVHIVE_TRAY_STEADY_SECS", "60"))
MAX_ICON_UPDATES = 3

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"

t0 = time.monotonic()


def step(name):
    print(f"-- {name}", flush=True)


def wait_for(fn, what, timeout=20.0, every=0.1):
    """Polls fn until it returns something truthy (exceptions count as "not yet")."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            value = fn()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - any failure is "not yet"
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}" + (f": {last}" if last else ""))


class Watcher:
    """A StatusNotifierWatcher that records the items registering with it and counts each
    item's NewIcon signals."""

    def __init__(self, bus):
        self.bus = bus
        self.items = []  # (bus name, object path)
        self.new_icons = 0
        self.lock = threading.Lock()
        info = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
        bus.register_object("/StatusNotifierWatcher", info, self._call, self._get, None)
        owned = threading.Event()
        Gio.bus_own_name_on_connection(
            bus, "org.kde.StatusNotifierWatcher", Gio.BusNameOwnerFlags.NONE,
            lambda *_: owned.set(), lambda *_: None)
        bus.signal_subscribe(None, ITEM, "NewIcon", None, None, Gio.DBusSignalFlags.NONE,
                             self._new_icon)
        self.loop = GLib.MainLoop()
        threading.Thread(target=self.loop.run, daemon=True).start()
        if not owned.wait(10):
            raise AssertionError("could not own org.kde.StatusNotifierWatcher")

    def _call(self, conn, sender, path, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            (service,) = params.unpack()
            # libayatana passes its object path; the bus name is the caller.
            name, obj = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
            with self.lock:
                self.items.append((name, obj))
            conn.emit_signal(None, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher",
                             "StatusNotifierItemRegistered", GLib.Variant("(s)", (name + obj,)))
        invocation.return_value(None)

    def _get(self, conn, sender, path, iface, prop):
        if prop == "RegisteredStatusNotifierItems":
            with self.lock:
                return GLib.Variant("as", [n + p for n, p in self.items])
        if prop == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        return GLib.Variant("i", 0)

    def _new_icon(self, *_):
        with self.lock:
            self.new_icons += 1

    def icon_updates(self):
        with self.lock:
            return self.new_icons


class Item:
    """The app's StatusNotifierItem and its dbusmenu, read and clicked like a panel does."""

    def __init__(self, bus, name, path):
        self.bus, self.name, self.path = bus, name, path

    def prop(self, iface, path, prop):
        reply = self.bus.call_sync(self.name, path, "org.freedesktop.DBus.Properties", "Get",
                                   GLib.Variant("(ss)", (iface, prop)), GLib.VariantType("(v)"),
                                   Gio.DBusCallFlags.NONE, 5000, None)
        return reply.unpack()[0]

    def item(self, prop):
        return self.prop(ITEM, self.path, prop)

    def menu_path(self):
        return self.item("Menu")

    def entries(self):
        """The menu's entries: [{id, label, enabled, toggle-state, type}] in order."""
        reply = self.bus.call_sync(self.name, self.menu_path(), MENU, "GetLayout",
                                   GLib.Variant("(iias)", (0, -1, [])), None,
                                   Gio.DBusCallFlags.NONE, 5000, None)
        _revision, (_root, _props, children) = reply.unpack()
        out = []
        for child in children:
            cid, props, _ = child
            out.append({"id": cid, **props})
        return out

    def entry(self, label):
        for e in self.entries():
            if e.get("label", "").replace("_", "") == label:
                return e
        raise AssertionError(f"no menu entry {label!r}")

    def click(self, label):
        e = self.entry(label)
        self.bus.call_sync(self.name, self.menu_path(), MENU, "Event",
                           GLib.Variant("(isvu)", (e["id"], "clicked", GLib.Variant("i", 0), int(time.time()))),
                           None, Gio.DBusCallFlags.NONE, 5000, None)


def app_window(name="DevHive"):
    """The app's top-level X window: (id, map state), or None. GTK's 1x1 helpers share
    the name; the app's window is the wide one."""
    out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    for wid in re.findall(rf'^\s+(0x[0-9a-f]+) "{re.escape(name)}":', out, re.M):
        info = subprocess.run(["xwininfo", "-id", wid], capture_output=True, text=True).stdout
        width = re.search(r"Width: (\d+)", info)
        state = re.search(r"Map State: (\w+)", info)
        if width and state and int(width.group(1)) > 100:
            return int(wid, 16), state.group(1)
    return None


def window_state():
    found = app_window()
    return found and found[1]


def close_window(wid):
    """Sends WM_DELETE_WINDOW to `wid`, as a window manager does when the user closes it
    (Xvfb runs none). Plain Xlib through ctypes."""
    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("l", ctypes.c_long * 5)]

    class Event(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    display = x11.XOpenDisplay(None)
    if not display:
        raise AssertionError("cannot open the X display")
    try:
        ev = Event()
        ev.xclient.type = 33  # ClientMessage
        ev.xclient.send_event = 1
        ev.xclient.display = display
        ev.xclient.window = wid
        ev.xclient.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
        ev.xclient.format = 32
        ev.xclient.l[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        ev.xclient.l[1] = 0  # CurrentTime
        if not x11.XSendEvent(display, wid, 0, 0, ctypes.byref(ev)):
            raise AssertionError("XSendEvent failed")
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)


def rest(base, method, path, token=None, body=None):
    req = urllib.request.Request(f"{base}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json",
                                          **({"authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read()
        return json.loads(text) if text else None


def stats(base):
    with urllib.request.urlopen(f"{base}/__sandbox/stats", timeout=5) as r:
        return json.load(r)


def handshakes(s):
    return sum(n for per in s.get("handshakes", {}).values() for code, n in per.items() if code == "101")


def refreshes(s):
    return s.get("refreshes", {}).get("ok", 0)


def main():
    if not os.path.exists(BIN):
        print(f"app e2e (tray): FAILED: {BIN} missing — run cargo build -p devhive-desktop")
        return 1
    home = tempfile.mkdtemp(prefix="devhive-e2e-tray-")
    env = {**os.environ, "HOME": home, "XDG_DATA_HOME": f"{home}/.local/share",
           "XDG_CONFIG_HOME": f"{home}/.config", "XDG_CACHE_HOME": f"{home}/.cache",
           "XDG_RUNTIME_DIR": f"{home}/run", "RUST_LOG": "info,devhive_sandbox=warn"}
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    watcher = Watcher(bus)
    # Every Notify call on the bus (to dunst), as dbus-monitor prints it.
    notified = []
    monitor = subprocess.Popen(["dbus-monitor", "--session",
                                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    threading.Thread(target=lambda: [notified.append(l) for l in monitor.stdout], daemon=True).start()
    log_lines = []
    # The app logs (tracing) to stdout.
    app = subprocess.Popen([BIN, "--demo"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)

    def read_log():
        for line in app.stdout:
            log_lines.append(line)

    threading.Thread(target=read_log, daemon=True).start()
    failed = False
    try:
        step("1. the item registers; Title \"DevHive\"; the menu a panel shows")
        name, path = wait_for(lambda: watcher.items and watcher.items[0], "the tray item to register", 30)
        item = Item(bus, name, path)
        title = item.item("Title")
        assert title == "DevHive", f"Title is {title!r}"
        base = wait_for(lambda: next((m.group(1) for l in log_lines
                                      for m in [re.search(r"demo sandbox running url=(http://[\d.:]+)", re.sub(r"\x1b\[[0-9;]*m", "", l))] if m), None),
                        "the demo sandbox URL in the app's log", 30)
        labels = lambda: [e.get("label", "").replace("_", "") for e in item.entries() if e.get("type") != "separator"]
        wait_for(lambda: labels()[0].startswith("DevHive — Live: 3 of 3 projects"), "the state in words: Live", 30)
        got = labels()
        want = ["Open DevHive", "Pause notifications", "Reconnect now", "Refresh session now", "Sign out", "Quit DevHive"]
        assert got[1:] == want, f"menu labels {got}"
        assert item.entry(got[0]).get("enabled") is False, "the state line is not clickable"
        print(f"   Title {title!r}; menu {got}")

        step(f"2. steady for {STEADY_SECS:.0f} s (demo: 20 events/min): icon updates counted")
        before = watcher.icon_updates()
        icon_before = item.item("IconName")
        time.sleep(STEADY_SECS)  # the measured period itself, not a synchronisation
        during = watcher.icon_updates() - before
        icon_after = item.item("IconName")
        events = stats(base).get("events_emitted", 0)
        print(f"   {during} NewIcon signals in {STEADY_SECS:.0f} s; {events} events emitted so far; icon file {os.path.basename(icon_before)} -> {os.path.basename(icon_after)}")
        assert during <= MAX_ICON_UPDATES, f"{during} icon updates in a steady period"
        assert labels()[0].startswith("DevHive — Live"), "still live"

        step("3a. Pause notifications toggles its check and is saved")
        settings = os.path.join(env["XDG_DATA_HOME"], "dev.devhive.desktop", "settings.json")
        was = item.entry("Pause notifications").get("toggle-state", 0)
        item.click("Pause notifications")
        wait_for(lambda: item.entry("Pause notifications").get("toggle-state") == 1 - was, "the check to flip", 10)
        saved = lambda: json.load(open(settings))["settings"]["paused"]
        wait_for(lambda: saved() is (was == 0), "paused saved in settings.json", 10)
        item.click("Pause notifications")
        wait_for(lambda: item.entry("Pause notifications").get("toggle-state") == was and saved() is (was == 1), "unpaused and saved", 10)

        step("3b. Reconnect now: the sandbox counts new handshakes")
        h0, i0 = handshakes(stats(base)), watcher.icon_updates()
        item.click("Reconnect now")
        wait_for(lambda: handshakes(stats(base)) >= h0 + 3, "three new handshakes", 20)
        wait_for(lambda: labels()[0].startswith("DevHive — Live: 3 of 3"), "live again", 20)
        # A real change does reach the panel (reconnecting, then live): the count above counts.
        wait_for(lambda: watcher.icon_updates() >= i0 + 2, "NewIcon for reconnecting and live again", 10)
        print(f"   {handshakes(stats(base)) - h0} handshakes, {watcher.icon_updates() - i0} NewIcon signals")

        step("3c. Refresh session now: the sandbox counts a refresh")
        r0 = refreshes(stats(base))
        item.click("Refresh session now")
        wait_for(lambda: refreshes(stats(base)) >= r0 + 1, "a refresh", 20)

        step("4a. close-to-tray: closing the window hides it; the app and its item stay")
        wid, _ = wait_for(lambda: (app_window() or (0, ""))[1] == "IsViewable" and app_window(), "the window to be shown", 20)
        close_window(wid)
        wait_for(lambda: window_state() in ("IsUnMapped", "IsUnviewable"), "the window to hide", 10)
        assert app.poll() is None, "the app still runs"
        assert item.item("Title") == "DevHive", "its tray item is still there"

        step("4b. while hidden, a message by another user reaches the notification daemon")
        bob = rest(base, "POST", "/api/v1/auth/login", body={"username": "bob", "password": "password123"})["token"]
        projects = rest(base, "GET", "/api/v1/projects", bob)["projects"]
        hello = f"while hidden {time.time_ns()}"
        rest(base, "POST", f"/api/v1/projects/{projects[0]['id']}/messages", bob, {"content": hello})
        wait_for(lambda: any(hello in n for n in notified), "a notification with bob's message", 20)
        assert window_state() != "IsViewable", "the window stayed hidden"

        step("4b'. clicking the notification (dunst's default action) shows the window")
        subprocess.run(["dunstctl", "action", "0"], check=True, timeout=10)
        wait_for(lambda: window_state() == "IsViewable", "the window shown by the click", 10)
        wid, _ = app_window()
        close_window(wid)
        wait_for(lambda: window_state() in ("IsUnMapped", "IsUnviewable"), "the window hidden again", 10)

        step("4c. single instance: a second launch exits and shows the first window")
        second = subprocess.run([BIN, "--demo"], env=env, capture_output=True, timeout=30)
        assert second.returncode == 0, f"the second launch exited {second.returncode}"
        wait_for(lambda: window_state() == "IsViewable", "the first window shown again", 10)
        assert app.poll() is None, "the first instance still runs"

        step("5. Quit DevHive: the app exits with status 0")
        item.click("Quit DevHive")
        code = app.wait(timeout=20)
        assert code == 0, f"exit status {code}"
        print(f"app e2e (tray): ok in {time.monotonic() - t0:.1f} s")
    except Exception as e:  # noqa: BLE001
        failed = True
        print(f"app e2e (tray): FAILED: {e}", flush=True)
        if os.environ.get("DEBUG_E2E"):
            sys.stderr.write("".join(log_lines[-60:]))
    finally:
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=5)
            except subprocess.TimeoutExpired:
                app.kill()
        monitor.terminate()
        watcher.loop.quit()
        shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
