"""The complaint inbox and the complaint's detail, as staff see them (queries; no HTTP here).

Who sees what is decided by access.py and applied *in SQL*: an officer's query only ever reads
complaints forwarded to one of their agencies, so a page of results, a count or a cursor cannot leak
another agency's complaint. The list is sorted by the day the next service level falls due, then by
tracking code, and paged by a keyset cursor on exactly that order (constant cost on any page).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.complaint import ComplaintClass, Privacy, Topic
from ..domain.errors import ValidationError
from ..domain.workflow import TERMINAL, Status
from ..errors import KioskError
from . import access, audit, notify, workdays
from .access import Staff
from .citizen import CITIZEN
from .complaints import NAMES, NotAllowed, _row, agency_ids, allowed_actions
from .db import complaint_events, complaints, devices, now, reader, staff_users
from .settings import Settings

IDENTITY_DENIED = audit.IDENTITY_DENIED  # audit action: a refused "Tampilkan identitas"

MSG_BAD_VALUE = "Unknown value \"{value}\" for {name}."
MSG_BAD_DATE = "Write the date as YYYY-MM-DD."
MSG_DATE_ORDER = "The end date is before the start date."
MSG_BAD_CURSOR = "This page link is no longer valid. Start again from the first page."
MSG_SEARCH_LONG = "Search for at most {limit} characters."
MSG_IDENTITY_DENIED = "The identity of this report cannot be shown to you."

OPEN = "open"  # status filter: every status with work left
SEARCH_LIMIT = 100
EXCERPT = 160


class BadFilter(KioskError):
    """A filter value the inbox does not understand; the page answers 400 with this message."""

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(message.format(**params) if params else message)


# --- the filter --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxFilter:
    status: str | None = None  # a Status value or OPEN
    agency: str | None = None  # the handling agency
    klass: str | None = None
    topic: str | None = None
    privacy: str | None = None
    device: str | None = None
    office: str | None = None
    date_from: date | None = None  # received at the server, office days, inclusive
    date_to: date | None = None
    overdue: bool = False
    q: str | None = None
    cursor: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> InboxFilter:
        """From the page's query string; BadFilter names the field of the first bad value."""

        def get(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value or None

        def choice(name: str, allowed: set[str]) -> str | None:
            value = get(name)
            if value is not None and value not in allowed:
                raise BadFilter(MSG_BAD_VALUE, field=name, value=value[:40], name=name)
            return value

        def day(name: str) -> date | None:
            value = get(name)
            if value is None:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise BadFilter(MSG_BAD_DATE, field=name) from None

        def slug(name: str) -> str | None:
            value = get(name)
            if value is not None and (len(value) > 64 or not all(c.isalnum() or c in "-_" for c in value)):
                raise BadFilter(MSG_BAD_VALUE, field=name, value=value[:40], name=name)
            return value

        q = get("q")
        if q is not None and len(q) > SEARCH_LIMIT:
            raise BadFilter(MSG_SEARCH_LONG, field="q", limit=SEARCH_LIMIT)
        office = get("office")
        if office is not None and len(office) > 200:
            raise BadFilter(MSG_BAD_VALUE, field="office", value=office[:40], name="office")
        overdue = choice("overdue", {"0", "1"})
        filt = cls(
            status=choice("status", {s.value for s in Status} | {OPEN}),
            agency=slug("agency"),
            klass=choice("klass", {c.value for c in ComplaintClass}),
            topic=choice("topic", {t.value for t in Topic}),
            privacy=choice("privacy", {p.value for p in Privacy}),
            device=slug("device"),
            office=office,
            date_from=day("from"),
            date_to=day("to"),
            overdue=overdue == "1",
            q=q,
            cursor=get("cursor"),
        )
        if filt.date_from and filt.date_to and filt.date_to < filt.date_from:
            raise BadFilter(MSG_DATE_ORDER, field="to")
        if filt.cursor is not None:
            _decode_cursor(filt.cursor)
        return filt

    def params(self, **changes: Any) -> dict[str, str]:
        """Back to query parameters (for links: the next page, a filter removed)."""
        values = {
            "status": self.status, "agency": self.agency, "klass": self.klass, "topic": self.topic,
            "privacy": self.privacy, "device": self.device, "office": self.office,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "overdue": "1" if self.overdue else None, "q": self.q, "cursor": self.cursor,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


# --- the cursor --------------------------------------------------------------------------------------
# Rows with a due day come first, by (due_on, tracking_code); then the rows with no clock running
# (on hold, closed), by tracking_code. The cursor names the last row shown and which of the two runs it
# was in. It is not secret (it holds a due day and a tracking code the reader has just seen) but it is
# validated strictly, and it can never widen what the SQL scope lets this reader see.


def _encode_cursor(due: date | None, code: str) -> str:
    raw = json.dumps(["d" if due else "n", due.isoformat() if due else None, code], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[date | None, str]:
    try:
        if len(text) > 120:
            raise ValueError
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        phase, due, code = json.loads(raw)
        if phase == "d":
            day: date | None = date.fromisoformat(due)
        elif phase == "n" and due is None:
            day = None
        else:
            raise ValueError
        if tracking.parse(code) != code:
            raise ValueError
        return day, code
    except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError):
        raise BadFilter(MSG_BAD_CURSOR, field="cursor") from None


# --- the list ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxRow:
    tracking_code: str  # display form, as in URLs
    received_at: datetime
    complaint_class: str
    topic: str
    privacy: str
    status: str
    handling_agency_id: str | None
    agency_name: str | None
    office: str | None
    due_on: date | None
    days_left: int | None  # working days; negative when late; None when no clock runs
    excerpt: str
    reopened_count: int

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass(frozen=True, slots=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None
    today: date
    filt: InboxFilter = field(default_factory=InboxFilter)


def _scope(q: sa.Select, staff: Staff) -> sa.Select:
    """access.can_see_complaint, as SQL."""
    if not access.can_read_complaints(staff):
        return q.where(sa.false())
    if staff.sees_all_agencies:
        return q
    if not staff.agencies:
        return q.where(sa.false())
    return q.where(complaints.c.handling_agency_id.in_(sorted(staff.agencies)), complaints.c.forwarded_at.is_not(None))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def inbox(engine: Engine, staff: Staff, filt: InboxFilter, *, settings: Settings, limit: int = 50,
          today: date | None = None) -> InboxPage:
    today = today or workdays.local_day(now(), settings.tz)
    cols = [
        complaints.c.tracking_code, complaints.c.received_at, complaints.c["class"], complaints.c.topic,
        complaints.c.privacy, complaints.c.status, complaints.c.handling_agency_id, complaints.c.due_on,
        sa.func.substr(complaints.c.description, 1, EXCERPT + 1).label("excerpt"),
        complaints.c.reopened_count, devices.c.office,
    ]
    base = sa.select(*cols).select_from(complaints.outerjoin(devices, devices.c.id == complaints.c.device_id))
    base = _scope(base, staff)
    if filt.status == OPEN:
        base = base.where(complaints.c.status.not_in([s.value for s in TERMINAL]))
    elif filt.status:
        base = base.where(complaints.c.status == filt.status)
    if filt.agency:
        base = base.where(complaints.c.handling_agency_id == filt.agency)
    if filt.klass:
        base = base.where(complaints.c["class"] == filt.klass)
    if filt.topic:
        base = base.where(complaints.c.topic == filt.topic)
    if filt.privacy:
        base = base.where(complaints.c.privacy == filt.privacy)
    if filt.device:
        base = base.where(complaints.c.device_id == filt.device)
    if filt.office:
        base = base.where(devices.c.office == filt.office)
    if filt.date_from:
        base = base.where(complaints.c.received_at >= workdays.day_start(filt.date_from, settings.tz))
    if filt.date_to:
        base = base.where(complaints.c.received_at < workdays.day_start(filt.date_to + timedelta(days=1), settings.tz))
    if filt.overdue:
        base = base.where(complaints.c.due_on < today)
    if filt.q:
        base = base.where(complaints.c.description.ilike(_like(filt.q), escape="\\"))

    after_due, after_code = _decode_cursor(filt.cursor) if filt.cursor else (None, None)
    dated_phase = filt.cursor is None or after_due is not None
    rows: list[Any] = []
    with reader(engine) as conn:
        if dated_phase:
            q = base.where(complaints.c.due_on.is_not(None))
            if after_due is not None:
                q = q.where(sa.tuple_(complaints.c.due_on, complaints.c.tracking_code) > sa.tuple_(
                    sa.literal(after_due, sa.Date), sa.literal(after_code)))
            rows = list(conn.execute(q.order_by(complaints.c.due_on, complaints.c.tracking_code).limit(limit + 1)))
        if len(rows) <= limit and not filt.overdue:
            q = base.where(complaints.c.due_on.is_(None))
            if not dated_phase:
                q = q.where(complaints.c.tracking_code > after_code)
            rows += list(conn.execute(q.order_by(complaints.c.tracking_code).limit(limit + 1 - len(rows))))
        names = NAMES.agencies(conn)
    more = len(rows) > limit
    rows = rows[:limit]
    cal = workdays.calendar(settings, today)
    out = []
    for r in rows:
        name = names.get(r.handling_agency_id) if r.handling_agency_id else None
        excerpt = r.excerpt if len(r.excerpt) <= EXCERPT else r.excerpt[:EXCERPT].rstrip() + "…"
        out.append(InboxRow(
            tracking.display(r.tracking_code), r.received_at, r[2], r.topic, r.privacy, r.status,
            r.handling_agency_id, name[0] if name else None, r.office, r.due_on,
            workdays.working_days_left(r.due_on, today, cal) if r.due_on else None,
            excerpt, r.reopened_count,
        ))
    next_cursor = _encode_cursor(rows[-1].due_on, rows[-1].tracking_code) if more and rows else None
    return InboxPage(out, next_cursor, today, filt)


@dataclass(frozen=True, slots=True)
class FilterChoices:
    agencies: list[tuple[str, str, str]]  # id, name, English name
    offices: list[str]
    devices: list[tuple[str, str]]  # id, name


def filter_choices(engine: Engine, staff: Staff) -> FilterChoices:
    """What the filter form offers: an officer is offered only their own agencies."""
    with reader(engine) as conn:
        names = agency_ids(conn)
        offices = list(conn.scalars(sa.select(devices.c.office).distinct().order_by(devices.c.office)))
        devs = [(r.id, r.name) for r in conn.execute(sa.select(devices.c.id, devices.c.name).order_by(devices.c.name))]
    ids = sorted(names) if staff.sees_all_agencies else sorted(a for a in staff.agencies if a in names)
    return FilterChoices([(i, names[i][0], names[i][1]) for i in ids], offices, devs)


# --- one complaint -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    status: str
    at: datetime
    note: str | None
    internal_note: str | None
    username: str | None  # the staff account; None for the kiosk's and the server's own steps
    display_name: str | None


@dataclass(frozen=True, slots=True)
class ComplaintDetail:
    tracking_code: str
    uuid: str
    status: str
    status_at: datetime
    created_at: datetime
    received_at: datetime
    complaint_class: str
    topic: str
    privacy: str
    description: str
    incident_date: str | None
    agency_id: str | None
    agency_name: str | None
    handling_agency_id: str | None
    handling_agency_name: str | None
    service_id: str | None
    service_name: str | None
    standard_part: str | None
    device_id: str
    kiosk_name: str | None
    office: str | None
    due_on: date | None
    days_left: int | None
    response: str | None
    response_at: datetime | None
    citizen_rating: int | None
    citizen_comment: str | None
    citizen_rated_at: datetime | None
    reopen_requested_at: datetime | None
    reopened_count: int
    timeline: list[TimelineEntry]
    actions: list[str]  # what this reader may do now (complaints.ACTION_LABELS keys)
    identity_allowed: bool  # the "Tampilkan identitas" button is offered
    notifications: list[Any]  # notify.NotificationRow, oldest first (status, attempts, last error; no address)
    # The reason the citizen gave with the latest reopen request (citizen.request_reopen keeps it as the
    # internal note of its event: staff only, it may name people); None when never asked.
    reopen_reason: str | None = None
    # The catalog's English names, for a page in English ("" or None when the catalog has none).
    agency_name_en: str | None = None
    handling_agency_name_en: str | None = None
    service_name_en: str | None = None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def detail(engine: Engine, staff: Staff, code: str, *, settings: Settings | None = None,
           today: date | None = None) -> ComplaintDetail:
    """NotFound for a complaint this person may not see, exactly as for a code that does not exist."""
    settings = settings or Settings()
    today = today or workdays.local_day(now(), settings.tz)
    with reader(engine) as conn:
        c = _row(conn, staff, code)
        dev = conn.execute(sa.select(devices.c.name, devices.c.office).where(devices.c.id == c.device_id)).first()
        events = conn.execute(
            sa.select(complaint_events.c.status, complaint_events.c.at, complaint_events.c.note,
                      complaint_events.c.internal_note, complaint_events.c.actor,
                      staff_users.c.username, staff_users.c.display_name)
            .select_from(complaint_events.outerjoin(staff_users, staff_users.c.id == complaint_events.c.user_id))
            .where(complaint_events.c.complaint_uuid == c.uuid)
            .order_by(complaint_events.c.id)
        ).all()
        agency = NAMES.get(conn, c.agency_id)
        handling = NAMES.get(conn, c.handling_agency_id)
        service = NAMES.get(conn, c.service_id)
    timeline = [
        TimelineEntry(Status.RECEIVED_AT_KIOSK.value, c.created_at, None, None, None, None),
        TimelineEntry(Status.SENT.value, c.received_at, None, None, None, None),
        *(TimelineEntry(e.status, e.at, e.note, e.internal_note, e.username or e.actor, e.display_name) for e in events),
    ]
    days_left = None
    if c.due_on is not None:
        days_left = workdays.working_days_left(c.due_on, today, workdays.calendar(settings, today))
    notifications = notify.for_complaint(engine, c.uuid)
    reopen_reason = next((e.internal_note for e in reversed(events)
                          if e.actor == CITIZEN.username and e.status == Status.FORWARDED.value), None)
    return ComplaintDetail(
        tracking.display(c.tracking_code), c.uuid, c.status, c.status_at, c.created_at, c.received_at,
        c._mapping["class"], c.topic, c.privacy, c.description,
        c.incident_date, c.agency_id, agency[0] if agency else None, c.handling_agency_id,
        handling[0] if handling else None, c.service_id, service[0] if service else None, c.standard_part,
        c.device_id, dev.name if dev else None, dev.office if dev else None, c.due_on, days_left,
        c.response, c.response_at, c.citizen_rating, c.citizen_comment, c.citizen_rated_at,
        c.reopen_requested_at, c.reopened_count, timeline,
        allowed_actions(staff, c.status, answered=c.response is not None),
        access.can_view_identity(staff, privacy=c.privacy), notifications, reopen_reason,
        agency[1] if agency else None, handling[1] if handling else None, service[1] if service else None,
    )


@dataclass(frozen=True, slots=True)
class Identity:
    name: str | None
    nik: str | None
    phone: str | None
    email: str | None

    def __repr__(self) -> str:  # never in a log or a traceback
        return "Identity(<hidden>)"


class IdentityDenied(NotAllowed):
    """anonim reports and viewers: refused, and the refusal is an audit row as well."""


def show_identity(engine: Engine, staff: Staff, code: str, by: audit.Actor) -> Identity:
    """The reporter's identity, recorded in the audit log in the same transaction as the read."""
    with engine.begin() as conn:
        c = _row(conn, staff, code)
        allowed = access.can_view_identity(staff, privacy=c.privacy)
        if allowed:
            audit.record(conn, by, audit.IDENTITY_VIEWED, complaint_uuid=c.uuid,
                         target=tracking.display(c.tracking_code), detail={"privacy": c.privacy})
            raw = json.loads(c.identity) if c.identity else {}
            return Identity(raw.get("name"), raw.get("nik"), raw.get("phone"), raw.get("email"))
        audit.record(conn, by, IDENTITY_DENIED, complaint_uuid=c.uuid,
                     target=tracking.display(c.tracking_code), detail={"privacy": c.privacy, "role": staff.role.value})
    raise IdentityDenied(MSG_IDENTITY_DENIED)
