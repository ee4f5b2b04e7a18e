"""sd_notify without systemd: a datagram socket of our own stands in for NOTIFY_SOCKET.

The proof that matters: a real Kivy app (offscreen window) feeding the watchdog from its main-loop
Clock sends READY=1 and WATCHDOG=1, and when its main loop freezes the pings stop, which is what makes
systemd restart a frozen kiosk.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from kiosk import watchdog

from .conftest import REPO


def bind_socket(tmp_path, abstract: bool) -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = f"iplik-test-{uuid.uuid4().hex}"
        sock.bind("\0" + name)
        return sock, "@" + name
    path = str(tmp_path / "notify.sock")
    sock.bind(path)
    return sock, path


def receive(sock: socket.socket, seconds: float) -> list[str]:
    """Every message that arrives within ``seconds``."""
    out = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            out.append(sock.recv(4096).decode())
        except TimeoutError:
            break
    return out


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_notify_reaches_the_socket(tmp_path, monkeypatch, abstract):
    sock, addr = bind_socket(tmp_path, abstract)
    with sock:
        monkeypatch.setenv("NOTIFY_SOCKET", addr)
        assert watchdog.ready("starting up")
        assert watchdog.watchdog_ping()
        assert watchdog.notify("STATUS=printing")
        assert receive(sock, 0.2) == ["READY=1\nSTATUS=starting up", "WATCHDOG=1", "STATUS=printing"]


def test_without_systemd_every_call_is_a_no_op(monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not watchdog.ready() and not watchdog.watchdog_ping()
    assert not watchdog.WatchdogFeeder().start()
    # A socket that went away is a False, never an exception in the app.
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    assert not watchdog.watchdog_ping()


def test_interval_is_a_third_of_watchdog_sec(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog.watchdog_interval() == pytest.approx(10.0)
    monkeypatch.setenv("WATCHDOG_USEC", "junk")
    assert watchdog.watchdog_interval() == watchdog.DEFAULT_INTERVAL_S


APP = textwrap.dedent(
    """
    import os, sys, time
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.uix.label import Label
    from kiosk.watchdog import WatchdogFeeder

    TRIGGER = sys.argv[1]

    class Tiny(App):
        def build(self):
            return Label(text="watchdog test")

        def on_start(self):
            self.feeder = WatchdogFeeder()
            assert self.feeder.start()
            Clock.schedule_interval(self.tick, 0.05)

        def tick(self, _dt):
            if os.path.exists(TRIGGER):
                time.sleep(600)  # the UI thread hangs, as in a deadlock or an endless loop

    Tiny().run()
    """
)


@pytest.mark.ui
def test_a_frozen_main_loop_stops_the_watchdog_pings(tmp_path):
    sock, addr = bind_socket(tmp_path, abstract=False)
    trigger = tmp_path / "freeze"
    script = tmp_path / "tiny_app.py"
    script.write_text(APP)
    env = {
        **os.environ,
        "NOTIFY_SOCKET": addr,
        "WATCHDOG_USEC": "600000",  # WatchdogSec=0.6 s: a ping every 0.2 s
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen([sys.executable, str(script), str(trigger)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with sock:
            first = receive(sock, 0.1)
            deadline = time.monotonic() + 30
            while not any(m.startswith("READY=1") for m in first) and time.monotonic() < deadline:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                first += receive(sock, 0.5)
            assert any(m.startswith("READY=1") for m in first), first
            alive = receive(sock, 1.5)
            assert alive.count("WATCHDOG=1") >= 4, alive  # ~7 expected in 1.5 s

            trigger.touch()
            receive(sock, 0.5)  # the tick that sees the file, and a ping already on its way
            frozen = receive(sock, 2.0)  # more than three WatchdogSec periods
            assert frozen == [], frozen
            assert proc.poll() is None  # still running: it is frozen, not dead; systemd would kill it now
    finally:
        proc.kill()
        proc.wait(10)
