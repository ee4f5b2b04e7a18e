"""Response templates: ready answers per agency (or for every agency) that officers insert and adapt.

Read by whoever may answer a complaint of that agency; written by the province for every agency and
by officers for their own agencies (access.can_edit_templates). Every change is an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import access, audit
from .access import Staff
from .complaints import ActionRefused, NotAllowed, agency_ids
from .db import now, reader, response_templates
from ..errors import NotFound

TITLE_LIMIT = 200
BODY_LIMIT = 5000
MSG_TITLE = "Write a short title."
MSG_BODY = "Write the text of the template."
MSG_TOO_LONG = "At most {limit} characters."
MSG_NO_TEMPLATE = "No such template."
MSG_AGENCY = "Choose an agency from the list."


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    agency_id: str | None  # None: for every agency
    title: str
    body: str
    updated_at: datetime


def _rows(conn: sa.Connection, q: sa.Select) -> list[Template]:
    return [Template(r.id, r.agency_id, r.title, r.body, r.updated_at) for r in conn.execute(q)]


def for_agency(engine: Engine, agency_id: str | None) -> list[Template]:
    """What the answer form offers for a complaint handled by ``agency_id``: its own and the general ones."""
    q = sa.select(response_templates).order_by(response_templates.c.agency_id.is_(None), response_templates.c.title)
    cond = response_templates.c.agency_id.is_(None)
    if agency_id:
        cond = sa.or_(cond, response_templates.c.agency_id == agency_id)
    with reader(engine) as conn:
        return _rows(conn, q.where(cond))


def visible(engine: Engine, staff: Staff) -> list[Template]:
    """The templates page: the province sees all; an officer the general ones and their agencies'."""
    q = sa.select(response_templates).order_by(response_templates.c.agency_id, response_templates.c.title)
    if not staff.sees_all_agencies:
        q = q.where(sa.or_(response_templates.c.agency_id.is_(None),
                           response_templates.c.agency_id.in_(sorted(staff.agencies))))
    with reader(engine) as conn:
        return _rows(conn, q)


def _check(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ActionRefused(MSG_TITLE, field="title")
    if len(title) > TITLE_LIMIT:
        raise ActionRefused(MSG_TOO_LONG, field="title", limit=TITLE_LIMIT)
    if not body:
        raise ActionRefused(MSG_BODY, field="body")
    if len(body) > BODY_LIMIT:
        raise ActionRefused(MSG_TOO_LONG, field="body", limit=BODY_LIMIT)
    return title, body


def save(engine: Engine, staff: Staff, by: audit.Actor, *, agency_id: str | None, title: str, body: str,
         template_id: int | None = None) -> int:
    """Create (no ``template_id``) or change a template; NotAllowed outside the person's agencies."""
    agency_id = (agency_id or "").strip() or None
    title, body = _check(title, body)
    if not access.can_edit_templates(staff, agency_id):
        raise NotAllowed("Your role may not do this.")
    at = now()
    with engine.begin() as conn:
        if agency_id is not None and agency_id not in agency_ids(conn):
            raise ActionRefused(MSG_AGENCY, field="agency_id")
        if template_id is None:
            template_id = conn.execute(response_templates.insert().values(
                agency_id=agency_id, title=title, body=body, updated_at=at, updated_by=by.user_id,
            )).inserted_primary_key[0]
            change = "created"
        else:
            old = conn.execute(sa.select(response_templates.c.agency_id)
                               .where(response_templates.c.id == template_id)).first()
            if old is None or not access.can_edit_templates(staff, old.agency_id):
                raise NotFound(MSG_NO_TEMPLATE)
            conn.execute(response_templates.update().where(response_templates.c.id == template_id).values(
                agency_id=agency_id, title=title, body=body, updated_at=at, updated_by=by.user_id))
            change = "changed"
        audit.record(conn, by, audit.TEMPLATE_CHANGED, target=f"template:{template_id}",
                     detail={"change": change, "agency": agency_id}, at=at)
    return int(template_id)


def delete(engine: Engine, staff: Staff, by: audit.Actor, template_id: int) -> None:
    with engine.begin() as conn:
        old = conn.execute(sa.select(response_templates.c.agency_id).where(response_templates.c.id == template_id)).first()
        if old is None or not access.can_edit_templates(staff, old.agency_id):
            raise NotFound(MSG_NO_TEMPLATE)
        conn.execute(response_templates.delete().where(response_templates.c.id == template_id))
        audit.record(conn, by, audit.TEMPLATE_CHANGED, target=f"template:{template_id}",
                     detail={"change": "deleted", "agency": old.agency_id})
