"""The fleet page's rows: every kiosk with its newest heartbeat read and its open incidents, sorted by what
needs attention. A query module (no HTTP); the order is docs/fleet.md's ("The page")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from . import fleet_health as H
from .db import devices, fleet_incidents, reader


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: int
    kind: str
    opened_at: datetime
    notified_at: datetime | None
    last_error: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KioskRow:
    id: str
    name: str
    office: str
    agency_id: str
    enrolled_at: datetime
    revoked_at: datetime | None
    heartbeat_at: datetime | None
    version: str | None
    health: H.Health
    incidents: tuple[OpenIncident, ...]  # worst first

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def worst(self) -> int:
        """The rank of its worst open incident (fleet_health.KINDS order); past the end when none."""
        return min((H.RANK.get(i.kind, len(H.KINDS)) for i in self.incidents), default=len(H.KINDS))


def sort_key(row: KioskRow) -> tuple:
    """Kiosks with open incidents first, the worst kind first and, within it, the longest open; then the
    rest by office and name; revoked kiosks last."""
    if row.revoked:
        return (2, 0, "", row.office, row.name, row.id)
    if row.incidents:
        oldest = min(i.opened_at for i in row.incidents if H.RANK.get(i.kind, len(H.KINDS)) == row.worst)
        return (0, row.worst, oldest.isoformat(), row.office, row.name, row.id)
    return (1, 0, "", row.office, row.name, row.id)


def kiosks(engine: sa.Engine) -> list[KioskRow]:
    d, i = devices.c, fleet_incidents.c
    with reader(engine) as conn:
        rows = conn.execute(sa.select(d.id, d.name, d.office, d.agency_id, d.enrolled_at, d.revoked_at,
                                      d.heartbeat_at, d.version, d.heartbeat)).all()
        open_rows = conn.execute(sa.select(i.id, i.device_id, i.kind, i.opened_at, i.notified_at, i.last_error,
                                           i.detail).where(i.resolved_at.is_(None))).all()
    incidents: dict[str, list[OpenIncident]] = {}
    for r in open_rows:
        incidents.setdefault(r.device_id, []).append(
            OpenIncident(r.id, r.kind, r.opened_at, r.notified_at, r.last_error, H.incident_detail(r.detail)))
    out = [
        KioskRow(r.id, r.name, r.office, r.agency_id, r.enrolled_at, r.revoked_at, r.heartbeat_at, r.version,
                 H.health(r.heartbeat, r.heartbeat_at),
                 tuple(sorted(incidents.get(r.id, ()), key=lambda x: (H.RANK.get(x.kind, len(H.KINDS)), x.opened_at))))
        for r in rows
    ]
    return sorted(out, key=sort_key)


def kiosk(engine: sa.Engine, device_id: str) -> KioskRow | None:
    return next((k for k in kiosks(engine) if k.id == device_id), None)
