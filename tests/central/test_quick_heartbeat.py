"""The heartbeat's ``discarded_taps`` (issue 14, item 2): pushed to a real server, kept per kiosk and day,
overwritten by the kiosk's newer count, and a bad value ignored without refusing the heartbeat."""

from __future__ import annotations

import uuid as uuidlib
from datetime import date

import sqlalchemy as sa

from kiosk.central.db import devices, tap_discards
from kiosk.central.ingest import discarded_taps
from kiosk.sync import wire


def push(http, server, device, recs):
    return http.post(server.url + "/api/v1/sync/push", json={"records": recs}, headers=device.headers, timeout=30)


def heartbeat(taps, at="2026-11-02T10:00:00+00:00"):
    body = wire.heartbeat_body(at=at, version="9.9", outbox_pending=0, outbox_failed=0, printer={"state": "ok"},
                               catalog_version="v1")
    body["discarded_taps"] = taps
    return {"uuid": str(uuidlib.uuid4()), "kind": "heartbeat", "body": body}


def stored(engine, device):
    with engine.connect() as c:
        return {r.local_day: r.count for r in c.execute(
            sa.select(tap_discards).where(tap_discards.c.device_id == device.device_id))}


def test_only_real_days_with_whole_counts_up_to_a_million_are_kept():
    assert discarded_taps({"2026-11-01": 3, "2026-11-02": 0, "2026-11-03": 1_000_000}) == {
        date(2026, 11, 1): 3, date(2026, 11, 2): 0, date(2026, 11, 3): 1_000_000}
    bad = {"2026-02-30": 1, "2026-11-1": 1, "yesterday": 1, "2026-11-04": -1, "2026-11-05": 1_000_001,
           "2026-11-06": True, "2026-11-07": 2.5, "2026-11-08": "4", "2026-11-09": None}
    assert discarded_taps({**bad, "2026-11-10": 6}) == {date(2026, 11, 10): 6}
    assert discarded_taps([["2026-11-01", 3]]) == {}
    assert discarded_taps(None) == {}
    month = {f"2026-10-{d:02d}": 1 for d in range(1, 32)}
    assert len(discarded_taps(month)) == 31
    assert discarded_taps({**month, "2026-11-01": 1}) == {}  # 32 entries: not a kiosk's answer, all ignored


def test_the_kiosks_counts_are_stored_and_its_newer_count_wins(http, server, device, engine):
    res = push(http, server, device, [heartbeat({"2026-11-01": 3, "2026-11-02": 1})])
    assert res.json()["results"][0]["status"] == "stored"
    assert stored(engine, device) == {date(2026, 11, 1): 3, date(2026, 11, 2): 1}
    # The next heartbeat: the kiosk counted two more on the 2nd; the 1st is sent again unchanged (a replay
    # of a count adds nothing).
    push(http, server, device, [heartbeat({"2026-11-01": 3, "2026-11-02": 3}, at="2026-11-02T11:00:00+00:00")])
    assert stored(engine, device) == {date(2026, 11, 1): 3, date(2026, 11, 2): 3}


def test_a_bad_count_is_ignored_and_the_heartbeat_is_taken(http, server, device, engine):
    res = push(http, server, device, [heartbeat({"2026-11-03": -4, "2026-13-01": 2, "2026-11-04": 5})])
    assert res.json()["results"][0]["status"] == "stored"
    assert stored(engine, device) == {date(2026, 11, 4): 5}
    res = push(http, server, device, [heartbeat("lots", at="2026-11-02T12:00:00+00:00")])
    assert res.json()["results"][0]["status"] == "stored"
    with engine.connect() as c:
        version = c.scalar(sa.select(devices.c.version).where(devices.c.id == device.device_id))
    assert version == "9.9"  # the rest of the heartbeat went in
    assert stored(engine, device) == {date(2026, 11, 4): 5}
