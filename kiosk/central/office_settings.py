"""Per-office settings the kiosks receive with their catalog pull: for now, the staff PIN.

The PIN is hashed here, on the server, with the kiosk's own scheme (kiosk.domain.pin: salted scrypt),
and only the hash is stored and sent; each kiosk is told only its own office's (found from its device
token). Setting or clearing it writes an audit row in the same transaction, naming the office and who
did it, never the PIN or its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..domain.errors import ValidationError
from ..domain.pin import check_new_pin, hash_pin
from . import audit
from .access import Role, Staff
from .db import devices, now, office_settings, reader


@dataclass(frozen=True, slots=True)
class OfficePin:
    office: str
    set_at: datetime | None
    set_by: str | None
    kiosks: int  # active kiosks enrolled for this office (they get the PIN at their next pull)


def may_set_pin(staff: Staff) -> bool:
    """The province's administrators and the technicians who look after the kiosks."""
    return staff.role in (Role.ADMIN, Role.TECHNICIAN)


def _office(office: str) -> str:
    office = office.strip()
    if not office or len(office) > 200:
        raise ValidationError("The office name must be 1 to 200 characters.", field="office")
    return office


def _kiosks(conn: Connection, office: str) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(devices).where(
        devices.c.office == office, devices.c.revoked_at.is_(None))) or 0


def _upsert(conn: Connection, office: str, values: dict) -> None:
    done = conn.execute(office_settings.update().where(office_settings.c.office == office).values(**values))
    if not done.rowcount:
        conn.execute(office_settings.insert().values(office=office, **values))


def set_pin(engine: Engine, office: str, pin: str, *, by: audit.Actor) -> OfficePin:
    """Raises ValidationError for a PIN the kiosk's rules refuse (format, length, too easy)."""
    office = _office(office)
    hashed = hash_pin(check_new_pin(pin))
    at = now()
    with engine.begin() as conn:
        _upsert(conn, office, {"pin_hash": hashed, "pin_set_at": at, "pin_set_by": by.username[:64]})
        kiosks = _kiosks(conn, office)
        audit.record(conn, by, audit.OFFICE_PIN_SET, target=office, detail={"kiosks": kiosks}, at=at)
    return OfficePin(office, at, by.username, kiosks)


def clear_pin(engine: Engine, office: str, *, by: audit.Actor) -> bool:
    """The office's kiosks go back to config.toml's PIN. Returns False when it had none."""
    office = _office(office)
    at = now()
    with engine.begin() as conn:
        done = conn.execute(office_settings.update().where(
            office_settings.c.office == office, office_settings.c.pin_hash.is_not(None)
        ).values(pin_hash=None, pin_set_at=at, pin_set_by=by.username[:64])).rowcount
        if done:
            audit.record(conn, by, audit.OFFICE_PIN_CLEARED, target=office, at=at)
    return bool(done)


def pin_for_office(engine: Engine, office: str) -> dict | None:
    """What a kiosk of ``office`` receives: ``{"pin_hash", "set_at"}``, or None (config.toml's applies)."""
    with reader(engine) as conn:
        row = conn.execute(sa.select(office_settings.c.pin_hash, office_settings.c.pin_set_at).where(
            office_settings.c.office == office, office_settings.c.pin_hash.is_not(None))).first()
    if row is None:
        return None
    return {"pin_hash": row.pin_hash, "set_at": row.pin_set_at.isoformat(timespec="seconds") if row.pin_set_at else None}
