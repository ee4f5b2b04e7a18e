"""The heartbeat's fields for the fleet alerts (issue 15, part "fleet"): the real worker tells the real
server how long its oldest unsent record has waited and the code of its last failed sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kiosk.central.db import devices
from kiosk.store.db import Store
from kiosk.sync import client as client_mod
from kiosk.sync.worker import SyncWorker

from .conftest import add_ratings, enroll_kiosk, kiosk_config


class FirstPushFails:
    """The real client, but its first push meets a dead network (as a kiosk's does when the cable is out)."""

    def __init__(self, real: client_mod.Client) -> None:
        self.real, self.failed = real, False

    def push(self, records):
        if not self.failed:
            self.failed = True
            raise client_mod.Offline("The network is down.")
        return self.real.push(records)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_the_heartbeat_says_how_old_the_oldest_unsent_record_is_and_why_sync_last_failed(tmp_path, server, engine):
    cfg = kiosk_config(tmp_path, server.url)
    enr = enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    add_ratings(store, 1)
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="microseconds")
    with store.db.atomic():
        store.db.execute("UPDATE outbox SET created_at = ? WHERE sent_at IS NULL", [two_hours_ago])
    real = client_mod.Client(server.url, enr.token, timeout=5.0)
    worker = SyncWorker(cfg, store=store, client=FirstPushFails(real))
    assert worker.run_once().error_code == "offline"
    worker.run_once()
    worker.stop()
    store.close()
    real.close()
    with engine.connect() as c:
        body = json.loads(c.execute(sa.select(devices.c.heartbeat).where(devices.c.id == enr.device_id)).scalar())
    assert body["sync_error"] == "offline"
    # Two hours, give or take the seconds this test took.
    assert 7200 <= body["oldest_pending_s"] < 7200 + 120
