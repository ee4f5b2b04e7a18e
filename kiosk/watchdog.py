"""Telling systemd that the app is up and alive: a small ``sd_notify`` without a dependency.

systemd passes ``NOTIFY_SOCKET`` (a unix datagram socket; a leading ``@`` means the abstract namespace)
to a ``Type=notify`` service and ``WATCHDOG_USEC`` when the unit has ``WatchdogSec=``. The app sends
``READY=1`` once it runs, then ``WATCHDOG=1`` more often than WatchdogSec; when the pings stop, systemd
kills the unit and ``Restart=always`` starts it again.

The pings must come from the thread that can freeze: :class:`WatchdogFeeder` schedules them on Kivy's
main-loop ``Clock``, so a UI stuck in a loop, a deadlock or a blocking call on the UI thread stops
them. A ping from a helper thread would keep a frozen screen alive forever.

``WATCHDOG_PID`` is deliberately not checked: in ``iplik-kiosk.service`` the main process is cage and
the app is its child, so the PID systemd names is cage's; ``NotifyAccess=all`` makes systemd accept
the child's messages. Outside systemd (a developer's shell, the tests without a socket) every call is
a cheap no-op that returns False.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("kiosk.watchdog")

# Without WATCHDOG_USEC (a Type=notify unit without WatchdogSec) still ping now and then: harmless.
DEFAULT_INTERVAL_S = 10.0
_warned = False


def _address(value: str | None = None) -> str | None:
    addr = os.environ.get("NOTIFY_SOCKET") if value is None else value
    if not addr:
        return None
    if addr[0] == "@":
        return "\0" + addr[1:]  # abstract namespace
    if addr[0] != "/":
        return None  # vsock and other forms systemd may pass: not for a kiosk
    return addr


def notify(state: str, *, socket_path: str | None = None) -> bool:
    """Send one notification (e.g. ``"READY=1"``, ``"STATUS=..."``). False when there is no socket or
    it cannot be reached; never raises, since a kiosk must run without systemd too."""
    global _warned
    addr = _address(socket_path)
    if addr is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError as exc:
        if not _warned:
            log.warning("cannot notify systemd at %s: %s", socket_path or os.environ.get("NOTIFY_SOCKET"), exc)
            _warned = True
        return False


def ready(status: str | None = None) -> bool:
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def watchdog_ping() -> bool:
    return notify("WATCHDOG=1")


def stopping() -> bool:
    return notify("STOPPING=1")


def watchdog_interval(default: float | None = DEFAULT_INTERVAL_S) -> float | None:
    """Seconds between pings: a third of WatchdogSec (as sd_watchdog_enabled advises half or less)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    try:
        value = int(usec)
    except ValueError:
        return default
    return value / 1e6 / 3 if value > 0 else default


class WatchdogFeeder:
    """READY=1 on the first main-loop tick, then WATCHDOG=1 every WatchdogSec/3 from the same loop.

    In the app: ``self.watchdog = WatchdogFeeder(); self.watchdog.start()`` in ``on_start`` and
    ``self.watchdog.stop()`` in ``on_stop``. Without ``NOTIFY_SOCKET`` it schedules nothing.
    """

    def __init__(self, interval_s: float | None = None, *, status: str = "iPLiK Kiosk running") -> None:
        self.interval_s = interval_s if interval_s is not None else watchdog_interval()
        self.status = status
        self.pings = 0
        self._ready_ev = None
        self._ping_ev = None

    @property
    def enabled(self) -> bool:
        return _address() is not None

    def start(self) -> bool:
        if not self.enabled or self._ping_ev is not None:
            return False
        from kivy.clock import Clock

        # schedule_once(..., 0): the next frame, i.e. once the app's on_start has run and the loop turns.
        self._ready_ev = Clock.schedule_once(self._ready, 0)
        self._ping_ev = Clock.schedule_interval(self._ping, self.interval_s)
        return True

    def stop(self) -> None:
        for ev in (self._ready_ev, self._ping_ev):
            if ev is not None:
                ev.cancel()
        if self._ping_ev is not None:
            stopping()
        self._ready_ev = self._ping_ev = None

    def _ready(self, _dt: float) -> None:
        ready(self.status)
        self._ping(0)

    def _ping(self, _dt: float) -> None:
        if watchdog_ping():
            self.pings += 1
