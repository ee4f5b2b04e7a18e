"""`kiosk central demo`: demo staff and ~60 demo complaints in every status, all marked as demo, on
SQLite (through the real command) and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import sqlalchemy as sa

from kiosk.central import demo, staff
from kiosk.central.db import audit_log, complaint_events, complaints, open_database, staff_agencies, staff_users
from kiosk.central.settings import Settings
from kiosk.central.staff import Outcome
from kiosk.domain.workflow import Status
from kiosk.paths import DEMO_CATALOG

from .serverkit import REPO, database_url


def test_demo_fills_every_status_marks_everything_and_runs_once(backend, tmp_path):
    url = database_url(backend, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "kiosk.cli", "--json", "central", "demo", "--database-url", url]
    out = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert printed["password"] == demo.PASSWORD and printed["complaints"] == 60
    secrets = {a["username"]: a["totp_secret"] for a in printed["accounts"]}
    assert set(secrets) == {"demo-admin", "demo-desk", "demo-bappenda", "demo-dpmptsp", "demo-viewer", "demo-teknisi"}
    assert secrets["demo-admin"] and secrets["demo-desk"] and not secrets["demo-viewer"]

    engine = open_database(Settings(database_url=url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(complaints)).all()
            users = {r.username: r for r in conn.execute(sa.select(staff_users))}
            officer_agencies = {(r.user_id, r.agency_id) for r in conn.execute(sa.select(staff_agencies))}
            events = conn.execute(sa.select(complaint_events)).all()
            audited = conn.scalar(sa.select(sa.func.count()).select_from(audit_log))
        agencies = {a["id"] for a in json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))["agencies"]}
        # Officers of two real agencies of the demo catalog, with complaints to answer.
        assert {(users["demo-bappenda"].id, "bappenda"), (users["demo-dpmptsp"].id, "dpmptsp")} <= officer_agencies
        assert {"bappenda", "dpmptsp"} <= agencies
        statuses = Counter(r.status for r in rows)
        assert set(statuses) == {s.value for s in Status} - {Status.RECEIVED_AT_KIOSK.value}
        assert all(r.description.startswith("[DEMO] ") for r in rows)
        assert all(r.handling_agency_id in agencies for r in rows if r.handling_agency_id)
        assert any(r.reopened_count == 1 and r.status == "forwarded" for r in rows)
        assert any(r.citizen_rating for r in rows) and any(r.overdue_at for r in rows)
        assert all(r.response for r in rows if r.status == "followed_up")
        # Every staff step in a timeline names the demo account that took it, and is in the audit log.
        staff_events = [e for e in events if e.actor != "citizen"]
        assert staff_events and all(e.user_id in {u.id for u in users.values()} for e in staff_events)
        assert audited >= len(events)
        # The printed password signs in: an officer straight away, the desk on to its second factor.
        settings = Settings(database_url=url)
        assert staff.authenticate(engine, settings, "demo-bappenda", demo.PASSWORD, "127.0.0.1").outcome is Outcome.OK
        assert staff.authenticate(engine, settings, "demo-desk", demo.PASSWORD, "127.0.0.1").outcome is Outcome.TOTP
    finally:
        engine.dispose()

    again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already has demo accounts" in again.stderr
