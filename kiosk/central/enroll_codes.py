"""Enrollment codes made on the staff pages: make one (with an audit row), list the open ones, cancel one.

A code is shown once, on the page that made it (the server keeps only its sha256, devices.py). The list
names each open code by the first 12 hex digits of that hash ("code id"): enough to cancel it, useless
to enroll with. Cancelling sets its expiry to now, so devices.enroll refuses it like any expired code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain.errors import ValidationError
from . import audit, catalog, devices
from .db import enroll_codes, now, reader
from .kiosk_settings import check_office

ID_LEN = 12
TTL_CHOICES_H = (1, 24, 72)


@dataclass(frozen=True, slots=True)
class OpenCode:
    code_id: str
    office: str
    agency_id: str
    created_at: datetime
    expires_at: datetime


def make(engine: Engine, *, office: str, agency_id: str, ttl_hours: int, by: audit.Actor) -> devices.EnrollCode:
    """Raises ValidationError (field office, agency_id or ttl) for what a technician could mistype."""
    office = check_office(office)
    agency_id = (agency_id or "").strip()
    if agency_id not in {a.id for a in catalog.agencies(engine)}:
        raise ValidationError("Choose an agency of the published catalog.", field="agency_id")
    if ttl_hours not in TTL_CHOICES_H:
        raise ValidationError("Choose how long the code stays valid.", field="ttl")
    code = devices.create_enroll_code(engine, office=office, agency_id=agency_id, ttl=timedelta(hours=ttl_hours))
    with engine.begin() as conn:
        audit.record(conn, by, audit.ENROLL_CODE_CREATED, target=office[:200],
                     detail={"agency_id": agency_id, "code_id": code_id(code.code), "hours": ttl_hours})
    return code


def code_id(code: str) -> str:
    from .security import enroll_code_hash

    return enroll_code_hash(code)[:ID_LEN]


def open_codes(engine: Engine) -> list[OpenCode]:
    """Codes not used and not expired, newest first."""
    with reader(engine) as conn:
        rows = conn.execute(sa.select(enroll_codes).where(
            enroll_codes.c.used_at.is_(None), enroll_codes.c.expires_at > now()
        ).order_by(enroll_codes.c.created_at.desc()).limit(200))
        return [OpenCode(r.code_hash[:ID_LEN], r.office, r.agency_id, r.created_at, r.expires_at) for r in rows]


def cancel(engine: Engine, cid: str, *, by: audit.Actor) -> bool:
    """Ends an open code at once. False when no open code has this id (used, expired, or never made)."""
    cid = (cid or "").strip().lower()
    if len(cid) != ID_LEN or any(c not in "0123456789abcdef" for c in cid):
        return False
    at = now()
    with engine.begin() as conn:
        row = conn.execute(sa.select(enroll_codes.c.code_hash, enroll_codes.c.office).where(
            enroll_codes.c.code_hash.startswith(cid, autoescape=True), enroll_codes.c.used_at.is_(None),
            enroll_codes.c.expires_at > at)).first()
        if row is None:
            return False
        conn.execute(enroll_codes.update().where(enroll_codes.c.code_hash == row.code_hash).values(expires_at=at))
        audit.record(conn, by, audit.ENROLL_CODE_CANCELLED, target=row.office[:200], detail={"code_id": cid}, at=at)
    return True
