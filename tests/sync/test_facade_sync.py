"""The facade the screens use: filing a complaint wakes the sync worker and it reaches the server."""

from __future__ import annotations

import time

from kiosk.actions import Kiosk
from kiosk.domain.workflow import Status

from .conftest import enroll_kiosk, kiosk_config
from .test_e2e import server_count

COMPLAINT = {
    "class": "pengaduan", "topic": "lambat", "agency_id": "bappenda", "privacy": "rahasia",
    "description": "Antrean di loket Samsat sangat lambat, saya menunggu tiga jam.",
    "identity": {"name": "Lalu Ahmad", "phone": "081234567890"}, "consent_version": "pdp-2026-11",
}


def test_filed_complaint_is_sent_at_once_and_purged(tmp_path, server, engine):
    from kiosk.central.db import complaints

    cfg = kiosk_config(tmp_path, server.url)
    enr = enroll_kiosk(cfg, server, engine)
    kiosk = Kiosk.open(cfg)
    try:
        kiosk.load_catalog()
        worker = kiosk.start_sync()
        # Let the worker finish its first cycle and settle into a long wait; only wake() may end it.
        deadline = time.monotonic() + 15
        while worker.status.state not in ("idle",) and time.monotonic() < deadline:
            time.sleep(0.05)
        filed = kiosk.file_complaint(COMPLAINT)
        deadline = time.monotonic() + 10
        while kiosk.track(filed.tracking_code).status != Status.SENT and time.monotonic() < deadline:
            time.sleep(0.05)
        result = kiosk.track(filed.tracking_code)
        assert result.status == Status.SENT
        assert server_count(engine, complaints, enr.device_id) == 1
        # Personal data left the kiosk once the server confirmed; the code still works here.
        row = kiosk.store.db.execute("SELECT doc, purged_at FROM complaints").fetchone()
        assert row[0] is None and row[1]
        # The worker counts after its transaction (and the checkpoint that follows a purge): wait for it.
        deadline = time.monotonic() + 10
        while kiosk.sync_status().sent != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kiosk.sync_status().sent == 1
        # The heartbeat that went with the push tells the fleet view about the printer, paper and disk.
        from kiosk.central.devices import fleet

        (row,) = [r for r in fleet(engine) if r.id == enr.device_id]
        assert row.printer_state and row.disk_free_mb and row.disk_free_mb > 0
    finally:
        kiosk.close()
