"""E-mails to citizens who left an address: queued with the change that causes them, sent by `tick`.

A message is queued in the same transaction as the status change (so a change is never without its
message, and a rolled-back change never sends one). The queue row holds no personal data: the address
is read from the complaint when the message is sent. Messages carry only the tracking code and a link
to the public tracking page, whatever the report's privacy mode (kiosk/central/mail.py).

Sending (``send_due``, called by the tick under its lock so two hosts never send the same message):
a row is due when pending and its ``next_attempt_at`` has come. A failed attempt is tried again after
5 minutes, 30 minutes, 2 hours and 12 hours, then the row is "failed" and the desk sees it on the
complaint's page (``for_complaint``) and in ``recent_failures``. A permanent refusal (an SMTP 5xx, a
malformed address) fails at once. Delivery is at least once: a crash between the SMTP server's "OK"
and the row's update sends that message again on the next run. No address is ever logged or stored
outside the complaint.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..domain import tracking
from . import audit
from .db import complaints, notifications, reader
from .settings import Settings

log = logging.getLogger(__name__)

FORWARDED = "forwarded"
ANSWERED = "answered"
KINDS = (FORWARDED, ANSWERED)

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
# Wait before attempt 2, 3, 4, 5; the fifth failure is final.
BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# Messages per run: a backlog drains over a few runs instead of holding one run for an hour.
SEND_BATCH = 200


def enqueue(conn: sa.Connection, complaint_uuid: str, kind: str, at: datetime) -> bool:
    """Queue ``kind`` for the complaint if its reporter left an e-mail address; True when queued."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = conn.execute(
        sa.select(complaints.c.privacy, complaints.c.identity).where(complaints.c.uuid == complaint_uuid)
    ).first()
    if row is None or row.privacy == "anonim" or not row.identity:
        return False
    if not (json.loads(row.identity).get("email") or "").strip():
        return False
    conn.execute(
        notifications.insert().values(
            complaint_uuid=complaint_uuid, kind=kind, status="pending", attempts=0,
            next_attempt_at=at, created_at=at,
        )
    )
    return True


# --- sending -----------------------------------------------------------------------------------------


def send_due(engine: sa.Engine, settings: Settings, now: datetime, *, timeout: float | None = None) -> tuple[int, int]:
    """Send the messages due at ``now``; returns (sent, failed attempts). Nothing while smtp_host is empty."""
    from . import mail
    from .complaints import NAMES

    if not settings.smtp_host:
        return 0, 0
    n, c = notifications.c, complaints.c
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(n.id, n.kind, n.attempts, n.complaint_uuid, c.tracking_code, c.privacy, c.identity,
                      c.handling_agency_id, c.agency_id)
            .join(complaints, complaints.c.uuid == n.complaint_uuid)
            .where(n.status == PENDING, n.next_attempt_at <= now)
            .order_by(n.next_attempt_at, n.id).limit(SEND_BATCH)
        ).all()
        agencies = {r.id: NAMES.get(conn, r.handling_agency_id or r.agency_id) for r in rows}
    sent = failed = 0
    with mail.Mailer(settings, timeout=timeout or mail.SMTP_TIMEOUT_S) as mailer:
        for r in rows:
            address = _address(r.identity) if r.privacy != "anonim" else ""
            if not address:
                # Anonymous, or the identity is gone (retention): nobody to write to.
                _finish(engine, r, SKIPPED, now, error=None)
                continue
            if not mail.valid_address(address):
                failed += 1
                _finish(engine, r, FAILED, now, error="invalid address")
                continue
            msg = mail.compose(settings, to=address, kind=r.kind, code=tracking.display(r.tracking_code),
                               privacy=r.privacy, agency=agencies.get(r.id), at=now)
            try:
                mailer.send(msg)
            except mail.SendError as e:
                failed += 1
                attempts = r.attempts + 1
                if e.permanent or attempts >= MAX_ATTEMPTS:
                    _finish(engine, r, FAILED, now, error=e.reason)
                else:
                    _retry(engine, r, now + BACKOFF[attempts - 1], now, error=e.reason)
                continue
            sent += 1
            _finish(engine, r, SENT, now, error=None)
    if rows:
        log.info("notify: %d sent, %d failed of %d due", sent, failed, len(rows))
    return sent, failed


def _address(identity: str | None) -> str:
    if not identity:
        return ""
    try:
        return str(json.loads(identity).get("email") or "").strip()
    except (ValueError, AttributeError):
        return ""


def _finish(engine: sa.Engine, row, status: str, at: datetime, *, error: str | None) -> None:
    attempts = row.attempts + (0 if status == SKIPPED else 1)
    with engine.begin() as conn:
        conn.execute(notifications.update().where(notifications.c.id == row.id).values(
            status=status, attempts=attempts, last_error=error, sent_at=at if status == SENT else None))
        audit.record(conn, audit.SYSTEM, audit.TICK, complaint_uuid=row.complaint_uuid, target="notification",
                     detail={"change": f"mail_{status}", "kind": row.kind, "attempts": attempts,
                             **({"error": error} if error else {})}, at=at)


def _retry(engine: sa.Engine, row, when: datetime, at: datetime, *, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(notifications.update().where(notifications.c.id == row.id).values(
            attempts=row.attempts + 1, last_error=error, next_attempt_at=when))
        audit.record(conn, audit.SYSTEM, audit.TICK, complaint_uuid=row.complaint_uuid, target="notification",
                     detail={"change": "mail_retry", "kind": row.kind, "attempts": row.attempts + 1,
                             "error": error}, at=at)


# --- what the desk sees ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    complaint_uuid: str
    tracking_code: str  # display form
    kind: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None


def _rows(engine: sa.Engine, where, *, newest_first: bool, limit: int | None = None) -> list[NotificationRow]:
    n = notifications.c
    q = (sa.select(n.id, n.complaint_uuid, complaints.c.tracking_code, n.kind, n.status, n.attempts, n.last_error,
                   n.next_attempt_at, n.created_at, n.sent_at)
         .join(complaints, complaints.c.uuid == n.complaint_uuid).where(where)
         .order_by(n.id.desc() if newest_first else n.id))
    if limit is not None:
        q = q.limit(limit)
    with reader(engine) as conn:
        return [NotificationRow(r.id, r.complaint_uuid, tracking.display(r.tracking_code), r.kind, r.status,
                                r.attempts, r.last_error, r.next_attempt_at, r.created_at, r.sent_at)
                for r in conn.execute(q)]


def for_complaint(engine: sa.Engine, uuid: str) -> list[NotificationRow]:
    """Every message of one complaint, oldest first (the complaint page shows failed ones to the desk)."""
    return _rows(engine, notifications.c.complaint_uuid == uuid, newest_first=False)


def recent_failures(engine: sa.Engine, limit: int = 50) -> list[NotificationRow]:
    """Messages that gave up, newest first."""
    return _rows(engine, notifications.c.status == FAILED, newest_first=True, limit=limit)
