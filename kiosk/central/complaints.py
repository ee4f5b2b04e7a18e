"""Complaints on the server: the back office's actions, what a kiosk pulls, what the public page shows.

Statuses move only along ``kiosk.domain.workflow``; each move is a ``complaint_events`` row whose id is
the kiosks' pull cursor. Writers of that table take one lock (an advisory lock on PostgreSQL; SQLite
writers are serialised anyway), so ids become visible in id order and a kiosk reading "everything
after 41" can never miss an event 40 that commits late.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.errors import InvalidTransition
from ..domain.workflow import STATUS_LABELS, Status, WorkCalendar, check_transition, is_overdue, next_deadline
from ..errors import KioskError, NotFound
from . import errors
from .db import catalog_versions, complaint_events, complaints, now, reader


class ActionRefused(KioskError):
    """A back-office action the workflow does not allow from the complaint's current status."""


def lock_events(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(740004)")


# --- back office -----------------------------------------------------------------------------------

ACTIONS: dict[str, Status] = {
    "verify": Status.VERIFIED,
    "forward": Status.FORWARDED,
    "respond": Status.FOLLOWED_UP,
    "close": Status.CLOSED,
    "not-authority": Status.NOT_AUTHORITY,
    "hold": Status.ON_HOLD,
}


@dataclass(frozen=True, slots=True)
class ActionResult:
    tracking_code: str
    status: str
    events: tuple[str, ...]


def act(
    engine: Engine,
    code_text: str,
    action: str,
    *,
    agency_id: str | None = None,
    text: str | None = None,
    note: str | None = None,
    actor: str = "back-office",
) -> ActionResult:
    """Move a complaint one step (``forward`` from SENT verifies it on the way)."""
    code = tracking.parse(code_text)
    target = ACTIONS[action]
    if action == "respond" and not (text and text.strip()):
        raise ActionRefused("respond needs the text of the response")
    if action == "forward" and not (agency_id and agency_id.strip()):
        raise ActionRefused("forward needs the agency to forward to")
    at = now()
    with engine.begin() as conn:
        lock_events(conn)
        row = conn.execute(
            sa.select(complaints.c.uuid, complaints.c.device_id, complaints.c.status).where(
                complaints.c.tracking_code == code
            )
        ).first()
        if row is None:
            raise NotFound("No complaint with the code {code} was filed at this kiosk.", code=tracking.display(code))
        steps = [target]
        if action == "forward" and row.status == Status.SENT.value:
            steps = [Status.VERIFIED, Status.FORWARDED]
        current = row.status
        try:
            for step in steps:
                check_transition(current, step)
                current = step.value
        except InvalidTransition as exc:
            raise ActionRefused(f"{tracking.display(code)}: {exc}") from None
        values: dict[str, Any] = {"status": current, "status_at": at}
        if Status.VERIFIED in steps:
            values["verified_at"] = at
        if action == "forward":
            values["handling_agency_id"] = agency_id.strip()  # type: ignore[union-attr]
            note = note or f"-> {agency_id.strip()}"  # type: ignore[union-attr]
        if action == "respond":
            values["response"] = text.strip()  # type: ignore[union-attr]
            values["response_at"] = at
        if target in (Status.CLOSED, Status.NOT_AUTHORITY):
            values["closed_at"] = at
        conn.execute(complaints.update().where(complaints.c.uuid == row.uuid).values(**values))
        conn.execute(
            complaint_events.insert(),
            [
                {
                    "complaint_uuid": row.uuid,
                    "device_id": row.device_id,
                    "status": step.value,
                    "at": at,
                    "note": note if step is steps[-1] else None,
                    "actor": actor[:100],
                }
                for step in steps
            ],
        )
    return ActionResult(tracking.display(code), current, tuple(s.value for s in steps))


@dataclass(frozen=True, slots=True)
class ListedComplaint:
    tracking_code: str
    created_at: datetime
    received_at: datetime
    complaint_class: str
    topic: str
    privacy: str
    agency_id: str | None
    handling_agency_id: str | None
    status: str
    status_at: datetime
    due: date | None
    overdue: bool
    device_id: str


def list_complaints(
    engine: Engine,
    *,
    calendar: WorkCalendar,
    tz,
    status: str | None = None,
    agency_id: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
    limit: int = 1000,
) -> list[ListedComplaint]:
    if status is not None:
        Status(status)  # ValueError for a typo, caught by the CLI
    q = sa.select(
        complaints.c.tracking_code,
        complaints.c.created_at,
        complaints.c.received_at,
        complaints.c["class"],
        complaints.c.topic,
        complaints.c.privacy,
        complaints.c.agency_id,
        complaints.c.handling_agency_id,
        complaints.c.status,
        complaints.c.status_at,
        complaints.c.device_id,
    ).order_by(complaints.c.received_at, complaints.c.tracking_code)
    if status is not None:
        q = q.where(complaints.c.status == status)
    if agency_id is not None:
        q = q.where(sa.or_(complaints.c.agency_id == agency_id, complaints.c.handling_agency_id == agency_id))
    if overdue_only:
        q = q.where(complaints.c.status.in_([s.value for s in (Status.SENT, Status.VERIFIED, Status.FORWARDED, Status.FOLLOWED_UP)]))
    today = today or now().astimezone(tz).date()
    out = []
    with reader(engine) as conn:
        for r in conn.execute(q):
            local = r.status_at.astimezone(tz).date()
            sent_on = r.received_at.astimezone(tz).date()
            deadline = next_deadline(r.status, local, calendar, sent_on=sent_on)
            late = is_overdue(r.status, local, today, calendar, sent_on=sent_on)
            if overdue_only and not late:
                continue
            out.append(
                ListedComplaint(
                    tracking.display(r.tracking_code), r.created_at, r.received_at, r[3], r.topic, r.privacy,
                    r.agency_id, r.handling_agency_id, r.status, r.status_at,
                    deadline.due if deadline else None, late, r.device_id,
                )
            )
            if len(out) >= limit:
                break
    return out


# --- what kiosks pull ------------------------------------------------------------------------------


def parse_event_cursor(since: str | None) -> int:
    if since in (None, ""):
        return 0
    if not since.isdigit() or len(since) > 15:  # type: ignore[union-attr]
        raise errors.Problem(errors.BAD_CURSOR, {"cursor": str(since)[:40]})
    return int(since)  # type: ignore[arg-type]


def updates_for_device(engine: Engine, device_id: str, since: str | None, limit: int) -> dict[str, Any]:
    after = parse_event_cursor(since)
    with reader(engine) as conn:
        events = conn.execute(
            sa.select(
                complaint_events.c.id,
                complaint_events.c.complaint_uuid,
                complaint_events.c.status,
                complaint_events.c.at,
                complaint_events.c.note,
            )
            .where(complaint_events.c.device_id == device_id, complaint_events.c.id > after)
            .order_by(complaint_events.c.id)
            .limit(limit + 1)
        ).all()
        more = len(events) > limit
        events = events[:limit]
        uuids = sorted({e.complaint_uuid for e in events})
        current = {
            r.uuid: r
            for r in conn.execute(
                sa.select(
                    complaints.c.uuid,
                    complaints.c.tracking_code,
                    complaints.c.status,
                    complaints.c.status_at,
                    complaints.c.response,
                    complaints.c.response_at,
                ).where(complaints.c.uuid.in_(uuids), complaints.c.device_id == device_id)
            )
        } if uuids else {}
    updates: dict[str, dict[str, Any]] = {}
    for e in events:
        c = current.get(e.complaint_uuid)
        if c is None:
            continue
        u = updates.setdefault(
            c.uuid,
            {
                "uuid": c.uuid,
                "tracking_code": c.tracking_code,
                "status": c.status,
                "status_at": _iso(c.status_at),
                "response": c.response,
                "response_at": _iso(c.response_at),
                "events": [],
            },
        )
        u["events"].append({"id": e.id, "status": e.status, "at": _iso(e.at), "note": e.note})
    cursor = str(events[-1].id) if events else str(after)
    return {"cursor": cursor, "more": more, "updates": list(updates.values())}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt is not None else None


# --- the public view -------------------------------------------------------------------------------


class _CatalogNames:
    """Agency and service names from the newest catalog, cached by catalog version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._id: int | None = None
        self._names: dict[str, tuple[str, str]] = {}

    def get(self, conn: sa.Connection, ident: str | None) -> tuple[str, str] | None:
        if not ident:
            return None
        latest = conn.scalar(sa.select(sa.func.max(catalog_versions.c.id)))
        with self._lock:
            if latest != self._id:
                names: dict[str, tuple[str, str]] = {}
                if latest is not None:
                    doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc).where(catalog_versions.c.id == latest)))
                    for item in [*doc.get("agencies", []), *doc.get("services", [])]:
                        names[item["id"]] = (item.get("name", ""), item.get("name_en", ""))
                self._id, self._names = latest, names
            return self._names.get(ident)


NAMES = _CatalogNames()


def public_view(engine: Engine, code: str, *, calendar: WorkCalendar, tz) -> dict[str, Any] | None:
    """What anyone holding the code may see: never the reporter's identity.

    The description is shown (also for "rahasia" reports) because the code is the secret: it is
    printed only on the citizen's receipt, never listed anywhere, and lookups are rate-limited.
    """
    with reader(engine) as conn:
        c = conn.execute(
            sa.select(
                complaints.c.uuid,
                complaints.c.tracking_code,
                complaints.c.created_at,
                complaints.c.received_at,
                complaints.c["class"],
                complaints.c.topic,
                complaints.c.privacy,
                complaints.c.agency_id,
                complaints.c.service_id,
                complaints.c.handling_agency_id,
                complaints.c.description,
                complaints.c.status,
                complaints.c.status_at,
                complaints.c.response,
                complaints.c.response_at,
            ).where(complaints.c.tracking_code == code)
        ).first()
        if c is None:
            return None
        events = conn.execute(
            sa.select(complaint_events.c.status, complaint_events.c.at, complaint_events.c.note)
            .where(complaint_events.c.complaint_uuid == c.uuid)
            .order_by(complaint_events.c.id)
        ).all()
        agency = NAMES.get(conn, c.handling_agency_id or c.agency_id)
        service = NAMES.get(conn, c.service_id)
    timeline = [
        {"status": Status.RECEIVED_AT_KIOSK.value, "at": _iso(c.created_at), "note": None},
        {"status": Status.SENT.value, "at": _iso(c.received_at), "note": None},
        *({"status": e.status, "at": _iso(e.at), "note": e.note} for e in events),
    ]
    local = c.status_at.astimezone(tz).date()
    deadline = next_deadline(c.status, local, calendar, sent_on=c.received_at.astimezone(tz).date())
    return {
        "tracking_code": tracking.display(c.tracking_code),
        "class": c[4],
        "topic": c.topic,
        "privacy": c.privacy,
        "agency_id": c.handling_agency_id or c.agency_id,
        "agency_name": agency[0] if agency else None,
        "agency_name_en": agency[1] if agency else None,
        "service_id": c.service_id,
        "service_name": service[0] if service else None,
        "service_name_en": service[1] if service else None,
        "description": c.description,
        "status": c.status,
        "status_label": STATUS_LABELS.get(Status(c.status), c.status),
        "status_at": _iso(c.status_at),
        "timeline": timeline,
        "response": c.response,
        "response_at": _iso(c.response_at),
        "next_deadline": (
            {"label": deadline.label, "due": deadline.due.isoformat()} if deadline is not None else None
        ),
    }
