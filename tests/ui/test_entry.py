"""The app as its systemd unit starts it: the `kiosk` command, `run`, in a process of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def test_kiosk_run_draws_home_and_opens_the_core(ui_config, tmp_path):
    kiosk = Path(sys.executable).parent / "kiosk"
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_HOME": str(tmp_path / "kivy"),
           "KIVY_NO_FILELOG": "1"}
    out = subprocess.run(
        [str(kiosk), "--config", str(ui_config.source), "--data-dir", str(ui_config.data_dir),
         "run", "--windowed", "--size", "800x600", "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    marks = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("FIRST_FRAME", "CORE_READY")))
    assert float(marks["FIRST_FRAME"]) <= float(marks["CORE_READY"]), "Home first, then the core"
    assert "Traceback" not in out.stderr


def test_sigterm_from_systemd_stops_the_app_cleanly(ui_config, tmp_path):
    """systemd stops the unit with SIGTERM. Lock-down refuses window-close requests, and SDL used to turn
    the signal into one, so the app stayed up until systemd killed it: now it ends as staff exit does."""
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(90)
        env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_HOME": str(tmp_path / "kivy"),
               "KIVY_NO_FILELOG": "1", "NOTIFY_SOCKET": str(notify_path)}
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "kiosk"), "--config", str(ui_config.source), "--data-dir",
             str(ui_config.data_dir), "run", "--windowed", "--size", "800x600"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            messages = []
            while not any("READY=1" in m for m in messages):  # Home is up, as systemd learns it
                messages.append(notify.recv(4096).decode())
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stopped_in = time.monotonic() - started
        notify.settimeout(0)
        while True:
            try:
                messages.append(notify.recv(4096).decode())
            except BlockingIOError:
                break
    assert proc.returncode == 0, err[-3000:]
    assert stopped_in < 10, f"took {stopped_in:.1f} s (systemd waits TimeoutStopSec=15, then kills)"
    assert "Traceback" not in err
    assert any("STOPPING=1" in m for m in messages), messages
