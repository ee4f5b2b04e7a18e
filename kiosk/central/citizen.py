"""What a citizen may do on the public tracking page once the agency has answered: say whether the
answer solved the problem (four faces and an optional comment, once per complaint) and ask to reopen
it within the period the workflow allows.

The citizen has no account: holding the tracking code is the permission (as for reading the page),
and the page's signed form token (``formtokens.py``) is what the web layer checks before calling in
here. Both actions are audited as ``audit.SYSTEM`` with target "citizen", in the transaction of the
change. Nothing here knows HTTP; refusals are :class:`CitizenRefused` with an English msgid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.rating import FACES, MSG_COMMENT_LONG, MSG_FACE
from ..domain.workflow import AUTO_CLOSE_DAYS, Status
from ..errors import KioskError, NotFound
from ..i18n import both
from . import audit, workdays
from .complaints import ActionRefused, apply_action, lock_events
from .db import complaints, reader
from .db import now as db_now
from .settings import Settings

# audit_log.action of a citizen's verdict; a reopen is an ordinary complaint action ("reopen").
CITIZEN_RATED = audit.CITIZEN_RATED
TARGET = "citizen"
# The system acting for the citizen: the audit row has no user; the timeline event says "citizen".
CITIZEN = audit.Actor(None, "citizen", None)

COMMENT_LIMIT = 500
REASON_LIMIT = 1000
# The citizen may ask to reopen while the report would still be waiting for their reply: the same
# working days after the answer as the automatic closing (DOMAIN.md, "Flow and deadlines").
REOPEN_DAYS = AUTO_CLOSE_DAYS
FACE_VALUES = tuple(value for value, _id, _en in FACES)

MSG_NO_ANSWER_YET = "You can rate the answer once the agency has answered your report."
MSG_RATED_ALREADY = "You have already rated this answer. Thank you: each report can be rated once."
MSG_REASON_NEEDED = "Please write why the answer did not solve your problem."
MSG_REASON_LONG = "Please keep the reason to at most {limit} characters. You wrote {count}."
MSG_REOPEN_NOT_ANSWERED = "Only a report that the agency has answered can be reopened."
MSG_REOPEN_PENDING = "Your report was reopened and is with the agency again. Please wait for its new answer."
MSG_REOPEN_FINAL = "This report is finished and cannot be reopened. You can file a new report at a kiosk."
MSG_REOPEN_TOO_LATE = (
    "This report can no longer be reopened: the time to reply ended on {date}. You can file a new "
    "report at a kiosk."
)
NOTE_REOPENED = "Reopened at the reporter's request."


class CitizenRefused(KioskError):
    """The citizen's request cannot be done; ``message`` is an English msgid with ``params``."""

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(message.format(**params))


@dataclass(frozen=True, slots=True)
class ReopenResult:
    tracking_code: str
    status: str
    due_on: date | None


def _code(code_text: str) -> str:
    return tracking.parse(code_text)  # ValidationError for a malformed code


def _not_found(code: str) -> NotFound:
    return NotFound("No report has this tracking code.", code=tracking.display(code))


def rate_answer(engine: Engine, code: str, face: int, comment: str | None, *, now: datetime | None = None) -> None:
    """Store the citizen's verdict on the answer: once per complaint, only after an answer."""
    code = _code(code)
    if isinstance(face, bool) or not isinstance(face, int) or face not in FACE_VALUES:
        raise CitizenRefused(MSG_FACE, field="face")
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_LIMIT:
        raise CitizenRefused(MSG_COMMENT_LONG, field="comment", limit=COMMENT_LIMIT, count=len(text))
    at = now or db_now()
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(complaints.c.uuid, complaints.c.response, complaints.c.citizen_rating)
            .where(complaints.c.tracking_code == code)
        ).first()
        if row is None:
            raise _not_found(code)
        if row.response is None:
            raise CitizenRefused(MSG_NO_ANSWER_YET)
        # The condition is in the UPDATE itself, so two posts racing in two processes cannot both win.
        done = conn.execute(
            complaints.update()
            .where(complaints.c.uuid == row.uuid, complaints.c.citizen_rating.is_(None))
            .values(citizen_rating=face, citizen_comment=text, citizen_rated_at=at)
        ).rowcount
        if not done:
            raise CitizenRefused(MSG_RATED_ALREADY)
        # The comment is the citizen's words: it stays on the complaint, never in the audit row.
        audit.record(conn, audit.SYSTEM, CITIZEN_RATED, complaint_uuid=row.uuid, target=TARGET,
                     detail={"face": face, "comment": text is not None}, at=at)


def reopen_deadline(response_at: datetime, settings: Settings) -> date:
    """The last day (office time) on which the citizen may ask to reopen an answered report."""
    answered = workdays.local_day(response_at, settings.tz)
    return workdays.calendar(settings, answered).add_working_days(answered, REOPEN_DAYS)


def reopen_refusal(status: str, response_at: datetime | None, reopen_requested_at: datetime | None,
                   settings: Settings, today: date) -> CitizenRefused | None:
    """Why a reopen would be refused now, or None when it may be asked (the page hides the form then).

    An answered report may be reopened while it waits for the citizen (FOLLOWED_UP) and also once
    closed, by the desk or by ``tick``, as long as the reply period has not ended: closing early must
    not take the citizen's reply away. "Not our authority" is final.
    """
    if status == Status.NOT_AUTHORITY.value or (status == Status.CLOSED.value and response_at is None):
        return CitizenRefused(MSG_REOPEN_FINAL)
    if response_at is None:
        return CitizenRefused(MSG_REOPEN_NOT_ANSWERED)
    if status not in (Status.FOLLOWED_UP.value, Status.CLOSED.value):
        # Answered, then sent back (by the citizen or the desk): the agency owes a new answer.
        return CitizenRefused(MSG_REOPEN_PENDING)
    last = reopen_deadline(response_at, settings)
    if today > last:
        return CitizenRefused(MSG_REOPEN_TOO_LATE, date=last.strftime("%d-%m-%Y"))
    return None


def request_reopen(engine: Engine, settings: Settings, code: str, reason: str | None, *,
                   now: datetime | None = None) -> ReopenResult:
    """Send an answered report back to its agency (-> FORWARDED) at the citizen's request.

    Allowed until :data:`REOPEN_DAYS` working days after the answer. The change itself is the back
    office's "reopen" (``complaints.apply_action``: status, due day, overdue reset, reopen counter,
    the ``complaint_events`` row and the audit row, all in this transaction), done as ``audit.SYSTEM``
    for the citizen: the event's actor is "citizen", its public note says the reporter asked, and the
    reason is an internal note (staff only: it may name people).
    """
    code = _code(code)
    text = (reason or "").strip()
    if not text:
        raise CitizenRefused(MSG_REASON_NEEDED, field="reason")
    if len(text) > REASON_LIMIT:
        raise CitizenRefused(MSG_REASON_LONG, field="reason", limit=REASON_LIMIT, count=len(text))
    at = now or db_now()
    with engine.begin() as conn:
        lock_events(conn)  # before the read, as every writer of statuses does
        row = conn.execute(sa.select(complaints).where(complaints.c.tracking_code == code).with_for_update()).first()
        if row is None:
            raise _not_found(code)
        refusal = reopen_refusal(row.status, row.response_at, row.reopen_requested_at, settings,
                                 workdays.local_day(at, settings.tz))
        if refusal is not None:
            raise refusal
        try:
            result = apply_action(conn, row, "reopen", by=CITIZEN, settings=settings, at=at,
                                  note=both(NOTE_REOPENED), internal_note=text, source=TARGET)
        except ActionRefused:  # pragma: no cover - reopen_refusal lets through only what the workflow allows
            raise CitizenRefused(MSG_REOPEN_NOT_ANSWERED) from None
        conn.execute(complaints.update().where(complaints.c.uuid == row.uuid).values(reopen_requested_at=at))
        due = conn.scalar(sa.select(complaints.c.due_on).where(complaints.c.uuid == row.uuid))
    return ReopenResult(result.tracking_code, result.status, due)


# --- what the tracking page needs to offer the forms -------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerState:
    """The citizen's side of one complaint, for the tracking page: what it offers, what was done."""

    answered: bool
    rating: int | None  # the face given, or None
    can_rate: bool
    reopen_until: date | None  # the last day to ask to reopen (after an answer)
    reopen_refusal: CitizenRefused | None  # why the reopen form is not offered, or None when it is
    reopened_count: int
    privacy: str


def answer_state(engine: Engine, settings: Settings, code: str, *, now: datetime | None = None) -> AnswerState | None:
    """None for an unknown code."""
    code = _code(code)
    with reader(engine) as conn:
        row = conn.execute(
            sa.select(complaints.c.status, complaints.c.response_at, complaints.c.citizen_rating,
                      complaints.c.reopen_requested_at, complaints.c.reopened_count, complaints.c.privacy)
            .where(complaints.c.tracking_code == code)
        ).first()
    if row is None:
        return None
    today = workdays.local_day(now or db_now(), settings.tz)
    answered = row.response_at is not None
    return AnswerState(
        answered=answered,
        rating=row.citizen_rating,
        can_rate=answered and row.citizen_rating is None,
        reopen_until=reopen_deadline(row.response_at, settings) if answered else None,
        reopen_refusal=reopen_refusal(row.status, row.response_at, row.reopen_requested_at, settings, today),
        reopened_count=row.reopened_count,
        privacy=row.privacy,
    )


@dataclass(frozen=True, slots=True)
class DeadlineInfo:
    label: str  # msgid
    due: date
    days_left: int  # working days from today: 0 on the day, negative once passed


def deadline_info(view: dict, settings: Settings, *, now: datetime | None = None) -> DeadlineInfo | None:
    """The next service level of a public view with the working days left, on the server's calendar."""
    deadline = view.get("next_deadline")
    if not deadline:
        return None
    due = date.fromisoformat(deadline["due"])
    today = workdays.local_day(now or db_now(), settings.tz)
    return DeadlineInfo(deadline["label"], due, workdays.working_days_left(due, today, workdays.calendar(settings, today)))


def without_confidential_text(view: dict) -> dict:
    """The public view as anyone holding the code may read it: for a ``rahasia`` report, without what
    the citizen wrote, the agency's answer and the timeline's notes.

    The tracking code is printed on a receipt that can be lost or photographed, and a confidential
    report's text is not public (DOMAIN.md, privacy modes), so the page and the JSON without a device
    token show its status only; an enrolled kiosk (the citizen in front of it, with the receipt) gets
    everything, as the kiosk's Track screen needs.
    """
    if view.get("privacy") != "rahasia":
        return view
    return {**view, "description": "", "response": None,
            "timeline": [{**event, "note": None} for event in view["timeline"]]}
