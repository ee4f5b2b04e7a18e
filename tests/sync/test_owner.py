"""One sync worker per kiosk database (issue 12, item 5): the app and iplik-sync.service both start one;
only the one holding the OS lock sends, the other stands by and takes over when the owner dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa

from kiosk.central.db import complaints
from kiosk.store.db import Store

from .conftest import enroll_kiosk, file_complaints, kiosk_config

REPO = Path(__file__).resolve().parents[2]

# A worker as the app or the service runs it, in its own process; it counts its own pushes.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from kiosk.config import ServerSection, load_config
    from kiosk.sync import client
    from kiosk.sync.worker import SyncWorker

    data_dir, url, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    cfg = load_config().with_data_dir(data_dir)._replace(server=ServerSection(url=url, timeout_s=5))
    pushes = 0
    real_push = client.Client.push

    def push(self, records):
        global pushes
        pushes += 1
        return real_push(self, records)

    client.Client.push = push
    worker = SyncWorker(cfg, pull_interval_s=0.3, heartbeat_interval_s=0.3)
    worker.start()
    while True:
        st = worker.status
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pushes": pushes, "standby": getattr(st, "standby", None), "state": st.state}))
        tmp.replace(out)
        time.sleep(0.05)
    """
)


def _start(tmp_path: Path, name: str, cfg, url: str) -> tuple[subprocess.Popen, Path]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(cfg.data_dir), url, str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"{name}.err", "w"))  # noqa: SIM115
    return proc, out


def _read(out: Path) -> dict:
    try:
        return json.loads(out.read_text())
    except (OSError, ValueError):
        return {}


def _until(cond, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_worker_processes_on_one_database_never_both_send(tmp_path, server, engine):
    cfg = kiosk_config(tmp_path / "kiosk", server.url)
    enr = enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    file_complaints(store, 3)
    first, first_out = _start(tmp_path, "first", cfg, server.url)
    second = None
    try:
        _until(lambda: _read(first_out).get("pushes", 0) >= 1)
        second, second_out = _start(tmp_path, "second", cfg, server.url)
        _until(lambda: _read(second_out).get("state") not in (None, "starting"))
        for _ in range(4):  # records stored meanwhile, and heartbeats due every 0.3 s in both
            file_complaints(store, 2)
            time.sleep(0.5)
        _until(lambda: store.db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0)
        a, b = _read(first_out), _read(second_out)
        assert a["pushes"] >= 3 and b["pushes"] == 0, (a, b)
        assert b["standby"] is True and a["standby"] is False, (a, b)

        first.send_signal(signal.SIGKILL)  # the owner dies without a word: the kernel drops its lock
        first.wait(10)
        file_complaints(store, 2)
        _until(lambda: _read(second_out).get("pushes", 0) >= 1 and _read(second_out).get("standby") is False)
        _until(lambda: store.db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0)
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    with engine.connect() as c:
        n = c.scalar(sa.select(sa.func.count()).select_from(complaints).where(complaints.c.device_id == enr.device_id))
    assert n == 3 + 8 + 2
    store.close()
