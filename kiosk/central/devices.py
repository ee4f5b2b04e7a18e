"""Kiosks as the server knows them: enrollment codes, enrollment, token checks, revocation, heartbeats
and the fleet view."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import errors, security
from .db import (
    devices,
    enroll_codes,
    fleet_incidents,
    now,
    reader,
    records,
    tap_discards,
    upsert,
)


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str
    office: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class Enrollment:
    device_id: str
    token: str
    office: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class EnrollCode:
    code: str
    office: str
    agency_id: str
    expires_at: datetime


def create_enroll_code(engine: Engine, *, office: str, agency_id: str, ttl: timedelta = timedelta(hours=24)) -> EnrollCode:
    office, agency_id = office.strip(), agency_id.strip()
    if not office:
        raise errors.Problem(errors.INVALID_REQUEST, {"reason": "office must not be empty"})
    if not agency_id:
        raise errors.Problem(errors.INVALID_REQUEST, {"reason": "agency must not be empty"})
    code = security.new_enroll_code()
    created = now()
    with engine.begin() as conn:
        conn.execute(
            enroll_codes.insert().values(
                code_hash=security.enroll_code_hash(code),
                office=office,
                agency_id=agency_id,
                created_at=created,
                expires_at=created + ttl,
            )
        )
    return EnrollCode(code, office, agency_id, created + ttl)


def enroll(engine: Engine, *, code: str, name: str, version: str | None = None, nonce: str | None = None) -> Enrollment:
    """Spend a one-time code on a new device and return its id and token (shown once, never stored).

    With a ``nonce`` (the kiosk's random secret, the same on every retry) the enrollment can be asked
    for again while the code is valid: the same code and nonce give the same device back, with a new
    token that replaces the one whose answer was lost. The server keeps no token it could hand out
    again (only hashes, as for every token), and the lost token stops working. A used code with any
    other nonce, or none, is refused as before.
    """
    at = now()
    device_id, token = security.new_device_id(), security.new_token()
    code_hash = security.enroll_code_hash(code)
    nonce_hash = security.token_hash(nonce) if nonce else None
    with engine.begin() as conn:
        # One UPDATE decides: two kiosks racing for one code cannot both win.
        claimed = conn.execute(
            enroll_codes.update()
            .where(
                enroll_codes.c.code_hash == code_hash,
                enroll_codes.c.used_at.is_(None),
                enroll_codes.c.expires_at > at,
            )
            .values(used_at=at, device_id=device_id, nonce_hash=nonce_hash)
        )
        if claimed.rowcount != 1:
            again = _retry(conn, code_hash, nonce_hash, token, at) if nonce_hash else None
            if again is None:
                raise errors.ENROLL_CODE_INVALID()
            return again
        row = conn.execute(
            sa.select(enroll_codes.c.office, enroll_codes.c.agency_id).where(enroll_codes.c.code_hash == code_hash)
        ).one()
        conn.execute(
            devices.insert().values(
                id=device_id,
                name=name.strip()[:200] or device_id,
                office=row.office,
                agency_id=row.agency_id,
                token_hash=security.token_hash(token),
                enrolled_at=at,
                version=(version or "")[:64] or None,
                last_seen_at=at,
            )
        )
    return Enrollment(device_id, token, row.office, row.agency_id)


def _retry(conn: sa.Connection, code_hash: str, nonce_hash: str, token: str, at: datetime) -> Enrollment | None:
    """The device this code and nonce enrolled, with ``token`` as its token from now on; None when the
    code was spent by someone else, has expired, or its device was revoked."""
    row = conn.execute(
        sa.select(enroll_codes.c.device_id, enroll_codes.c.office, enroll_codes.c.agency_id).where(
            enroll_codes.c.code_hash == code_hash,
            enroll_codes.c.nonce_hash == nonce_hash,
            enroll_codes.c.used_at.is_not(None),
            enroll_codes.c.expires_at > at,
        )
    ).first()
    if row is None or row.device_id is None:
        return None
    done = conn.execute(
        devices.update()
        .where(devices.c.id == row.device_id, devices.c.revoked_at.is_(None))
        .values(token_hash=security.token_hash(token), last_seen_at=at)
    )
    if done.rowcount != 1:
        return None
    return Enrollment(row.device_id, token, row.office, row.agency_id)


class Authenticator:
    """Token -> device, and a throttled ``last_seen_at`` (one write per device per minute at most)."""

    SEEN_EVERY_S = 60.0

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def device(self, token: str | None) -> Device:
        if not token:
            raise errors.Problem(errors.TOKEN_MISSING, headers={"WWW-Authenticate": "Bearer"})
        with reader(self.engine) as conn:
            row = conn.execute(
                sa.select(devices.c.id, devices.c.name, devices.c.office, devices.c.agency_id, devices.c.revoked_at)
                .where(devices.c.token_hash == security.token_hash(token))
            ).first()
        if row is None:
            raise errors.Problem(errors.TOKEN_UNKNOWN, headers={"WWW-Authenticate": "Bearer"})
        if row.revoked_at is not None:
            raise errors.Problem(errors.TOKEN_REVOKED, headers={"WWW-Authenticate": "Bearer"})
        self._touch(row.id)
        return Device(row.id, row.name, row.office, row.agency_id)

    def _touch(self, device_id: str) -> None:
        t = time.monotonic()
        with self._lock:
            if t - self._seen.get(device_id, -1e9) < self.SEEN_EVERY_S:
                return
            self._seen[device_id] = t
        try:
            with self.engine.begin() as conn:
                conn.execute(devices.update().where(devices.c.id == device_id).values(last_seen_at=now()))
        except sa.exc.OperationalError:
            # A busy database must not fail the request over a "last seen" time; try next request.
            with self._lock:
                self._seen.pop(device_id, None)


def revoke(engine: Engine, device_id: str) -> bool:
    """Refuse the device's token from now on. False when no such device (or already revoked)."""
    with engine.begin() as conn:
        return revoke_in(conn, device_id, now())


def revoke_in(conn: sa.Connection, device_id: str, at: datetime) -> bool:
    """:func:`revoke` inside the caller's transaction (the fleet page writes its audit row in the same one)."""
    done = conn.execute(
        devices.update().where(devices.c.id == device_id, devices.c.revoked_at.is_(None)).values(revoked_at=at)
    )
    return done.rowcount == 1


def _paper_state(printer: dict[str, Any]) -> str | None:
    """"low" / "12%" from the kiosk's paper estimate (kiosk.printing.paper heartbeat fields), or a
    plain "paper" word when a kiosk sends one."""
    if printer.get("paper"):
        return str(printer["paper"])[:64]
    pct = printer.get("paper_left_pct")
    if printer.get("paper_low") is True:
        return "low" if not isinstance(pct, (int, float)) else f"low {pct:.0f}%"
    if isinstance(pct, (int, float)) and not isinstance(pct, bool):
        return f"{pct:.0f}%"
    return None


def apply_heartbeat(conn: sa.Connection, device_id: str, body: dict[str, Any], received: datetime) -> None:
    """Keep the newest heartbeat of a device, by the server's receive time.

    The kiosk's own clock only orders the heartbeats of one batch (the caller's job) and is kept as the
    reported ``at`` in the body, from which the fleet view shows the kiosk's clock skew. Ordering by it
    across requests let one heartbeat dated 2099 freeze the device's row for good."""
    printer = body.get("printer") or {}
    conn.execute(
        devices.update()
        .where(
            devices.c.id == device_id,
            sa.or_(devices.c.heartbeat_at.is_(None), devices.c.heartbeat_at <= received),
        )
        .values(
            heartbeat_at=received,
            last_seen_at=received,
            version=str(body.get("version", ""))[:64],
            outbox_pending=body.get("outbox_pending"),
            outbox_failed=body.get("outbox_failed"),
            printer_state=str(printer.get("state", ""))[:64] or None,
            paper_state=_paper_state(printer),
            heartbeat=json.dumps(body, ensure_ascii=False, sort_keys=True),
        )
    )
    _store_discarded_taps(conn, device_id, body.get("discarded_taps"))


def _store_discarded_taps(conn: sa.Connection, device_id: str, days: Any) -> None:
    """The kiosk's discarded-tap counts per local day (already checked by ingest.heartbeat_row), written
    over what the server had: the kiosk counts, the server keeps its newest word."""
    if not isinstance(days, dict) or not days:
        return
    rows = [{"device_id": device_id, "local_day": date.fromisoformat(day), "count": n} for day, n in days.items()]
    stmt = upsert(conn, tap_discards)
    conn.execute(stmt.on_conflict_do_update(index_elements=["device_id", "local_day"],
                                            set_={"count": stmt.excluded["count"]}), rows)


@dataclass(frozen=True, slots=True)
class FleetRow:
    id: str
    name: str
    office: str
    agency_id: str
    enrolled_at: datetime
    revoked: bool
    last_seen_at: datetime | None
    heartbeat_at: datetime | None
    not_seen: bool
    version: str | None
    outbox_pending: int | None
    outbox_failed: int | None
    printer_state: str | None
    paper_state: str | None
    disk_free_mb: int | None
    records: int
    # The kiosk's clock minus the server's when its newest heartbeat arrived (seconds; None if unknown).
    clock_skew_s: float | None = None
    # The kinds of its open fleet incidents, worst first (fleet_alerts.py; docs/fleet.md).
    incidents: tuple[str, ...] = ()


def _heartbeat_field(heartbeat: str | None, key: str) -> Any:
    """A field of the newest heartbeat body (kept whole, so a new field needs no column)."""
    if not heartbeat:
        return None
    try:
        return json.loads(heartbeat).get(key)
    except (ValueError, AttributeError):
        return None


def _skew(heartbeat: str | None, received: datetime | None) -> float | None:
    reported = _heartbeat_field(heartbeat, "at")
    if received is None or not isinstance(reported, str):
        return None
    try:
        return round((datetime.fromisoformat(reported) - received).total_seconds(), 1)
    except (ValueError, TypeError, OverflowError):
        return None  # a heartbeat stored before its time was checked


def fleet(engine: Engine, *, stale_after: timedelta = timedelta(hours=2)) -> list[FleetRow]:
    cutoff = now() - stale_after
    counts = sa.select(records.c.device_id, sa.func.count().label("n")).group_by(records.c.device_id).subquery()
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(devices, sa.func.coalesce(counts.c.n, 0).label("n"))
            .select_from(devices.outerjoin(counts, counts.c.device_id == devices.c.id))
            .order_by(devices.c.office, devices.c.name)
        ).all()
        open_kinds: dict[str, list[str]] = {}
        for r in conn.execute(sa.select(fleet_incidents.c.device_id, fleet_incidents.c.kind)
                              .where(fleet_incidents.c.resolved_at.is_(None))):
            open_kinds.setdefault(r.device_id, []).append(r.kind)
    return [
        FleetRow(
            id=r.id,
            name=r.name,
            office=r.office,
            agency_id=r.agency_id,
            enrolled_at=r.enrolled_at,
            revoked=r.revoked_at is not None,
            last_seen_at=r.last_seen_at,
            heartbeat_at=r.heartbeat_at,
            not_seen=r.revoked_at is None and (r.last_seen_at is None or r.last_seen_at < cutoff),
            version=r.version,
            outbox_pending=r.outbox_pending,
            outbox_failed=r.outbox_failed,
            printer_state=r.printer_state,
            paper_state=r.paper_state,
            disk_free_mb=_heartbeat_field(r.heartbeat, "disk_free_mb"),
            records=r.n,
            clock_skew_s=_skew(r.heartbeat, r.heartbeat_at),
            incidents=tuple(sorted(open_kinds.get(r.id, ()), key=_incident_rank)),
        )
        for r in rows
    ]


def _incident_rank(kind: str) -> int:
    # Imported here: the fleet rules are not needed to serve kiosks, only to list them.
    from .fleet_health import RANK

    return RANK.get(kind, len(RANK))
