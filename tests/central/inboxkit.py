"""Workflow actions in tests, taken by a stand-in for the province's complaint desk.

The real desk accounts come from staff.create_user (helper "auth"); tests that only need a status
change use this Staff, which access.py treats like any desk member (user ids are not foreign keys).
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from kiosk.central import audit, catalog, complaints
from kiosk.central.access import Role, Staff
from kiosk.central.db import catalog_versions
from kiosk.central.settings import Settings
from kiosk.paths import DEMO_CATALOG

DESK = Staff(user_id=900001, username="test-desk", display_name="Test desk", role=Role.DESK)
DESK_ACTOR = audit.Actor(DESK.user_id, DESK.username, "127.0.0.1")
SETTINGS = Settings()


def ensure_catalog(engine, *agency_ids: str) -> None:
    """Publish the demo catalog unless the newest one already names these agencies (forward checks it)."""
    with engine.connect() as conn:
        doc = conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1))
    known = {a["id"] for a in json.loads(doc)["agencies"]} if doc else set()
    if not agency_ids or not set(agency_ids) <= known:
        catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))


def desk_act(engine, code: str, action: str, **kw) -> complaints.ActionResult:
    if kw.get("agency_id"):
        ensure_catalog(engine, kw["agency_id"])
    kw.setdefault("note", "Alasan uji" if action in ("hold", "not-authority") else None)
    kw.setdefault("confirmed", action == "respond")
    return complaints.act(engine, code, action, by=DESK_ACTOR, staff=DESK, settings=kw.pop("settings", SETTINGS), **kw)
