"""Record times at the push endpoint (issue 12, item 7): an impossible time is one rejected record, not
a 500 for the batch; a kiosk clock running fast neither dates records in the future nor freezes its
row in the fleet view; records held offline for months keep their own time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk.central.db import complaints, devices, ratings
from kiosk.central.devices import fleet
from kiosk.sync import wire

from .serverkit import complaint_record, rating_record
from .test_push import push


def _at(rec: dict, created_at: str) -> dict:
    rec = copy.deepcopy(rec)
    rec["body"]["created_at"] = created_at
    return rec


IMPOSSIBLE = [
    "0001-01-01T00:00:00+07:00",  # no UTC time at all: OverflowError on main
    "9999-12-31T23:59:59-05:00",  # the same at the other end
    "9999-12-31T00:00:00+00:00",
    "1970-01-01T00:00:00+00:00",  # a kiosk whose clock reset to the epoch
    "NaN",
    "Infinity",
    "",
    "2026-02-30T10:00:00+00:00",
    "2026-11-02T10:00:00",  # no time zone
]


def test_impossible_times_are_rejected_one_by_one_and_the_rest_is_stored(http, server, device, engine):
    good = complaint_record()
    bad = [_at(complaint_record(), t) for t in IMPOSSIBLE]
    bad_rating = _at(rating_record(), "0001-01-01T00:00:00+01:00")
    bad_consent = complaint_record()
    bad_consent["body"]["complaint"]["consent_at"] = "0001-01-01T00:00:00+08:00"
    numeric = _at(complaint_record(), "x")
    numeric["body"]["created_at"] = 1e308
    r = push(http, server, device, [good, *bad, bad_rating, bad_consent, numeric])
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert res[0]["status"] == "stored"
    assert [x["status"] for x in res[1:]] == ["rejected"] * (len(res) - 1)
    assert {x["code"] for x in res[1:]} == {"422.1"}
    assert "created_at" in res[1]["message"] and "consent_at" in res[-2]["message"]
    with engine.connect() as c:
        n = c.scalar(sa.select(sa.func.count()).select_from(complaints).where(
            complaints.c.uuid.in_([x["uuid"] for x in [good, *bad, bad_consent, numeric]])))
    assert n == 1


def test_a_fast_clock_is_clamped_to_the_receive_time_and_old_records_keep_theirs(http, server, device, engine):
    now = datetime.now(UTC)
    fast = _at(complaint_record(), (now + timedelta(days=400)).isoformat(timespec="seconds"))
    slightly = _at(complaint_record(), (now + timedelta(hours=2)).isoformat(timespec="seconds"))
    offline = _at(complaint_record(), (now - timedelta(days=120)).isoformat(timespec="seconds"))
    rating = _at(rating_record(), (now + timedelta(days=30)).isoformat(timespec="seconds"))
    res = push(http, server, device, [fast, slightly, offline, rating]).json()["results"]
    assert [x["status"] for x in res] == ["stored"] * 4
    with engine.connect() as c:
        rows = {r.uuid: r for r in c.execute(sa.select(complaints.c.uuid, complaints.c.created_at,
                                                       complaints.c.received_at))}
        rated = c.execute(sa.select(ratings.c.created_at, ratings.c.received_at)
                          .where(ratings.c.uuid == rating["uuid"])).one()
    assert rows[fast["uuid"]].created_at == rows[fast["uuid"]].received_at
    assert rated.created_at == rated.received_at
    assert abs(rows[slightly["uuid"]].created_at - (now + timedelta(hours=2))) < timedelta(seconds=2)
    assert abs(rows[offline["uuid"]].created_at - (now - timedelta(days=120))) < timedelta(seconds=2)
    # A replay of the clamped record is still a replay: its body (and hash) were not touched.
    assert push(http, server, device, [fast]).json()["results"][0]["status"] == "replay"


def _heartbeat(at: str, pending: int) -> dict:
    return {"uuid": complaint_record()["uuid"], "kind": "heartbeat",
            "body": wire.heartbeat_body(at=at, version="9.9", outbox_pending=pending, outbox_failed=0,
                                        printer={"state": "ok"}, catalog_version="v1")}


def test_a_heartbeat_from_the_future_does_not_freeze_the_fleet_row(http, server, device, engine):
    res = push(http, server, device, [_heartbeat("2099-06-01T00:00:00+00:00", 7)]).json()["results"]
    assert res[0]["status"] == "stored"
    (first,) = [r for r in fleet(engine) if r.id == device.device_id]
    assert first.outbox_pending == 7
    # The technician fixes the clock; the next heartbeat must show.
    now = datetime.now(UTC).isoformat(timespec="seconds")
    assert push(http, server, device, [_heartbeat(now, 2)]).json()["results"][0]["status"] == "stored"
    (row,) = [r for r in fleet(engine) if r.id == device.device_id]
    assert row.outbox_pending == 2
    # The kiosk's own time is shown as its skew against the server's.
    assert first.clock_skew_s > 365 * 86400
    assert abs(row.clock_skew_s) < 60
    assert abs(row.heartbeat_at - datetime.now(UTC)) < timedelta(minutes=1)
    with engine.connect() as c:
        last_seen = c.scalar(sa.select(devices.c.last_seen_at).where(devices.c.id == device.device_id))
    assert last_seen <= datetime.now(UTC)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-05:00", "NaN"])
def test_an_impossible_heartbeat_is_rejected_alone(http, server, device, at):
    r = push(http, server, device, [_heartbeat(at, 1), complaint_record()])
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["rejected", "stored"]
