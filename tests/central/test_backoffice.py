"""`kiosk central ...`: the back office from a shell, on the same database the server uses."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from kiosk.central.db import complaints, devices, now
from kiosk.cli import main
from kiosk.domain import tracking

from .inboxkit import ensure_catalog
from .serverkit import complaint_record
from .staffkit import DEFAULT_PASSWORD, make_user, totp_now

_DESK: dict[str, int] = {}


def run(capsys, server, tmp_path, *args):
    code = main(["--data-dir", str(tmp_path), "--json", "central", *args, "--db", server.db_url])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def as_desk(capsys, server, tmp_path, engine, monkeypatch, *args):
    """A `complaints ...` command signed in as a desk account (password and TOTP, as a person would).

    A fresh desk account each time: a TOTP code is accepted once per 30-second step, so reusing one
    account would make every further command wait for the next step."""
    n = _DESK[server.db_url] = _DESK.get(server.db_url, 0) + 1
    name = f"meja{n}"
    secret = make_user(engine, name, "desk", totp=True)[1]
    monkeypatch.setenv("IPLIK_STAFF_PASSWORD", DEFAULT_PASSWORD)
    return run(capsys, server, tmp_path, *args, "--user", name, "--totp", totp_now(secret))


def test_workflow_from_the_command_line(capsys, tmp_path, http, server, engine, device, monkeypatch):
    ensure_catalog(engine, "dinkes")  # forwarding checks the agency against the catalog
    recs = [complaint_record() for _ in range(3)]
    http.post(server.url + "/api/v1/sync/push", json={"records": recs}, headers=device.headers, timeout=10)
    a, b, c = (tracking.display(r["body"]["tracking_code"]) for r in recs)

    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "verify", a)[1]["status"] == "verified"
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "forward", a, "--agency", "dinkes")[1]["events"] == ["forwarded"]
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "forward", b, "--agency", "dinkes")[1]["events"] == ["verified", "forwarded"]
    done = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "respond", a, "--text", "Sudah ditindaklanjuti.")[1]
    assert done["status"] == "followed_up"
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "close", a)[1]["status"] == "closed"
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "not-authority", c, "--note", "Urusan pusat")[1]["status"] == "not_authority"
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "hold", b, "--note", "Menunggu dokumen")[1]["status"] == "on_hold"

    # Closed is final: a clear refusal, exit code 1, no traceback.
    code, _, err = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "verify", a)
    assert code == 1 and "final" in err
    code, _, err = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "verify", "AAAA-AAAA-AAA")
    assert code == 2
    listed = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "list", "--agency", "dinkes")[1]
    assert {x["tracking_code"] for x in listed} >= {a, b}
    closed = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "list", "--status", "closed")[1]
    assert a in {x["tracking_code"] for x in closed}
    assert as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "list", "--status", "nonsense")[0] == 2


def test_overdue_complaints_are_flagged_in_working_days(capsys, tmp_path, http, server, engine, device, monkeypatch):
    old, fresh = complaint_record(), complaint_record()
    http.post(server.url + "/api/v1/sync/push", json={"records": [old, fresh]}, headers=device.headers, timeout=10)
    long_ago = now() - timedelta(days=14)
    with engine.begin() as conn:
        conn.execute(complaints.update().where(complaints.c.uuid == old["uuid"]).values(received_at=long_ago, status_at=long_ago))
    rows = as_desk(capsys, server, tmp_path, engine, monkeypatch, "complaints", "list", "--overdue")[1]
    codes = {r["tracking_code"] for r in rows}
    assert tracking.display(old["body"]["tracking_code"]) in codes
    assert tracking.display(fresh["body"]["tracking_code"]) not in codes
    assert all(r["overdue"] for r in rows)


def test_enroll_code_fleet_and_revoke(capsys, tmp_path, http, server, engine):
    code = run(capsys, server, tmp_path, "enroll-code", "--office", "Samsat Mataram", "--agency", "bappenda")[1]["code"]
    dev = http.post(server.url + "/api/v1/enroll", json={"code": code, "name": "Lobi Samsat"}, timeout=10).json()
    with engine.begin() as conn:
        conn.execute(devices.update().where(devices.c.id == dev["device_id"])
                     .values(last_seen_at=now() - timedelta(hours=5), printer_state="ok", paper_state="out"))
    fleet = {r["id"]: r for r in run(capsys, server, tmp_path, "fleet")[1]}
    me = fleet[dev["device_id"]]
    assert me["office"] == "Samsat Mataram" and me["not_seen"] and me["paper_state"] == "out"
    assert run(capsys, server, tmp_path, "revoke", dev["device_id"])[0] == 0
    assert run(capsys, server, tmp_path, "revoke", dev["device_id"])[0] == 2
    r = http.get(server.url + "/api/v1/sync/catalog", headers={"Authorization": f"Bearer {dev['token']}"}, timeout=10)
    assert r.json()["code"] == "401.3"
    with engine.connect() as conn:
        assert conn.scalar(sa.select(devices.c.revoked_at).where(devices.c.id == dev["device_id"])) is not None


def test_catalog_publish_from_a_file(capsys, tmp_path, server, tiny_catalog):
    path = tmp_path / "catalog.json"
    tiny_catalog["version"] = "cli-1"
    path.write_text(json.dumps(tiny_catalog), encoding="utf-8")
    out = run(capsys, server, tmp_path, "catalog", "publish", str(path))[1]
    assert out["version"] == "cli-1" and out["new"]
    assert run(capsys, server, tmp_path, "catalog", "publish", str(path))[1]["new"] is False
    path.write_text("{}", encoding="utf-8")
    assert run(capsys, server, tmp_path, "catalog", "publish", str(path))[0] == 2
