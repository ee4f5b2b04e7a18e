"""Compliance evidence: each agency's nine aspects as staff edit them, and the desk's review.

An officer of the agency (or the province) saves an aspect (status, evidence text, an optional file, and
whether the kiosk may show that file) as a draft or submits it; the desk approves it or returns it with a
note. Approval copies the working values to ``approved_*``, and only those reach the catalog
(evidence_catalog.py), so editing an approved aspect never changes what kiosks show before the desk has
looked again. Every change writes an audit row in the same transaction. Rules: docs/compliance-evidence.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..domain.catalog import ComplianceAspect, ComplianceStatus
from . import access, audit
from .access import Staff
from .audit import Actor
from .complaints import ActionRefused, NotAllowed
from .db import evidence_items, now, reader
from .evidence_files import StoredFile

DRAFT, SUBMITTED, APPROVED, RETURNED = "draft", "submitted", "approved", "returned"
STATES = (DRAFT, SUBMITTED, APPROVED, RETURNED)
EVIDENCE_LIMIT = 2000  # characters of evidence text (the kiosk shows it under the aspect)
NOTE_LIMIT = 500

MSG_ROLE = "Your role may not do this."
MSG_BAD_STATUS = "Choose whether this is in place, partly in place or not yet in place."
MSG_TOO_LONG = "The text is longer than {limit} characters."
MSG_NEED_NOTE = "Write why the evidence goes back, so the agency knows what to change."
MSG_NOT_SUBMITTED = "Only submitted evidence can be approved or returned; this was changed in the meantime."
MSG_PUBLIC_NEEDS_FILE = "Only a file can be shown on the kiosk: upload one, or leave \"show on the kiosk\" off."


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    sha256: str
    type: str
    size: int

    @property
    def is_image(self) -> bool:
        return self.type.startswith("image/")


@dataclass(frozen=True, slots=True)
class Aspect:
    """One agency's one aspect, as saved (and, when it was ever approved, what was approved)."""

    agency_id: str
    aspect: ComplianceAspect
    status: ComplianceStatus
    evidence: str
    public: bool
    file: EvidenceFile | None
    state: str
    review_note: str
    updated_at: datetime
    updated_by: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    approved_status: ComplianceStatus | None


def _aspect(r) -> Aspect:
    return Aspect(
        r.agency_id, ComplianceAspect(r.aspect), ComplianceStatus(r.status), r.evidence, bool(r.public),
        EvidenceFile(r.file_sha256, r.file_type, r.file_bytes) if r.file_sha256 else None,
        r.state, r.review_note or "", r.updated_at, r.updated_by, r.reviewed_at, r.reviewed_by,
        ComplianceStatus(r.approved_status) if r.approved_status else None,
    )


# --- reading -----------------------------------------------------------------------------------------


def for_agency(engine: Engine, agency_id: str) -> dict[ComplianceAspect, Aspect]:
    """The aspects saved for one agency (an aspect never saved is absent)."""
    with reader(engine) as conn:
        rows = conn.execute(sa.select(evidence_items).where(evidence_items.c.agency_id == agency_id)).all()
    return {a.aspect: a for a in map(_aspect, rows)}


def state_counts(engine: Engine, agency_ids: list[str]) -> dict[str, Counter]:
    """``{agency_id: Counter(state -> aspects)}`` for the overview (agencies with nothing saved: empty)."""
    counts: dict[str, Counter] = {a: Counter() for a in agency_ids}
    if not agency_ids:
        return counts
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(evidence_items.c.agency_id, evidence_items.c.state, sa.func.count().label("n"))
            .where(evidence_items.c.agency_id.in_(agency_ids))
            .group_by(evidence_items.c.agency_id, evidence_items.c.state)
        ).all()
    for r in rows:
        counts[r.agency_id][r.state] = int(r.n)
    return counts


def waiting(engine: Engine, agency_ids: list[str] | None = None) -> list[Aspect]:
    """Submitted aspects, oldest first: the desk's queue."""
    query = sa.select(evidence_items).where(evidence_items.c.state == SUBMITTED)
    if agency_ids is not None:
        query = query.where(evidence_items.c.agency_id.in_(agency_ids))
    with reader(engine) as conn:
        rows = conn.execute(query.order_by(evidence_items.c.updated_at, evidence_items.c.agency_id)).all()
    return [_aspect(r) for r in rows]


def agencies_holding(engine: Engine, sha256: str) -> set[str]:
    """The agencies whose working or approved copy names this file (who may see it follows from them)."""
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(evidence_items.c.agency_id).where(
                sa.or_(evidence_items.c.file_sha256 == sha256, evidence_items.c.approved_sha256 == sha256)
            )
        ).all()
    return {r.agency_id for r in rows}


def file_type(engine: Engine, sha256: str) -> str | None:
    with reader(engine) as conn:
        row = conn.execute(
            sa.select(evidence_items.c.file_type).where(evidence_items.c.file_sha256 == sha256).limit(1)
        ).first() or conn.execute(
            sa.select(evidence_items.c.approved_type).where(evidence_items.c.approved_sha256 == sha256).limit(1)
        ).first()
    return row[0] if row else None


# --- writing -----------------------------------------------------------------------------------------


def check(*, aspect: str, status: str, evidence: str) -> tuple[ComplianceAspect, ComplianceStatus, str]:
    """The form's values, or ActionRefused; the page asks this before it stores an upload, so a form
    refused for its text leaves no file behind."""
    try:
        which = ComplianceAspect(aspect)
    except ValueError:
        raise ActionRefused("Unknown aspect {aspect}.", field="aspect", aspect=aspect[:40]) from None
    try:
        state_of_thing = ComplianceStatus(status)
    except ValueError:
        raise ActionRefused(MSG_BAD_STATUS, field="status") from None
    evidence = evidence.strip()
    if len(evidence) > EVIDENCE_LIMIT:
        raise ActionRefused(MSG_TOO_LONG, field="evidence", limit=EVIDENCE_LIMIT)
    return which, state_of_thing, evidence


def save(engine: Engine, staff: Staff, by: Actor, *, agency_id: str, aspect: str, status: str, evidence: str,
         public: bool, new_file: StoredFile | None = None, remove_file: bool = False, submit: bool = False) -> Aspect:
    """Save one aspect as a draft, or submit it to the desk. ``new_file`` was already stored on disk
    (evidence_files.store); ``remove_file`` drops the file the aspect had."""
    if not access.can_edit_evidence(staff, agency_id):
        raise NotAllowed(MSG_ROLE)
    which, state_of_thing, evidence = check(aspect=aspect, status=status, evidence=evidence)
    at = now()
    with engine.begin() as conn:
        old = conn.execute(
            sa.select(evidence_items).where(evidence_items.c.agency_id == agency_id, evidence_items.c.aspect == which.value)
        ).first()
        if new_file is not None:
            file = (new_file.sha256, new_file.type, new_file.size)
        elif old is not None and old.file_sha256 and not remove_file:
            file = (old.file_sha256, old.file_type, old.file_bytes)
        else:
            file = (None, None, None)
        if public and file[0] is None:
            raise ActionRefused(MSG_PUBLIC_NEEDS_FILE, field="public")
        values = {
            "status": state_of_thing.value, "evidence": evidence, "public": bool(public),
            "file_sha256": file[0], "file_type": file[1], "file_bytes": file[2],
            "state": SUBMITTED if submit else DRAFT, "updated_at": at, "updated_by": staff.username[:64],
        }
        if submit:
            values["review_note"] = None
        _upsert(conn, {"agency_id": agency_id, "aspect": which.value}, values)
        detail = {"status": state_of_thing.value, "public": bool(public), "file": file[0]}
        audit.record(conn, by, audit.EVIDENCE_SAVED, target=f"{agency_id}/{which.value}", detail=detail, at=at)
        if submit:
            audit.record(conn, by, audit.EVIDENCE_SUBMITTED, target=f"{agency_id}/{which.value}", at=at)
        row = conn.execute(
            sa.select(evidence_items).where(evidence_items.c.agency_id == agency_id, evidence_items.c.aspect == which.value)
        ).one()
    return _aspect(row)


def review(engine: Engine, staff: Staff, by: Actor, *, agency_id: str, aspect: str, approve: bool,
           note: str = "", seen_at: datetime | None = None) -> Aspect:
    """The desk approves a submitted aspect (its values become what the catalog shows) or returns it
    with a note. ``seen_at``: the ``updated_at`` the reviewer saw; a newer save refuses the review."""
    if not access.can_approve_evidence(staff):
        raise NotAllowed(MSG_ROLE)
    note = note.strip()
    if not approve and not note:
        raise ActionRefused(MSG_NEED_NOTE, field="note")
    if len(note) > NOTE_LIMIT:
        raise ActionRefused(MSG_TOO_LONG, field="note", limit=NOTE_LIMIT)
    at = now()
    where = (evidence_items.c.agency_id == agency_id, evidence_items.c.aspect == aspect)
    with engine.begin() as conn:
        row = conn.execute(sa.select(evidence_items).where(*where)).first()
        if row is None or row.state != SUBMITTED or (seen_at is not None and row.updated_at != seen_at):
            raise ActionRefused(MSG_NOT_SUBMITTED)
        values: dict = {"reviewed_at": at, "reviewed_by": staff.username[:64], "review_note": note or None}
        if approve:
            values.update(
                state=APPROVED, approved_status=row.status, approved_evidence=row.evidence,
                approved_public=row.public, approved_sha256=row.file_sha256, approved_type=row.file_type,
                approved_bytes=row.file_bytes,
            )
        else:
            values["state"] = RETURNED
        # Only while still submitted: a save that slipped in between wins, and this review is refused.
        done = conn.execute(
            evidence_items.update().where(*where, evidence_items.c.state == SUBMITTED).values(**values)
        ).rowcount
        if done != 1:
            raise ActionRefused(MSG_NOT_SUBMITTED)
        audit.record(conn, by, audit.EVIDENCE_APPROVED if approve else audit.EVIDENCE_RETURNED,
                     target=f"{agency_id}/{aspect}", detail={"file": row.file_sha256} if approve else None, at=at)
        row = conn.execute(sa.select(evidence_items).where(*where)).one()
    return _aspect(row)


def _upsert(conn: sa.Connection, key: dict, values: dict) -> None:
    """Insert or update one row in one statement (two first saves at once must not fail with a 500)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(evidence_items).values(**key, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values))
