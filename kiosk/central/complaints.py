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
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.workflow import STATUS_LABELS, TERMINAL, Status, WorkCalendar, check_transition, is_overdue, next_deadline
from ..errors import KioskError, NotFound
from . import access, audit, errors, notify, workdays
from .access import Staff
from .db import catalog_versions, complaint_events, complaints, now, reader
from .pii import find_personal_data
from .settings import Settings


class ActionRefused(KioskError):
    """A back-office action that cannot be taken: the workflow, the role or the input says no.

    ``message`` is an English msgid with ``{named}`` params (pages translate it); ``field`` names the
    form field at fault, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(message.format(**params) if params else message)


class NotAllowed(ActionRefused):
    """The staff member's role may not take this action (the complaint itself is visible to them)."""


class PersonalDataInAnswer(ActionRefused):
    """The public answer holds what looks like a NIK, phone number or e-mail; confirm to save anyway."""

    def __init__(self, findings: list) -> None:
        self.findings = tuple(findings)
        super().__init__(
            MSG_PERSONAL_DATA,
            field="text",
            kinds=", ".join(sorted({f.kind for f in findings})),
        )


MSG_PERSONAL_DATA = "The answer seems to contain personal data ({kinds}). Remove it, or confirm that it may be published."
MSG_NO_COMPLAINT = "No complaint with the code {code} was found."
MSG_NEED_TEXT = "Write the answer to the citizen."
MSG_NEED_AGENCY = "Choose the agency to forward to."
MSG_UNKNOWN_AGENCY = "The agency {agency} is not in the catalog."
MSG_NEED_REASON = "Write the reason."
MSG_NEED_WHERE = "Write where the citizen should go instead."
MSG_NOT_FROM_STATUS = "This action is not possible while the complaint is \"{status}\"."
MSG_FINAL = "The complaint is \"{status}\", which is final: it cannot change any more."
MSG_ROLE = "Your role may not do this."
MSG_UNKNOWN_ACTION = "Unknown action {action}."
MSG_BULK_ONLY = "Only forward and close can be done for several complaints at once."
TEXT_LIMIT = 5000
NOTE_LIMIT = 2000


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
    # The citizen says the answer did not solve it: back to the agency that answered (DOMAIN.md:
    # "a citizen's reply to a follow-up sends the report back to the agency").
    "reopen": Status.FORWARDED,
}

# Button labels (msgids), in the order the detail page offers them.
ACTION_LABELS: dict[str, str] = {
    "verify": "Verify",
    "forward": "Forward to an agency",
    "hold": "Put on hold",
    "not-authority": "Not our authority",
    "respond": "Answer the citizen",
    "close": "Close",
    "reopen": "Reopen",
}

BULK_ACTIONS = ("forward", "close")


@dataclass(frozen=True, slots=True)
class ActionResult:
    tracking_code: str
    status: str
    events: tuple[str, ...]
    notified: bool = False


def _steps(action: str, status: str, *, answered: bool) -> list[Status]:
    """The statuses ``action`` passes through from ``status``; ActionRefused when the workflow says no."""
    target = ACTIONS[action]
    if action == "reopen":
        # A closed complaint is final in the workflow, except that the citizen may reopen an *answered*
        # one; the desk does it for them (or citizen.request_reopen). Never a "not our authority".
        if status == Status.FOLLOWED_UP.value or (status == Status.CLOSED.value and answered):
            return [target]
        raise ActionRefused(MSG_NOT_FROM_STATUS, status=status)
    if status in {s.value for s in TERMINAL}:
        raise ActionRefused(MSG_FINAL, status=status)
    steps = [target]
    if action == "forward" and status == Status.SENT.value:
        steps = [Status.VERIFIED, Status.FORWARDED]  # forwarding verifies on the way
    current = status
    try:
        for step in steps:
            check_transition(current, step)
            current = step.value
    except InvalidTransition:
        raise ActionRefused(MSG_NOT_FROM_STATUS, status=status) from None
    return steps


def allowed_actions(staff: Staff, status: str, *, answered: bool) -> list[str]:
    """The actions the detail page offers this person for a complaint in ``status``."""
    out = []
    for action in ACTION_LABELS:
        if not access.can_act(staff, action):
            continue
        try:
            _steps(action, status, answered=answered)
        except ActionRefused:
            continue
        out.append(action)
    return out


def agency_ids(conn: sa.Connection) -> dict[str, tuple[str, str]]:
    """Agencies of the newest catalog: id -> (name, English name)."""
    return NAMES.agencies(conn)


def _clean(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] if value else None


def _row(conn: sa.Connection, staff: Staff, code_text: str, *, for_update: bool = False):
    """The complaint, if this person may see it; NotFound otherwise (the same answer as a wrong code)."""
    try:
        code = tracking.parse(code_text)
    except ValidationError:
        raise NotFound(MSG_NO_COMPLAINT, code=str(code_text)[:40]) from None
    q = sa.select(complaints).where(complaints.c.tracking_code == code)
    if for_update and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None or not access.can_see_complaint(
        staff, handling_agency_id=row.handling_agency_id, forwarded=row.forwarded_at is not None
    ):
        raise NotFound(MSG_NO_COMPLAINT, code=tracking.display(code))
    return row


def apply_action(
    conn: sa.Connection,
    row: Any,
    action: str,
    *,
    by: audit.Actor,
    settings: Settings,
    at: datetime,
    agency_id: str | None = None,
    text: str | None = None,
    note: str | None = None,
    internal_note: str | None = None,
    confirmed: bool = False,
    source: str = "staff",
) -> ActionResult:
    """Move one complaint (``row``: a full complaints row read in this transaction) and record it all.

    The caller has decided that ``by`` may do this (access.py, or the citizen's signed form); here the
    workflow, the input, the deadline, the event, the audit row and the e-mail are handled together,
    so every writer of complaint statuses behaves the same.
    """
    if action not in ACTIONS:
        raise ActionRefused(MSG_UNKNOWN_ACTION, action=str(action)[:40])
    text, note, internal_note = _clean(text, TEXT_LIMIT), _clean(note, NOTE_LIMIT), _clean(internal_note, NOTE_LIMIT)
    steps = _steps(action, row.status, answered=row.response is not None)
    detail: dict[str, Any] = {"action": action, "from": row.status, "to": steps[-1].value, "by": source}
    values: dict[str, Any] = {}
    if action == "forward":
        agency_id = (agency_id or "").strip()
        if not agency_id:
            raise ActionRefused(MSG_NEED_AGENCY, field="agency_id")
        names = agency_ids(conn)
        if agency_id not in names:
            raise ActionRefused(MSG_UNKNOWN_AGENCY, field="agency_id", agency=agency_id[:64])
        values.update(handling_agency_id=agency_id, forwarded_at=at)
        detail["agency"] = agency_id
        note = note or f"-> {names[agency_id][0] or agency_id}"
    elif action == "respond":
        if not text:
            raise ActionRefused(MSG_NEED_TEXT, field="text")
        findings = find_personal_data(text)
        if findings and not confirmed:
            raise PersonalDataInAnswer(findings)
        if findings:
            detail["personal_data_confirmed"] = sorted({f.kind for f in findings})
        values.update(response=text, response_at=at)
    elif action == "hold" and not note:
        raise ActionRefused(MSG_NEED_REASON, field="note")
    elif action == "not-authority" and not note:
        raise ActionRefused(MSG_NEED_WHERE, field="note")
    elif action == "reopen":
        values.update(reopened_count=row.reopened_count + 1, closed_at=None)
    new = steps[-1]
    values.update(status=new.value, status_at=at)
    if Status.VERIFIED in steps:
        values["verified_at"] = at
    if new in (Status.CLOSED, Status.NOT_AUTHORITY):
        values["closed_at"] = at
    tz = settings.tz
    cal = workdays.calendar(settings, workdays.local_day(at, tz))
    due = workdays.due_on(new, at, row.received_at, cal, tz)
    values["due_on"] = due
    if due is None or due >= workdays.local_day(at, tz):
        values["overdue_at"] = None  # in time again: tick marks it afresh when the new day passes
    elif row.overdue_at is None:
        values["overdue_at"] = at
    lock_events(conn)
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
                "internal_note": internal_note if step is steps[-1] else None,
                "actor": by.username[:100],
                "user_id": by.user_id,
            }
            for step in steps
        ],
    )
    audit.record(conn, by, audit.COMPLAINT_ACTION, complaint_uuid=row.uuid,
                 target=tracking.display(row.tracking_code), detail=detail, at=at)
    notified = False
    if new is Status.FORWARDED and action == "forward":
        notified = notify.enqueue(conn, row.uuid, notify.FORWARDED, at)
    elif new is Status.FOLLOWED_UP:
        notified = notify.enqueue(conn, row.uuid, notify.ANSWERED, at)
    return ActionResult(tracking.display(row.tracking_code), new.value, tuple(s.value for s in steps), notified)


def act(
    engine: Engine,
    code_text: str,
    action: str,
    *,
    by: audit.Actor,
    staff: Staff,
    settings: Settings,
    agency_id: str | None = None,
    text: str | None = None,
    note: str | None = None,
    internal_note: str | None = None,
    confirmed: bool = False,
    now_at: datetime | None = None,
) -> ActionResult:
    """One workflow action by a staff member (web page or CLI), checked by access.py.

    NotFound for a complaint this person may not see (officers: not forwarded to their agency), the
    same answer as for a code that does not exist, so codes cannot be probed; NotAllowed when the role
    may not take the action; ActionRefused (PersonalDataInAnswer) for what the workflow or input refuses.
    """
    if action not in ACTIONS:
        raise ActionRefused(MSG_UNKNOWN_ACTION, action=str(action)[:40])
    at = now_at or now()
    with engine.begin() as conn:
        lock_events(conn)  # before the read: two desks acting at once see each other's result
        row = _row(conn, staff, code_text, for_update=True)
        if not access.can_act(staff, action):
            raise NotAllowed(MSG_ROLE)
        return apply_action(conn, row, action, by=by, settings=settings, at=at, agency_id=agency_id,
                            text=text, note=note, internal_note=internal_note, confirmed=confirmed)


@dataclass(frozen=True, slots=True)
class BulkResult:
    done: tuple[ActionResult, ...]
    failed: tuple[tuple[str, KioskError], ...]  # (code as given, why)


def act_many(
    engine: Engine,
    codes: list[str] | tuple[str, ...],
    action: str,
    *,
    by: audit.Actor,
    staff: Staff,
    settings: Settings,
    agency_id: str | None = None,
    note: str | None = None,
    internal_note: str | None = None,
) -> BulkResult:
    """Forward or close several complaints; each one in its own transaction, so one refusal (a status
    that does not allow it, a code not visible) leaves the others done and is reported by code."""
    if action not in BULK_ACTIONS:
        raise ActionRefused(MSG_BULK_ONLY)
    if not access.can_act(staff, action):
        raise NotAllowed(MSG_ROLE)
    if action == "forward":
        with reader(engine) as conn:
            if not (agency_id or "").strip():
                raise ActionRefused(MSG_NEED_AGENCY, field="agency_id")
            if agency_id.strip() not in agency_ids(conn):  # type: ignore[union-attr]
                raise ActionRefused(MSG_UNKNOWN_AGENCY, field="agency_id", agency=agency_id[:64])  # type: ignore[index]
    done: list[ActionResult] = []
    failed: list[tuple[str, KioskError]] = []
    for code in dict.fromkeys(codes):  # once each, in the order given
        try:
            done.append(act(engine, code, action, by=by, staff=staff, settings=settings, agency_id=agency_id,
                            note=note, internal_note=internal_note))
        except (NotFound, ActionRefused) as exc:
            failed.append((code, exc))
    return BulkResult(tuple(done), tuple(failed))


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
    """Agency and service names from the newest catalog, cached by database and catalog version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int | None] | None = None
        self._names: dict[str, tuple[str, str]] = {}
        self._agencies: dict[str, tuple[str, str]] = {}

    def _refresh(self, conn: sa.Connection) -> None:
        latest = conn.scalar(sa.select(sa.func.max(catalog_versions.c.id)))
        key = (str(conn.engine.url), latest)
        with self._lock:
            if key == self._key:
                return
        names: dict[str, tuple[str, str]] = {}
        agencies: dict[str, tuple[str, str]] = {}
        if latest is not None:
            doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc).where(catalog_versions.c.id == latest)))
            for item in doc.get("agencies", []):
                agencies[item["id"]] = (item.get("name", ""), item.get("name_en", ""))
            names.update(agencies)
            for item in doc.get("services", []):
                names[item["id"]] = (item.get("name", ""), item.get("name_en", ""))
        with self._lock:
            self._key, self._names, self._agencies = key, names, agencies

    def agencies(self, conn: sa.Connection) -> dict[str, tuple[str, str]]:
        self._refresh(conn)
        return self._agencies

    def get(self, conn: sa.Connection, ident: str | None) -> tuple[str, str] | None:
        if not ident:
            return None
        self._refresh(conn)
        return self._names.get(ident)


NAMES = _CatalogNames()


def _citizen_replied(answered_at: datetime, rated_at: datetime | None, reopen_at: datetime | None) -> bool:
    """The citizen rated, or asked to reopen, after the current answer (the tick's rule, in Python)."""
    return any(at is not None and at >= answered_at for at in (rated_at, reopen_at))


def public_view(engine: Engine, code: str, *, calendar: WorkCalendar, tz) -> dict[str, Any] | None:
    """The complaint as the holder of its code may see it: never the reporter's identity.

    This is the full view an enrolled kiosk gets; the public page and the tokenless JSON pass it through
    ``citizen.without_confidential_text`` first (a "rahasia" report's text is not public).
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
                complaints.c.citizen_rated_at,
                complaints.c.reopen_requested_at,
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
    if c.status == Status.FOLLOWED_UP.value and _citizen_replied(c.status_at, c.citizen_rated_at, c.reopen_requested_at):
        # "Closed automatically if you do not reply" is no longer true once the citizen has replied to
        # this answer: the deadline job leaves such a report to the desk (tick._auto_close_condition).
        deadline = None
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
