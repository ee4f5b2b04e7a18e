"""The worker on a bad day (issue 12): an intermittent network, a server asking for a pause, a damaged
catalog page. Each against the real server in a subprocess, through the fault proxy where it matters."""

from __future__ import annotations

import email.utils
import json
import sqlite3
import time

import pytest
import sqlalchemy as sa

from kiosk.actions import Kiosk
from kiosk.central.db import complaints, devices, records
from kiosk.store.db import Store
from kiosk.sync.worker import Backoff, SyncWorker

from .conftest import enroll_kiosk, file_complaints, kiosk_config
from .faultproxy import FaultProxy

# Every mode that fails fast (not "delay": a timeout only makes the test slower, not different).
FAST_FAULTS = ("drop_before", "drop_after", "reset_mid", "truncate", "s500", "s500_after", "html", "s503", "s429")


def server_count(engine, table, device_id) -> int:
    with engine.connect() as c:
        return c.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.device_id == device_id))


def test_every_answered_request_resets_the_backoff(tmp_path, server, engine):
    """One request in three broken, always between two that get through: the worker must never back
    off further than the first step. (Before: only a cycle where everything succeeded reset the count,
    so every cycle added a failure and the waits climbed to the cap.)"""

    def plan(n: int, _head: bytes) -> str:
        return FAST_FAULTS[(n // 3) % len(FAST_FAULTS)] if n % 3 == 0 else "pass"

    with FaultProxy(server.port, plan) as proxy:
        cfg = kiosk_config(tmp_path, proxy.url, timeout=2.0)
        enr = enroll_kiosk(cfg, server, engine)
        store = Store(cfg.db_path)
        file_complaints(store, 300)
        # rand=1: each wait is exactly the backoff's ceiling, so the level shows in the delays.
        worker = SyncWorker(cfg, store=store, batch_size=20, backoff=Backoff(base_s=0.01, cap_s=300, rand=lambda: 1.0),
                            pull_interval_s=0.5, heartbeat_interval_s=0.5, lease_s=5)
        levels = []
        for _ in range(200):
            delay = worker.cycle()
            levels.append(worker.backoff.failures)
            if max(levels) > 3 or (worker.status.pending == 0 and worker.status.state == "idle"):
                break
            time.sleep(min(delay, 0.2))
        worker.stop()
        requests = sum(proxy.counts.values())
    assert max(levels) == 1, levels  # a failure right after a success is a first failure, every time
    assert worker.status.pending == 0 and worker.status.consecutive_failures == 0
    assert server_count(engine, records, enr.device_id) >= 300
    assert requests < 3 * (300 // 20 + 6), proxy.counts  # about one extra request per broken one
    store.close()


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_holds_every_push_and_does_not_escalate(tmp_path, server, engine, form):
    """A 429 with Retry-After (the server's per-device quota): no request before then, even when new
    records wake the worker, and the backoff does not count it as a network failure."""
    pause = 2.0  # at least: an HTTP date 3 s ahead, cut to whole seconds, is 2 to 3 s away
    throttled_once = []

    def plan(_n: int, head: bytes) -> str:
        if head.startswith(b"POST") and not throttled_once:
            throttled_once.append(True)
            if form == "http-date":
                proxy.retry_after = email.utils.formatdate(time.time() + 3, usegmt=True)
            return "s429"
        return "pass"

    with FaultProxy(server.port, plan, retry_after="2") as proxy:
        cfg = kiosk_config(tmp_path, proxy.url, timeout=2.0)
        enr = enroll_kiosk(cfg, server, engine)
        store = Store(cfg.db_path)
        file_complaints(store, 5)
        worker = SyncWorker(cfg, store=store, backoff=Backoff(base_s=0.01, cap_s=0.05))
        worker.start()
        deadline = time.monotonic() + 10
        while not any(mode == "s429" for _, _, mode in proxy.log) and time.monotonic() < deadline:
            time.sleep(0.01)
        throttled_at = next(t for t, _, mode in proxy.log if mode == "s429")
        seen = []
        while time.monotonic() < throttled_at + pause - 0.3:  # new records during the pause, as the app files
            file_complaints(store, 1)
            worker.wake()
            st = worker.status
            seen.append((st.state, st.consecutive_failures, worker.backoff.failures))
            time.sleep(0.1)
        while worker.status.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop(timeout=5)
        log = list(proxy.log)
    posts_after = [t for t, line, mode in log if line.startswith("POST") and t > throttled_at]
    assert posts_after, log
    assert posts_after[0] - throttled_at >= pause - 0.05, (posts_after[0] - throttled_at, log)
    assert all(s == ("throttled", 0, 0) for s in seen[1:]), seen
    assert server_count(engine, complaints, enr.device_id) == 5 + len(seen)
    store.close()


def _damage(db_path, tables: tuple[str, ...]) -> int:
    """Overwrite every page of these tables and their indexes with junk; returns the pages hit."""
    conn = sqlite3.connect(db_path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    marks = ",".join("?" * len(tables))
    names = [r[0] for r in conn.execute(f"SELECT name FROM sqlite_master WHERE tbl_name IN ({marks})", tables)]
    pages = sorted({r[0] for r in conn.execute(
        f"SELECT pageno FROM dbstat WHERE name IN ({','.join('?' * len(names))})", names)})
    conn.close()
    with open(db_path, "r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size)
            f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    return len(pages)


CATALOG_TABLES = ("agencies", "services", "catalog_meta", "services_fts", "services_fts_data", "services_fts_idx",
                  "services_fts_content", "services_fts_docsize", "services_fts_config")


def test_a_damaged_catalog_does_not_stop_the_complaints_going_out(tmp_path, server, engine):
    cfg = kiosk_config(tmp_path, server.url)
    enr = enroll_kiosk(cfg, server, engine)
    kiosk = Kiosk.open(cfg)
    kiosk.load_catalog()
    file_complaints(kiosk.store, 4)
    kiosk.close()  # the last connection checkpoints the WAL into the file
    assert _damage(cfg.db_path, CATALOG_TABLES) >= 5
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(cfg.db_path).execute("SELECT value FROM catalog_meta").fetchall()

    store = Store(cfg.db_path)
    worker = SyncWorker(cfg, store=store)
    st = worker.run_once()
    worker.stop()
    store.close()
    assert server_count(engine, complaints, enr.device_id) == 4
    assert st.pending == 0 and st.sent == 4 and st.catalog_version == "unreadable", st
    with engine.connect() as c:
        beat = json.loads(c.scalar(sa.select(devices.c.heartbeat).where(devices.c.id == enr.device_id)))
    assert beat["catalog_version"] == "unreadable" and beat["outbox_pending"] >= 0
