"""Discarded quick-rating taps travel with the heartbeat: counted in the kiosk's store, pushed by the real
worker to the real server, kept there per kiosk and local day (issue 14, item 2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from kiosk.central.db import tap_discards as server_discards
from kiosk.store import tap_discards
from kiosk.store.db import Store
from kiosk.sync.worker import SyncWorker

from .conftest import enroll_kiosk, kiosk_config


def test_the_heartbeat_carries_the_last_14_days_of_discarded_taps(tmp_path, server, engine):
    cfg = kiosk_config(tmp_path, server.url)
    enr = enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    today = datetime.now(cfg.tz).date()
    for back, n in ((0, 2), (3, 1), (20, 5)):  # 20 days ago: kept on the kiosk, too old to send
        for _ in range(n):
            tap_discards.count_one(store.db, today - timedelta(days=back))
    worker = SyncWorker(cfg, store=store)
    worker.run_once()
    worker.stop()
    store.close()
    with engine.connect() as c:
        got = {r.local_day: r.count for r in c.execute(
            sa.select(server_discards).where(server_discards.c.device_id == enr.device_id))}
    assert got == {today: 2, today - timedelta(days=3): 1}
    assert all(isinstance(d, date) for d in got)
