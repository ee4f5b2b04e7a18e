"""The fleet view (issue 6, item 4): every kiosk's last heartbeat, version, outbox depth, printer and
paper, free disk; kiosks not seen for a while flagged. Heartbeats go through the real push API."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import update

from central.serverkit import enroll
from kiosk.central.db import devices, now
from kiosk.cli import main
from kiosk.sync import wire


def heartbeat(**extra) -> dict:
    body = wire.heartbeat_body(at=datetime.now(UTC).isoformat(timespec="seconds"), version="0.1.0+gtest",
                               outbox_pending=7, outbox_failed=1,
                               printer={"state": "paper_low", "paper": "low"}, catalog_version="ntb-1")
    return {"uuid": str(uuid.uuid4()), "kind": "heartbeat", "body": {**body, **extra}}


def push(server, cred, record) -> dict:
    r = requests.post(server.url + wire.PUSH_PATH, json={"records": [record]}, headers=cred.headers, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def fleet_json(capsys, server, tmp_path, *args) -> list[dict]:
    assert main(["--data-dir", str(tmp_path), "--json", "central", "fleet", "--db", server.db_url, *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_fleet_shows_heartbeat_version_outbox_printer_paper_and_disk(capsys, tmp_path, server, engine):
    cred = enroll(server, engine, office="Samsat Mataram")
    assert push(server, cred, heartbeat(disk_free_mb=5123))["status"] == "stored"
    me = next(r for r in fleet_json(capsys, server, tmp_path) if r["id"] == cred.device_id)
    assert (me["version"], me["outbox_pending"], me["outbox_failed"]) == ("0.1.0+gtest", 7, 1)
    assert (me["printer_state"], me["paper_state"], me["disk_free_mb"]) == ("paper_low", "low", 5123)
    assert me["heartbeat_at"] and not me["not_seen"]

    # The paper estimate as the printing package sends it (kiosk.printing.paper heartbeat fields).
    hb = heartbeat()
    hb["body"]["printer"] = {"state": "paper_low", "paper_low": True, "paper_left_pct": 8.4, "receipts_left": 20}
    assert push(server, cred, hb)["status"] == "stored"
    me = next(r for r in fleet_json(capsys, server, tmp_path) if r["id"] == cred.device_id)
    assert me["paper_state"] == "low 8%" and me["disk_free_mb"] is None  # that heartbeat had no disk

    # The text table has a column for each.
    assert main(["--data-dir", str(tmp_path), "central", "fleet", "--db", server.db_url]) == 0
    text = capsys.readouterr().out
    header, row = text.splitlines()[0], next(ln for ln in text.splitlines() if ln.startswith(cred.device_id))
    assert "DISK MB" in header and "low 8%" in row and "paper_low" in row


def test_a_heartbeat_from_an_older_kiosk_without_disk_is_still_taken(capsys, tmp_path, server, engine):
    cred = enroll(server, engine)
    assert push(server, cred, heartbeat())["status"] == "stored"
    me = next(r for r in fleet_json(capsys, server, tmp_path) if r["id"] == cred.device_id)
    assert me["disk_free_mb"] is None and me["outbox_pending"] == 7
    assert push(server, cred, heartbeat(disk_free_mb="lots"))["status"] == "rejected"


def test_kiosks_not_seen_for_the_configured_time_are_flagged(capsys, tmp_path, server, engine):
    cred = enroll(server, engine)
    with engine.begin() as conn:
        conn.execute(update(devices).where(devices.c.id == cred.device_id)
                     .values(last_seen_at=now() - timedelta(hours=3)))
    me = next(r for r in fleet_json(capsys, server, tmp_path, "--stale-hours", "2") if r["id"] == cred.device_id)
    assert me["not_seen"]
    me = next(r for r in fleet_json(capsys, server, tmp_path, "--stale-hours", "4") if r["id"] == cred.device_id)
    assert not me["not_seen"]
