"""What staff change on the fleet page: revoking a kiosk, and which offices a technician looks after.
Each change and its audit row commit together. Actions, no HTTP; who may call them is access.py's
business (the page asks ``can_manage_kiosks`` and ``can_manage_users``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from . import audit, devices
from .access import Role
from .db import devices as devices_table
from .db import fleet_incidents, now, office_technicians, reader, staff_users

MAX_OFFICES = 200  # offices one technician may be tied to: a form cannot grow without bound


class NoSuchKiosk(LookupError):
    pass


class NoSuchTechnician(LookupError):
    pass


class UnknownOffice(ValueError):
    """An office no kiosk belongs to (a forged form)."""


def revoke(engine: sa.Engine, by: audit.Actor, device_id: str) -> bool:
    """Refuse the kiosk's token from now on and close its open incidents without a mail (revoked kiosks never
    alert). False when it was already revoked; NoSuchKiosk when there is none."""
    at = now()
    i = fleet_incidents.c
    with engine.begin() as conn:
        row = conn.execute(sa.select(devices_table.c.name, devices_table.c.office)
                           .where(devices_table.c.id == device_id)).first()
        if row is None:
            raise NoSuchKiosk(device_id)
        if not devices.revoke_in(conn, device_id, at):
            return False
        conn.execute(fleet_incidents.update().where(i.device_id == device_id, i.resolved_at.is_(None))
                     .values(resolved_at=at, recovery_notified_at=at))
        audit.record(conn, by, audit.KIOSK_REVOKED, target=device_id,
                     detail={"office": row.office, "name": row.name}, at=at)
    return True


def kiosk_offices(engine: sa.Engine) -> list[str]:
    """Every office a kiosk was enrolled at, sorted."""
    with reader(engine) as conn:
        return list(conn.scalars(sa.select(devices_table.c.office).distinct().order_by(devices_table.c.office)))


@dataclass(frozen=True, slots=True)
class Technician:
    user_id: int
    username: str
    display_name: str
    has_email: bool
    offices: tuple[str, ...]  # empty: every kiosk's alerts


def technicians(engine: sa.Engine) -> list[Technician]:
    """Active technician accounts with the offices they look after."""
    u, o = staff_users.c, office_technicians.c
    with reader(engine) as conn:
        people = conn.execute(sa.select(u.id, u.username, u.display_name, u.email)
                              .where(u.role == Role.TECHNICIAN.value, u.disabled_at.is_(None))
                              .order_by(u.username)).all()
        ties = conn.execute(sa.select(o.user_id, o.office).order_by(o.office)).all()
    offices: dict[int, list[str]] = {}
    for t in ties:
        offices.setdefault(t.user_id, []).append(t.office)
    return [Technician(p.id, p.username, p.display_name, bool((p.email or "").strip()), tuple(offices.get(p.id, ())))
            for p in people]


def set_offices(engine: sa.Engine, by: audit.Actor, user_id: int, offices: list[str]) -> tuple[str, ...]:
    """Tie the technician to exactly ``offices`` (none: every kiosk's alerts); returns them sorted."""
    wanted = tuple(sorted({o.strip() for o in offices if o.strip()}))
    if len(wanted) > MAX_OFFICES:
        raise UnknownOffice("too many offices")
    u, o = staff_users.c, office_technicians.c
    with engine.begin() as conn:
        person = conn.execute(sa.select(u.username).where(
            u.id == user_id, u.role == Role.TECHNICIAN.value, u.disabled_at.is_(None))).first()
        if person is None:
            raise NoSuchTechnician(user_id)
        known = set(conn.scalars(sa.select(devices_table.c.office).distinct()))
        if not set(wanted) <= known:
            raise UnknownOffice("an office with no kiosk")
        before = tuple(conn.scalars(sa.select(o.office).where(o.user_id == user_id).order_by(o.office)))
        if before == wanted:
            return wanted
        conn.execute(office_technicians.delete().where(o.user_id == user_id))
        if wanted:
            conn.execute(office_technicians.insert(), [{"office": w, "user_id": user_id} for w in wanted])
        audit.record(conn, by, audit.TECHNICIAN_OFFICES_SET, target=person.username,
                     detail={"from": list(before), "to": list(wanted)})
    return wanted

