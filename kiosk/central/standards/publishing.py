"""Publishing from the editor: a reviewed draft or an imported catalog becomes the newest catalog version,
which kiosks pull atomically at their next cursor; and the history of versions.

A publish runs in one transaction that holds the catalog's publish lock (PostgreSQL: the advisory lock
``kiosk.central.catalog.publish`` takes; SQLite: the write lock of ``BEGIN IMMEDIATE``), so two publishes
at once each start from the other's result and neither is lost. It refuses a draft whose agency changed
in the published catalog since the draft was started (docs/standards-editor.md, "Publishing").
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...domain.catalog import parse_catalog
from ...domain.errors import ValidationError
from ...errors import NotFound
from ...sync import wire
from .. import access, audit, evidence_catalog
from ..access import Staff
from ..complaints import ActionRefused, NotAllowed
from ..db import catalog_drafts, catalog_versions, now, reader
from . import document as Doc
from . import drafts as D
from . import fields as F

PUBLISH_LOCK = 740002  # the key catalog.publish locks on: both kinds of publish wait for each other
NOTE_LIMIT = 500
# Bytes of an uploaded catalog JSON: under the server's 4 MiB body limit with the form around it (the demo
# catalog is about 0.6 MB).
IMPORT_LIMIT = 3 * 1024 * 1024

MSG_CHANGED = ("This agency changed in the published catalog after the draft was started. "
               "Rebase the draft onto the newest catalog, check it, and publish again.")
MSG_CATALOG_MOVED = "A newer catalog was published after this import was checked. Check the file again."
MSG_NOTE_TOO_LONG = "At most {limit} characters."
MSG_BAD_JSON = "The file is not a catalog in JSON."
MSG_TOO_BIG = "The file is larger than {limit} MB."
MSG_NO_VERSION = "No such catalog version."


class Conflict(ActionRefused):
    """The published catalog moved on under a draft or an import."""


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    version: str
    published_at: datetime
    published_by: str | None
    agency_id: str | None
    note: str | None


def _lock(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PUBLISH_LOCK})")


def with_compliance(conn: sa.Connection, doc: dict[str, Any]) -> dict[str, Any]:
    """Each agency the evidence part names gets its approved compliance items (the others keep theirs)."""
    items = evidence_catalog.compliance_for_catalog(conn)
    for agency in doc.get("agencies", []):
        if agency.get("id") in items:
            agency["compliance"] = items[agency["id"]]
    return doc


def _note(note: str | None) -> str | None:
    note = F.clean(note)
    if len(note) > NOTE_LIMIT:
        raise ActionRefused(MSG_NOTE_TOO_LONG, field="note", limit=NOTE_LIMIT)
    return note or None


def _store(conn: sa.Connection, doc: dict[str, Any], by: audit.Actor, agency_id: str | None,
           note: str | None, at: datetime) -> int:
    """Validate and insert as catalog.publish stores a version (canonical JSON and its sha256)."""
    try:
        parse_catalog(doc)
    except ValidationError as exc:
        raise ActionRefused(D.MSG_INVALID, reason=exc.render()) from None
    text = wire.canonical_json(doc).decode("utf-8")
    return conn.execute(catalog_versions.insert().values(
        version=doc["version"], sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), published_at=at, doc=text,
        published_by=by.username[:64], agency_id=agency_id, note=note)).inserted_primary_key[0]


def next_version(conn: sa.Connection, at: datetime) -> str:
    """``2026-12-07.42``: the day and the number this version will most likely get (a label for people;
    kiosks follow the cursor, never this text)."""
    last = conn.scalar(sa.select(sa.func.max(catalog_versions.c.id))) or 0
    return f"{at:%Y-%m-%d}.{last + 1}"


def publish_draft(engine: Engine, staff: Staff, by: audit.Actor, agency_id: str, note: str | None = None) -> int:
    """Publish an agency's reviewed draft; returns the new catalog version's id."""
    if not access.can_publish_catalog(staff):
        raise NotAllowed(D.MSG_ROLE)
    note = _note(note)
    with engine.begin() as conn:
        _lock(conn)
        draft = D.load(conn, agency_id, for_update=True)
        if draft is None:
            raise NotFound(D.MSG_NO_DRAFT)
        if draft.status != D.REVIEW:
            raise ActionRefused(D.MSG_NOT_IN_REVIEW)
        latest = D.newest(conn)
        if latest is None:
            raise NotFound(D.MSG_NO_CATALOG)
        if Doc.digest(latest[1], agency_id) != draft.base_digest:
            raise Conflict(MSG_CHANGED)
        at = now()
        doc = with_compliance(conn, Doc.merged(latest[1], draft.agency, draft.services))
        doc["version"] = next_version(conn, at)
        version_id = _store(conn, doc, by, agency_id, note, at)
        conn.execute(catalog_drafts.delete().where(catalog_drafts.c.agency_id == agency_id))
        audit.record(conn, by, audit.STANDARDS_PUBLISHED, target=f"agency:{agency_id}",
                     detail={"catalog_version": version_id, "version": doc["version"]}, at=at)
    return int(version_id)


def read_upload(data: bytes) -> dict[str, Any]:
    """An uploaded catalog file, checked by the kiosk's gate (ActionRefused with its message)."""
    if len(data) > IMPORT_LIMIT:
        raise ActionRefused(MSG_TOO_BIG, field="file", limit=IMPORT_LIMIT // (1024 * 1024))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ActionRefused(MSG_BAD_JSON, field="file") from None
    try:
        parse_catalog(doc)
    except ValidationError as exc:
        raise ActionRefused(D.MSG_INVALID, field="file", reason=exc.render()) from None
    return doc


def pack(doc: dict[str, Any]) -> str:
    """The checked file for the import's confirmation form: compressed, so the second request stays small."""
    return base64.b64encode(zlib.compress(wire.canonical_json(doc), 6)).decode("ascii")


def unpack(text: str) -> dict[str, Any]:
    """The confirmation form's file again, checked again; at most IMPORT_LIMIT bytes unpacked (no zip bomb)."""
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(text.encode("ascii"), validate=True), IMPORT_LIMIT + 1)
    except (ValueError, zlib.error, UnicodeEncodeError):
        raise ActionRefused(MSG_BAD_JSON, field="file") from None
    return read_upload(data)


def import_catalog(engine: Engine, staff: Staff, by: audit.Actor, doc: dict[str, Any], *, checked_against: int | None,
                   note: str | None) -> int:
    """Publish a whole catalog (desk, admin) that was shown as a diff against version ``checked_against``
    (None: no catalog then); refused when another version was published since. Approved compliance
    evidence is applied as at every publish; the file's own version text is kept."""
    if not access.can_publish_catalog(staff):
        raise NotAllowed(D.MSG_ROLE)
    note = _note(note)
    with engine.begin() as conn:
        _lock(conn)
        latest = D.newest(conn)
        if (latest[0] if latest else None) != checked_against:
            raise Conflict(MSG_CATALOG_MOVED)
        at = now()
        doc = with_compliance(conn, json.loads(json.dumps(doc)))
        version_id = _store(conn, doc, by, None, note, at)
        audit.record(conn, by, audit.STANDARDS_IMPORTED, target=f"catalog:{version_id}",
                     detail={"catalog_version": version_id, "agencies": len(doc.get("agencies", []))}, at=at)
    return int(version_id)


# --- history ------------------------------------------------------------------------------------------


def _version(row: Any) -> Version:
    return Version(row.id, row.version, row.published_at, row.published_by, row.agency_id, row.note)


_COLUMNS = (catalog_versions.c.id, catalog_versions.c.version, catalog_versions.c.published_at,
            catalog_versions.c.published_by, catalog_versions.c.agency_id, catalog_versions.c.note)


def history(engine: Engine, *, before_id: int | None = None, limit: int = 50) -> list[Version]:
    """Newest first; ``before_id`` pages backwards."""
    q = sa.select(*_COLUMNS).order_by(catalog_versions.c.id.desc()).limit(limit)
    if before_id and before_id <= MAX_ID:
        q = q.where(catalog_versions.c.id < before_id)
    with reader(engine) as conn:
        return [_version(r) for r in conn.execute(q)]


MAX_ID = 2**31 - 1  # an id past the column's range is no version (and no database error)


def version_with_previous(engine: Engine, version_id: int) -> tuple[Version, dict[str, Any], dict[str, Any] | None]:
    """A version, its document, and the document of the version before it (None for the first)."""
    if not 0 < version_id <= MAX_ID:
        raise NotFound(MSG_NO_VERSION)
    with reader(engine) as conn:
        row = conn.execute(sa.select(*_COLUMNS, catalog_versions.c.doc).where(catalog_versions.c.id == version_id)).first()
        if row is None:
            raise NotFound(MSG_NO_VERSION)
        prev = conn.scalar(sa.select(catalog_versions.c.doc).where(catalog_versions.c.id < version_id)
                           .order_by(catalog_versions.c.id.desc()).limit(1))
    return _version(row), json.loads(row.doc), json.loads(prev) if prev else None


def version_text(engine: Engine, version_id: int | None) -> tuple[str, str]:
    """(version label, the stored JSON text) of a version, or of the newest when ``version_id`` is None."""
    if version_id is not None and not 0 < version_id <= MAX_ID:
        raise NotFound(MSG_NO_VERSION)
    q = sa.select(catalog_versions.c.version, catalog_versions.c.doc)
    q = q.where(catalog_versions.c.id == version_id) if version_id else q.order_by(catalog_versions.c.id.desc()).limit(1)
    with reader(engine) as conn:
        row = conn.execute(q).first()
    if row is None:
        raise NotFound(MSG_NO_VERSION)
    return row.version, row.doc


def newest(engine: Engine) -> tuple[int, dict[str, Any]] | None:
    with reader(engine) as conn:
        return D.newest(conn)
