"""Logs: one setup for every entry point, structured, the journal's levels, and no personal data.

The end-to-end test files complaints with marker names, NIKs, phones and e-mails through the real
command line, syncs them with ``kiosk sync --watch`` through the fault proxy to a real central server
(a subprocess), everything at debug level, and then reads every line the kiosk and the server wrote.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from central.serverkit import Server, database_url, enroll
from sync.faultproxy import FaultProxy

NAME = "Zulkarnaen Penandaputra"
NIK = "5271011203880042"
PHONE = "0857 4321 9876"
EMAIL = "penanda.rahasia@example.org"
SECRET_TEXT = "Kalimat penanda Kemuning-Sembilan"
MARKERS = ("Zulkarnaen", "Penandaputra", NIK, "85743219876", "4321 9876", "penanda.rahasia", "Kemuning-Sembilan")
LINE = re.compile(r'^(<[2-7]>)?(ts=\S+ )?level=(debug|info|warning|error|critical) logger=\S+ msg=')


class LoudServer(Server):
    def command(self) -> list[str]:
        return [*super().command(), "--log-level", "debug"]


def kiosk(data: Path, *args: str, stdin: str | None = None, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "IPLIK_LOG_LEVEL": "debug"}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--data-dir", str(data), *args], check=False,
                          input=stdin, capture_output=True, text=True, timeout=120, env=env, **popen)


def complaint(privacy: str, n: int) -> dict:
    return {
        "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda", "privacy": privacy,
        "description": f"{SECRET_TEXT} nomor {n}: petugas {NAME} (NIK {NIK}, {PHONE}, {EMAIL}) meminta uang.",
        "identity": {"name": NAME, "nik": NIK, "phone": PHONE, "email": EMAIL},
        "consent_version": "pdp-2026-11",
    }


# Each fault the proxy knows that ends within the kiosk's timeout, then a request that passes.
FAULT_SEQUENCE = ["pass", "s500_after", "drop_after", "reset_mid", "pass", "truncate", "html", "s503", "drop_before",
                  "s429", "s500"]


@pytest.mark.slow
def test_no_personal_data_in_any_log_through_a_faulty_sync(tmp_path):
    server = LoudServer(database_url("sqlite", tmp_path), log_path=tmp_path / "server.log").start()
    engine = server.engine()
    data = tmp_path / "kiosk"
    stderr: list[str] = []
    try:
        done = kiosk(data, "init", "--demo")
        assert done.returncode == 0, done.stderr
        stderr.append(done.stderr)

        plan = lambda n, _head: FAULT_SEQUENCE[n] if n < len(FAULT_SEQUENCE) else "pass"
        with FaultProxy(server.port, plan) as proxy:
            from kiosk.config import load_config
            from kiosk.sync import device

            cred = enroll(server, engine)
            device.save(load_config().with_data_dir(data), server=proxy.url, device_id=cred.device_id,
                        token=cred.token, office="Kantor Gubernur", agency_id="bappenda",
                        identity_public_key=cred.identity_public_key)
            # Filed once enrolled, so sealed with this server's key (a kiosk sealing with the shipped demo
            # key would have its records refused by a real server).
            for n, privacy in enumerate(("biasa", "rahasia")):
                done = kiosk(data, "complaint", "file", "--json", "-", stdin=json.dumps(complaint(privacy, n)))
                assert done.returncode == 0, done.stderr
                stderr.append(done.stderr)
            # Invalid on purpose: the refusal must not echo what was typed either.
            bad = {**complaint("biasa", 9), "identity": {"name": NAME, "nik": NIK[:-1], "phone": PHONE}}
            done = kiosk(data, "complaint", "file", "--json", "-", stdin=json.dumps(bad))
            assert done.returncode == 2
            stderr.append(done.stderr)
            log_file = tmp_path / "watch.log"
            with log_file.open("w") as err:
                watch = subprocess.Popen(
                    [sys.executable, "-m", "kiosk.cli", "--data-dir", str(data), "sync", "--watch"],
                    env={**os.environ, "IPLIK_LOG_LEVEL": "debug"}, stdout=subprocess.DEVNULL, stderr=err)
                try:
                    deadline = time.monotonic() + 120
                    while time.monotonic() < deadline and unsent(data / "kiosk.db"):
                        time.sleep(0.5)
                    assert not unsent(data / "kiosk.db"), log_file.read_text()[-3000:]
                finally:
                    watch.send_signal(signal.SIGTERM)
                    watch.wait(60)
            stderr.append(log_file.read_text())
        stderr.append(kiosk(data, "sync", "status").stderr)
    finally:
        engine.dispose()
        server.stop()
    server_log = (tmp_path / "server.log").read_text(errors="replace")

    kiosk_log = "\n".join(stderr)
    for marker in MARKERS:
        assert marker not in kiosk_log, f"{marker!r} in the kiosk's log"
        assert marker not in server_log, f"{marker!r} in the server's log"
    # The worker really logged (at debug, through the faults), and every line is one structured event.
    watch_lines = [line for line in stderr[-2].splitlines() if line.strip()]
    assert any("logger=kiosk.sync" in line and "level=info" in line for line in watch_lines), watch_lines[:20]
    assert any("level=debug" in line for line in watch_lines)
    bad_lines = [line for line in watch_lines if not LINE.match(line)]
    assert not bad_lines, bad_lines[:5]
    assert len(server_log) > 0


def unsent(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE kind = 'complaint' AND sent_at IS NULL").fetchone()[0]


@pytest.fixture
def logs():
    from kiosk import logs

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield logs
    root.handlers[:] = handlers
    root.setLevel(level)


def test_under_systemd_lines_carry_the_journal_priority(tmp_path, monkeypatch, logs):
    path = tmp_path / "journal"
    with path.open("w+") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
        handler = logs.setup("info", stream=stream)
        try:
            log = logging.getLogger("kiosk.sync")
            log.debug("not shown at info")
            log.info("cycle done: %d sent", 3)
            log.warning("server said %s", "503")
            try:
                raise RuntimeError("boom\nsecond line")
            except RuntimeError:
                log.exception("sync cycle failed")
        finally:
            logging.getLogger().removeHandler(handler)
        stream.seek(0)
        lines = stream.read().splitlines()
    assert [line[:3] for line in lines] == ["<6>", "<4>", "<3>"]
    assert lines[0] == "<6>level=info logger=kiosk.sync msg=\"cycle done: 3 sent\""
    assert "ts=" not in lines[0]  # the journal keeps the time
    assert lines[2].startswith('<3>level=error logger=kiosk.sync msg="sync cycle failed" exc="Traceback')
    assert "boom\\nsecond line" in lines[2]  # one event, one line


def test_elsewhere_stderr_with_a_time_and_no_priority(monkeypatch, logs):
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")  # inherited, but not our stream
    monkeypatch.setenv(logs.LEVEL_ENV, "debug")
    stream = io.StringIO()
    handler = logs.setup("warning", stream=stream)
    try:
        logging.getLogger("kiosk.actions").debug("a = %s", "b c")
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    assert LINE.match(line) and line.startswith("ts=") and line.endswith('msg="a = b c"')


def test_setup_twice_keeps_one_handler(logs):
    root = logging.getLogger()
    a = logs.setup("info", stream=io.StringIO())
    b = logs.setup("info", stream=io.StringIO())
    try:
        # Counted by kind: an in-process `kiosk.cli.main()` in an earlier test may have set one up too.
        assert a is not b and [h for h in root.handlers if type(h) is type(b)] == [b]
    finally:
        root.removeHandler(b)
