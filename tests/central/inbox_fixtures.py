"""Complaints pushed by a real kiosk enrolment, for the inbox and action tests (both databases)."""

from __future__ import annotations

import itertools

import requests
import sqlalchemy as sa

from kiosk.central.access import Role, Staff
from kiosk.central.audit import Actor
from kiosk.central.db import now, staff_users

from .serverkit import complaint_record, enroll

_ids = itertools.count(1)


def push(server, engine, n: int = 1, **kw) -> tuple[str, list[str]]:
    """A fresh kiosk (so a test can filter on its own device) and the tracking codes it filed."""
    dev = enroll(server, engine)
    recs = [complaint_record(**kw) for _ in range(n)]
    r = requests.post(server.url + "/api/v1/sync/push", json={"records": recs}, headers=dev.headers, timeout=10)
    assert r.status_code == 200 and all(x["status"] == "stored" for x in r.json()["results"]), r.text
    return dev.device_id, [rec["body"]["tracking_code"] for rec in recs]


def staff_member(engine, role: Role, *agencies: str) -> tuple[Staff, Actor]:
    """A real staff_users row (so the timeline can name it), as access.Staff and an audit Actor."""
    name = f"{role.value}-{next(_ids)}-{id(engine) % 10000}"
    with engine.begin() as conn:
        uid = conn.execute(staff_users.insert().values(
            username=name, display_name=name.title(), role=role.value, password_hash="x",
            password_changed_at=now(), created_at=now(),
        )).inserted_primary_key[0]
    staff = Staff(uid, name, name.title(), role, frozenset(agencies))
    return staff, Actor(uid, name, "127.0.0.1")
