"""The append-only audit log: who did what, when, from where, on which complaint.

Rows are written in the same transaction as the change they describe, so a change without its row
(or a row without its change) cannot happen. The database refuses UPDATE and DELETE on the table
(triggers from migration 0002). ``detail`` is a small JSON object and never holds personal data:
an identity view records *that* it was seen, not what was seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .access import Staff
from .db import audit_log, now, reader

# Actions, as stored in ``audit_log.action``. Keep them stable: the audit page filters on them.
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_LOCKED = "sign_in_locked"
SIGN_OUT = "sign_out"
SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
TOTP_ENROLLED = "totp_enrolled"
IDENTITY_VIEWED = "identity_viewed"
IDENTITY_DENIED = "identity_denied"  # a refused "Tampilkan identitas"
COMPLAINT_ACTION = "complaint_action"  # detail: {"action": "forward", "to": "dinkes", ...}
USER_CREATED = "user_created"
USER_CHANGED = "user_changed"
USER_DISABLED = "user_disabled"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
TEMPLATE_CHANGED = "template_changed"
EXPORT = "export"
TICK = "tick"  # the deadline job's own changes (user_id NULL)
CITIZEN_RATED = "citizen_rated"  # the citizen's verdict on an answer (user_id NULL)
OFFICE_PIN_SET = "office_pin_set"  # target: the office; the PIN and its hash are never in the row
OFFICE_PIN_CLEARED = "office_pin_cleared"
POPULATION_SET = "population_set"  # target: the service; detail: agency, from, to (None: cleared)
# compliance evidence (issue 15): target "agency_id/aspect"; detail: status, public, file sha256, never texts
EVIDENCE_SAVED = "evidence_saved"
EVIDENCE_SUBMITTED = "evidence_submitted"
EVIDENCE_APPROVED = "evidence_approved"
EVIDENCE_RETURNED = "evidence_returned"
KIOSK_REVOKED = "kiosk_revoked"  # target: the device id; detail: its office and name (issue 15, fleet)
TECHNICIAN_OFFICES_SET = "technician_offices_set"  # target: the technician's user name; detail: offices
STANDARDS_DRAFT_STARTED = "standards_draft_started"  # target: agency:<id>; detail: base_version
STANDARDS_DRAFT_SAVED = "standards_draft_saved"  # detail: part (agency, service, all), service, change
STANDARDS_DRAFT_DISCARDED = "standards_draft_discarded"
STANDARDS_SUBMITTED = "standards_submitted"
STANDARDS_RETURNED = "standards_returned"  # detail: the reviewer's note (first 200 characters)
STANDARDS_REBASED = "standards_rebased"  # detail: from, to (catalog version ids)
STANDARDS_PUBLISHED = "standards_published"  # detail: catalog_version, version
STANDARDS_IMPORTED = "standards_imported"  # target: catalog:<id>; detail: agencies


@dataclass(frozen=True, slots=True)
class Actor:
    """Who an audit row names: a staff member (web or CLI) or the system itself."""

    user_id: int | None
    username: str
    ip: str | None = None

    @classmethod
    def of(cls, staff: Staff, ip: str | None) -> Actor:
        return cls(staff.user_id, staff.username, ip)


SYSTEM = Actor(None, "system", None)


def record(
    conn: sa.Connection,
    actor: Actor,
    action: str,
    *,
    complaint_uuid: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=at or now(),
            user_id=actor.user_id,
            username=actor.username[:64],
            ip=(actor.ip or "")[:64] or None,
            action=action,
            complaint_uuid=complaint_uuid,
            target=(target or "")[:200] or None,
            detail=json.dumps(dict(detail), ensure_ascii=False, sort_keys=True) if detail else None,
        )
    )


def record_each(
    conn: sa.Connection,
    actor: Actor,
    action: str,
    rows: Iterable[tuple[str | None, Mapping[str, Any] | None]],
    *,
    target: str | None = None,
    at: datetime | None = None,
) -> int:
    """One row per ``(complaint_uuid, detail)`` in a single executemany: a batch job (the deadline
    tick closing thousands of complaints) writes its rows without a round trip each. Returns how many."""
    when = at or now()
    values = [
        {
            "at": when,
            "user_id": actor.user_id,
            "username": actor.username[:64],
            "ip": (actor.ip or "")[:64] or None,
            "action": action,
            "complaint_uuid": uuid,
            "target": (target or "")[:200] or None,
            "detail": json.dumps(dict(detail), ensure_ascii=False, sort_keys=True) if detail else None,
        }
        for uuid, detail in rows
    ]
    if values:
        conn.execute(audit_log.insert(), values)
    return len(values)


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    ip: str | None
    action: str
    complaint_uuid: str | None
    target: str | None
    detail: dict[str, Any]


def query(
    engine: sa.Engine,
    *,
    action: str | None = None,
    username: str | None = None,
    complaint_uuid: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditRow]:
    """Newest first; ``before_id`` pages backwards (the cursor is the last id shown)."""
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action:
        q = q.where(audit_log.c.action == action)
    if username:
        q = q.where(audit_log.c.username == username.lower())
    if complaint_uuid:
        q = q.where(audit_log.c.complaint_uuid == complaint_uuid)
    if since:
        q = q.where(audit_log.c.at >= since)
    if until:
        q = q.where(audit_log.c.at < until)
    if before_id:
        q = q.where(audit_log.c.id < before_id)
    with reader(engine) as conn:
        rows = conn.execute(q).all()
    return [
        AuditRow(r.id, r.at, r.user_id, r.username, r.ip, r.action, r.complaint_uuid, r.target,
                 json.loads(r.detail) if r.detail else {})
        for r in rows
    ]


# Issue 15, part "settings": kiosk settings from the centre and enrollment codes.
KIOSK_SETTING_SET = "kiosk_setting_set"  # target: "office:NAME" or "device:ID"; detail: key, value (never a PIN)
KIOSK_SETTING_CLEARED = "kiosk_setting_cleared"  # detail: key
KIOSK_PIN_SET = "kiosk_pin_set"  # target: "device:ID"; the PIN and its hash are never in the row
KIOSK_PIN_CLEARED = "kiosk_pin_cleared"
ENROLL_CODE_CREATED = "enroll_code_created"  # target: the office; detail: agency, code id (never the code)
ENROLL_CODE_CANCELLED = "enroll_code_cancelled"
