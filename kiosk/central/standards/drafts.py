"""An agency's open draft of its standards: start it from the newest published catalog, edit the agency
and its services, submit it for review, return it with a note, rebase it, discard it.

One open draft per agency (``catalog_drafts``, keyed by agency). The draft holds the agency's record and
its services as catalog JSON; the rest of the catalog is never copied, so a publish of another agency
meanwhile is no conflict (docs/standards-editor.md, "Drafts"). Every change writes an audit row in the
same transaction. Actions take the person and check access.py themselves; they know no HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...domain.catalog import parse_catalog
from ...domain.errors import ValidationError
from ...errors import NotFound
from .. import access, audit
from ..access import Staff
from ..complaints import ActionRefused, NotAllowed
from ..db import catalog_drafts, catalog_versions, now, reader
from . import document as Doc
from . import fields as F

DRAFT, REVIEW, RETURNED = "draft", "review", "returned"
EDITABLE = frozenset({DRAFT, RETURNED})
NOTE_LIMIT = 1000
SERVICES_MAX = 200  # services of one agency

MSG_NO_CATALOG = "No catalog has been published yet."
MSG_NO_AGENCY = "No such agency in the published catalog."
MSG_NO_DRAFT = "There is no open draft for this agency."
MSG_NO_SERVICE = "No such service in the draft."
MSG_IN_REVIEW = "The draft is waiting for review; it cannot be changed until it is returned."
MSG_NOT_IN_REVIEW = "The draft has not been submitted for review."
MSG_ID_TAKEN = "Another service already has this id."
MSG_TOO_MANY_SERVICES = "At most {limit} services per agency."
MSG_NOTE = "Write a note for the officer: what must change."
MSG_NOTE_TOO_LONG = "At most {limit} characters."
MSG_ROLE = "Your role may not do this."
MSG_INVALID = "The draft does not pass the catalog's checks: {reason}"


@dataclass(frozen=True, slots=True)
class Draft:
    agency_id: str
    status: str
    base_version_id: int
    base_digest: str
    agency: dict[str, Any]
    services: list[dict[str, Any]]
    started_by: str
    updated_by: str
    updated_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    review_note: str | None

    def service(self, service_id: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s.get("id") == service_id), None)


# --- the published catalog and an agency's part of it ------------------------------------------------


def newest(conn: sa.Connection) -> tuple[int, dict[str, Any]] | None:
    """The newest published catalog version: (id, document)."""
    row = conn.execute(sa.select(catalog_versions.c.id, catalog_versions.c.doc)
                       .order_by(catalog_versions.c.id.desc()).limit(1)).first()
    return None if row is None else (row.id, json.loads(row.doc))


def validate_whole(doc: dict[str, Any]) -> None:
    """The kiosk's gate over the whole catalog; ActionRefused with its message."""
    try:
        parse_catalog(doc)
    except ValidationError as exc:
        raise ActionRefused(MSG_INVALID, reason=exc.render()) from None


# --- reading drafts -------------------------------------------------------------------------------------


def _draft(row: Any) -> Draft:
    doc = json.loads(row.doc)
    return Draft(row.agency_id, row.status, row.base_version_id, row.base_digest, doc["agency"], doc["services"],
                 row.started_by, row.updated_by, row.updated_at, row.submitted_by, row.submitted_at, row.review_note)


def get(engine: Engine, agency_id: str) -> Draft | None:
    with reader(engine) as conn:
        row = conn.execute(sa.select(catalog_drafts).where(catalog_drafts.c.agency_id == agency_id)).first()
    return None if row is None else _draft(row)


def load(conn: sa.Connection, agency_id: str, *, for_update: bool = False) -> Draft | None:
    """The draft in this transaction; ``for_update`` locks its row on PostgreSQL until the commit, so two
    saves of one draft at once (two services, by two people) each start from the other's result. SQLite's
    ``BEGIN IMMEDIATE`` already serialises every writing transaction."""
    q = sa.select(catalog_drafts).where(catalog_drafts.c.agency_id == agency_id)
    row = conn.execute(q.with_for_update() if for_update else q).first()
    return None if row is None else _draft(row)


def all_drafts(engine: Engine) -> dict[str, Draft]:
    with reader(engine) as conn:
        return {r.agency_id: _draft(r) for r in conn.execute(sa.select(catalog_drafts))}


def as_catalog(engine: Engine, agency_id: str) -> dict[str, Any] | None:
    """The newest published catalog with the agency's draft in it (as publishing it would make it, before
    the compliance evidence), or the published one when there is no draft; None before any publish."""
    with reader(engine) as conn:
        latest = newest(conn)
        draft = load(conn, agency_id)
    if latest is None:
        return None
    return Doc.merged(latest[1], draft.agency, draft.services) if draft else latest[1]


def may_read(staff: Staff, agency_id: str) -> bool:
    """The editor's pages of one agency: who may edit it, and the province and viewers for every agency."""
    return access.can_read_catalog_drafts(staff) and (staff.sees_all_agencies
                                                      or access.can_edit_standards(staff, agency_id))


# --- changing drafts ------------------------------------------------------------------------------------


def _must_edit(staff: Staff, agency_id: str) -> None:
    if not access.can_edit_standards(staff, agency_id):
        # An officer of another agency learns nothing: the same answer as for an unknown agency.
        raise NotFound(MSG_NO_AGENCY)


def _write(conn: sa.Connection, draft_agency: str, by: audit.Actor, agency: dict, services: list, **values: Any) -> None:
    conn.execute(catalog_drafts.update().where(catalog_drafts.c.agency_id == draft_agency).values(
        doc=json.dumps({"agency": agency, "services": services}, ensure_ascii=False),
        updated_by=by.username[:64], updated_at=now(), **values))


def start(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str) -> Draft:
    """The agency's open draft, started from the newest published catalog when it has none."""
    _must_edit(staff, agency_id)
    try:
        return _start(engine, by, agency_id)
    except sa.exc.IntegrityError:  # started by someone else at the same moment (PostgreSQL): theirs it is
        return get(engine, agency_id)


def _start(engine: Engine, by: audit.Actor, agency_id: str) -> Draft:
    with engine.begin() as conn:
        existing = load(conn, agency_id)
        if existing is not None:
            return existing
        latest = newest(conn)
        if latest is None:
            raise NotFound(MSG_NO_CATALOG)
        part = Doc.part_of(latest[1], agency_id)
        if part is None:
            raise NotFound(MSG_NO_AGENCY)
        at = now()
        conn.execute(catalog_drafts.insert().values(
            agency_id=agency_id, status=DRAFT, base_version_id=latest[0], base_digest=Doc.digest(latest[1], agency_id),
            doc=json.dumps({"agency": part[0], "services": part[1]}, ensure_ascii=False),
            started_by=by.username[:64], started_at=at, updated_by=by.username[:64], updated_at=at))
        audit.record(conn, by, audit.STANDARDS_DRAFT_STARTED, target=f"agency:{agency_id}",
                     detail={"base_version": latest[0]}, at=at)
        return load(conn, agency_id)


def _editable(conn: sa.Connection, staff: Staff, agency_id: str) -> Draft:
    _must_edit(staff, agency_id)
    draft = load(conn, agency_id, for_update=True)
    if draft is None:
        raise NotFound(MSG_NO_DRAFT)
    if draft.status not in EDITABLE:
        raise ActionRefused(MSG_IN_REVIEW)
    return draft


def save_agency(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, values: dict[str, str]) -> None:
    """Replace the draft's agency record from the form; F.FieldError when a value is refused."""
    with engine.begin() as conn:
        draft = _editable(conn, staff, agency_id)
        agency = F.agency_from_form(values, draft.agency)
        _write(conn, agency_id, by, agency, draft.services)
        audit.record(conn, by, audit.STANDARDS_DRAFT_SAVED, target=f"agency:{agency_id}", detail={"part": "agency"})


def save_service(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, service_id: str | None,
                 values: dict[str, str]) -> str:
    """Change service ``service_id`` of the draft, or add one (``None``); returns its id. A changed service
    keeps its id (the form's id field counts only for a new one)."""
    with engine.begin() as conn:
        draft = _editable(conn, staff, agency_id)
        if service_id is not None:
            if draft.service(service_id) is None:
                raise NotFound(MSG_NO_SERVICE)
            values = {**values, "id": service_id}
        service = F.service_from_form(values, agency_id)
        services = list(draft.services)
        if service_id is None:
            if len(services) >= SERVICES_MAX:
                raise ActionRefused(MSG_TOO_MANY_SERVICES, limit=SERVICES_MAX)
            # Service ids are unique over the whole catalog (the kiosk's gate says so).
            latest = newest(conn)
            taken = {s.get("id") for s in services} | {
                s.get("id") for s in (latest[1]["services"] if latest else []) if s.get("agency_id") != agency_id}
            if service["id"] in taken:
                raise F.FieldError("id", MSG_ID_TAKEN, {})
            services.append(service)
            change = "added"
        else:
            services = [service if s.get("id") == service_id else s for s in services]
            change = "changed"
        _write(conn, agency_id, by, draft.agency, services)
        audit.record(conn, by, audit.STANDARDS_DRAFT_SAVED, target=f"agency:{agency_id}",
                     detail={"part": "service", "service": service["id"], "change": change})
        return service["id"]


def remove_service(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, service_id: str) -> None:
    with engine.begin() as conn:
        draft = _editable(conn, staff, agency_id)
        if draft.service(service_id) is None:
            raise NotFound(MSG_NO_SERVICE)
        _write(conn, agency_id, by, draft.agency, [s for s in draft.services if s.get("id") != service_id])
        audit.record(conn, by, audit.STANDARDS_DRAFT_SAVED, target=f"agency:{agency_id}",
                     detail={"part": "service", "service": service_id, "change": "removed"})


def replace(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, doc: dict[str, Any], source: str) -> Draft:
    """Make the agency's part of ``doc`` (a whole catalog, e.g. from a CSV upload) its draft: started if
    there is none, refused while in review. ``doc`` must pass the kiosk's gate."""
    validate_whole(doc)
    part = Doc.part_of(doc, agency_id)
    if part is None:
        raise NotFound(MSG_NO_AGENCY)
    start(engine, staff, by, agency_id)
    with engine.begin() as conn:
        draft = _editable(conn, staff, agency_id)
        agency = {**part[0], "compliance": draft.agency.get("compliance", [])}
        _write(conn, agency_id, by, agency, part[1])
        audit.record(conn, by, audit.STANDARDS_DRAFT_SAVED, target=f"agency:{agency_id}",
                     detail={"part": "all", "source": source})
        return load(conn, agency_id)


def submit(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str) -> None:
    """Send the draft to the desk; refused when the catalog it would make does not pass the kiosk's gate."""
    with engine.begin() as conn:
        draft = _editable(conn, staff, agency_id)
        latest = newest(conn)
        if latest is None:
            raise NotFound(MSG_NO_CATALOG)
        validate_whole(Doc.merged(latest[1], draft.agency, draft.services))
        at = now()
        conn.execute(catalog_drafts.update().where(catalog_drafts.c.agency_id == agency_id).values(
            status=REVIEW, submitted_by=by.username[:64], submitted_at=at))
        audit.record(conn, by, audit.STANDARDS_SUBMITTED, target=f"agency:{agency_id}", at=at)


def return_to_officer(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, note: str) -> None:
    """The desk sends a draft in review back, with what must change."""
    if not access.can_publish_catalog(staff):
        raise NotAllowed(MSG_ROLE)
    note = F.clean(note)
    if not note:
        raise ActionRefused(MSG_NOTE, field="note")
    if len(note) > NOTE_LIMIT:
        raise ActionRefused(MSG_NOTE_TOO_LONG, field="note", limit=NOTE_LIMIT)
    with engine.begin() as conn:
        draft = load(conn, agency_id, for_update=True)
        if draft is None:
            raise NotFound(MSG_NO_DRAFT)
        if draft.status != REVIEW:
            raise ActionRefused(MSG_NOT_IN_REVIEW)
        conn.execute(catalog_drafts.update().where(catalog_drafts.c.agency_id == agency_id).values(
            status=RETURNED, review_note=note, updated_at=now(), updated_by=by.username[:64]))
        # The note is the desk's own words about the standard, not personal data.
        audit.record(conn, by, audit.STANDARDS_RETURNED, target=f"agency:{agency_id}", detail={"note": note[:200]})


def discard(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str) -> None:
    with engine.begin() as conn:
        _editable(conn, staff, agency_id)
        conn.execute(catalog_drafts.delete().where(catalog_drafts.c.agency_id == agency_id))
        audit.record(conn, by, audit.STANDARDS_DRAFT_DISCARDED, target=f"agency:{agency_id}")


def rebase(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str) -> None:
    """Carry the draft's own changes onto the newest published catalog: every field and service the draft
    changed since it was started keeps the draft's value; everything else becomes what is published now."""
    _must_edit(staff, agency_id)
    with engine.begin() as conn:
        draft = load(conn, agency_id, for_update=True)
        if draft is None:
            raise NotFound(MSG_NO_DRAFT)
        latest = newest(conn)
        if latest is None:
            raise NotFound(MSG_NO_CATALOG)
        base_doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc)
                                          .where(catalog_versions.c.id == draft.base_version_id)))
        base = Doc.part_of(base_doc, agency_id) or ({}, [])
        theirs = Doc.part_of(latest[1], agency_id)
        if theirs is None:
            raise NotFound(MSG_NO_AGENCY)
        agency, services = Doc.rebased(base, (draft.agency, draft.services), theirs)
        status = DRAFT if draft.status == REVIEW else draft.status
        _write(conn, agency_id, by, agency, services, base_version_id=latest[0],
               base_digest=Doc.digest(latest[1], agency_id), status=status)
        audit.record(conn, by, audit.STANDARDS_REBASED, target=f"agency:{agency_id}",
                     detail={"from": draft.base_version_id, "to": latest[0]})
