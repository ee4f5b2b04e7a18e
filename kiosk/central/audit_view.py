"""The audit log as the administrator reads it: filters, the complaint's tracking code, cursor pages.

A query module (no HTTP): the audit page parses its query string into ``AuditFilter`` and shows an
``AuditPage``. Pages go backwards by id (newest first); the cursor is the last id shown, so a page
stays stable while new rows arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.errors import ValidationError
from . import audit, workdays
from .db import audit_log, complaints, reader

PAGE_SIZE = 50

# Every action the log holds, in the order the filter offers them (English msgids for the labels).
ACTIONS: dict[str, str] = {
    audit.SIGN_IN: "Signed in",
    audit.SIGN_IN_FAILED: "Sign-in failed",
    audit.SIGN_IN_LOCKED: "Sign-in refused (locked)",
    audit.SIGN_OUT: "Signed out",
    audit.SIGN_OUT_EVERYWHERE: "Signed out everywhere",
    audit.TOTP_ENROLLED: "Second factor set up",
    audit.PASSWORD_CHANGED: "Password changed",
    audit.PASSWORD_RESET: "Password reset",
    audit.USER_CREATED: "User created",
    audit.USER_CHANGED: "User changed",
    audit.USER_DISABLED: "User disabled",
    audit.IDENTITY_VIEWED: "Identity viewed",
    audit.IDENTITY_DENIED: "Identity refused",
    audit.COMPLAINT_ACTION: "Complaint action",
    audit.TEMPLATE_CHANGED: "Template changed",
    audit.EXPORT: "Export",
    audit.TICK: "Deadline job",
    audit.CITIZEN_RATED: "Citizen rated the answer",
    audit.OFFICE_PIN_SET: "Kiosk PIN set",
    audit.OFFICE_PIN_CLEARED: "Kiosk PIN cleared",
    audit.POPULATION_SET: "Yearly users set",
    audit.EVIDENCE_SAVED: "Compliance evidence saved",
    audit.EVIDENCE_SUBMITTED: "Compliance evidence submitted",
    audit.EVIDENCE_APPROVED: "Compliance evidence approved",
    audit.EVIDENCE_RETURNED: "Compliance evidence returned",
    audit.KIOSK_REVOKED: "Kiosk revoked",
    audit.TECHNICIAN_OFFICES_SET: "Technician's offices set",
    audit.KIOSK_SETTING_SET: "Kiosk setting set",
    audit.KIOSK_SETTING_CLEARED: "Kiosk setting cleared",
    audit.KIOSK_PIN_SET: "PIN of one kiosk set",
    audit.KIOSK_PIN_CLEARED: "PIN of one kiosk cleared",
    audit.ENROLL_CODE_CREATED: "Enrollment code made",
    audit.ENROLL_CODE_CANCELLED: "Enrollment code cancelled",
    audit.STANDARDS_DRAFT_STARTED: "Standards draft started",
    audit.STANDARDS_DRAFT_SAVED: "Standards draft saved",
    audit.STANDARDS_DRAFT_DISCARDED: "Standards draft discarded",
    audit.STANDARDS_SUBMITTED: "Standards sent for review",
    audit.STANDARDS_RETURNED: "Standards returned",
    audit.STANDARDS_REBASED: "Standards draft rebased",
    audit.STANDARDS_PUBLISHED: "Standards published",
    audit.STANDARDS_IMPORTED: "Catalog imported",
}


@dataclass(frozen=True, slots=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    code: str | None = None  # canonical tracking code
    since: date | None = None  # first day shown (office time zone)
    until: date | None = None  # last day shown, inclusive
    before_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    username: str | None
    ip: str | None
    action: str
    tracking_code: str | None
    target: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditEntry]
    next_cursor: int | None  # the before_id of the next (older) page, None on the last one


def parse_filter(params: dict[str, str]) -> tuple[AuditFilter, dict[str, str]]:
    """AuditFilter from query parameters (user, action, code, from, to, cursor), and the problems found
    as field -> English msgid (a bad field is left out of the filter, not guessed)."""
    problems: dict[str, str] = {}
    username = (params.get("user") or "").strip().lower()[:64] or None
    action = params.get("action") or None
    if action is not None and action not in ACTIONS:
        problems["action"] = "Choose an action from the list."
        action = None
    code = None
    if raw := (params.get("code") or "").strip():
        try:
            code = tracking.parse(raw[:40])
        except ValidationError:
            problems["code"] = "Enter a tracking code like K7PM-Q2HX-9R3."
    since = _date(params.get("from"), "from", problems)
    until = _date(params.get("to"), "to", problems)
    if since and until and until < since:
        problems["to"] = "The end date must not be before the start date."
        until = None
    before_id = None
    if cursor := params.get("cursor"):
        if cursor.isdigit() and len(cursor) <= 12:
            before_id = int(cursor)
        else:
            problems["cursor"] = "This page link is broken; start from the first page."
    return AuditFilter(username, action, code, since, until, before_id), problems


def _date(raw: str | None, field: str, problems: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        problems[field] = "Enter a date like 2026-12-31."
        return None


def search(engine: Engine, filt: AuditFilter, *, tz: ZoneInfo, limit: int = PAGE_SIZE) -> AuditPage:
    q = (
        sa.select(audit_log, complaints.c.tracking_code)
        .select_from(audit_log.outerjoin(complaints, complaints.c.uuid == audit_log.c.complaint_uuid))
        .order_by(audit_log.c.id.desc())
        .limit(limit + 1)
    )
    if filt.username:
        q = q.where(audit_log.c.username == filt.username)
    if filt.action:
        q = q.where(audit_log.c.action == filt.action)
    if filt.code:
        q = q.where(complaints.c.tracking_code == filt.code)
    if filt.since:
        q = q.where(audit_log.c.at >= workdays.day_start(filt.since, tz))
    if filt.until:
        q = q.where(audit_log.c.at < workdays.day_start(filt.until + timedelta(days=1), tz))
    if filt.before_id:
        q = q.where(audit_log.c.id < filt.before_id)
    with reader(engine) as conn:
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    entries = [
        AuditEntry(r.id, r.at, r.username, r.ip, r.action, tracking.display(r.tracking_code) if r.tracking_code else None,
                   r.target, json.loads(r.detail) if r.detail else {})
        for r in rows
    ]
    return AuditPage(entries, entries[-1].id if more and entries else None)
