"""Complaints written straight into a central database at chosen moments, for the deadline job's
tests: the workflow's timestamps are what the tick reads, and a frozen clock needs them in the past."""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa

from kiosk.central import workdays
from kiosk.central.db import catalog_versions, complaints, devices, records
from kiosk.central.settings import Settings
from kiosk.domain import tracking

DEVICE = "kio-tick-test"
NAME, NIK, PHONE, EMAIL = "Siti Rahmawati", "5271010101900003", "081234567890", "siti.r@example.com"
AGENCY, AGENCY_NAME, AGENCY_NAME_EN = "dinkes", "Dinas Kesehatan", "Health Office"


def ensure_device(engine: sa.Engine, at: datetime) -> None:
    with engine.begin() as conn:
        if conn.scalar(sa.select(sa.func.count()).select_from(devices).where(devices.c.id == DEVICE)):
            return
        conn.execute(devices.insert().values(id=DEVICE, name="test kiosk", office="Kantor Test", agency_id=AGENCY,
                                             token_hash=uuidlib.uuid4().hex * 2, enrolled_at=at))


def publish_agency(engine: sa.Engine, at: datetime) -> None:
    doc = {"version": "t-1", "agencies": [{"id": AGENCY, "name": AGENCY_NAME, "name_en": AGENCY_NAME_EN}],
           "services": []}
    with engine.begin() as conn:
        conn.execute(catalog_versions.insert().values(version="t-1", sha256="0" * 64, published_at=at,
                                                      doc=json.dumps(doc)))


def add(engine: sa.Engine, settings: Settings, *, status: str, status_at: datetime, received_at: datetime | None = None,
        privacy: str = "biasa", email: str | None = EMAIL, with_due: bool = True, **extra) -> tuple[str, str]:
    """A complaint in ``status`` since ``status_at``; returns (uuid, tracking code in display form)."""
    received_at = received_at or status_at
    ensure_device(engine, received_at)
    uid = str(uuidlib.uuid4())
    code = tracking.generate()
    identity = None if privacy == "anonim" else json.dumps(
        {"name": NAME, "nik": NIK, "phone": PHONE, "email": email})
    due = (workdays.due_on(status, status_at, received_at, workdays.calendar(settings, status_at.date()), settings.tz)
           if with_due else None)
    answered = status in ("followed_up", "closed")
    row = {
        "uuid": uid, "device_id": DEVICE, "tracking_code": code, "created_at": received_at,
        "received_at": received_at, "class": "pengaduan", "topic": "pungli", "agency_id": AGENCY,
        "service_id": None, "privacy": privacy, "description": "Petugas meminta biaya tambahan.",
        "incident_date": None, "identity": identity, "consent_version": "pdp-2026-11", "consent_at": received_at,
        "status": status, "status_at": status_at, "handling_agency_id": AGENCY,
        "response": "Sudah kami tindak lanjuti." if answered else None,
        "response_at": status_at if answered else None, "due_on": due, **extra,
    }
    with engine.begin() as conn:
        conn.execute(records.insert().values(uuid=uid, kind="complaint", device_id=DEVICE, body_hash="0" * 64,
                                             received_at=received_at))
        conn.execute(complaints.insert().values(**row))
    return uid, tracking.display(code)


def get(engine: sa.Engine, uid: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(complaints).where(complaints.c.uuid == uid)).one()
