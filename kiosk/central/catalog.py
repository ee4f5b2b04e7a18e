"""The catalog kiosks pull: published versions, and per-service IKM aggregates over all kiosks.

A kiosk asks with the cursor of what it has; the cursor is ``"<catalog version id>.<IKM snapshot id>"``
so that a new catalog *or* fresh aggregates make it pull again, and nothing else does. Aggregates are
recomputed at most every ``ikm_refresh_s`` seconds, so a busy day of surveys does not make every kiosk
download the catalog after every survey.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain.catalog import parse_catalog
from ..domain.errors import ValidationError
from ..sync import wire
from . import errors
from .db import catalog_versions, ikm_snapshots, now, ratings, reader

CURSOR_RE = re.compile(r"^([0-9]{1,12})\.([0-9]{1,12})$")
ELEMENTS = tuple(f"u{i}" for i in range(1, 10))


@dataclass(frozen=True, slots=True)
class Published:
    id: int
    version: str
    sha256: str
    published_at: datetime
    new: bool
    services: int


def publish(engine: Engine, raw: Any) -> Published:
    """Validate and store a catalog document as the newest version (the same document twice is one
    version)."""
    try:
        catalog = parse_catalog(raw)
    except ValidationError as exc:
        raise errors.Problem(errors.CATALOG_INVALID, {"reason": exc.render()}) from None
    text = wire.canonical_json(raw).decode("utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(740002)")
        latest = conn.execute(
            sa.select(catalog_versions.c.id, catalog_versions.c.sha256, catalog_versions.c.published_at)
            .order_by(catalog_versions.c.id.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.sha256 == digest:
            return Published(latest.id, catalog.version, digest, latest.published_at, False, len(catalog.services))
        at = now()
        new_id = conn.execute(
            catalog_versions.insert().values(version=catalog.version, sha256=digest, published_at=at, doc=text)
        ).inserted_primary_key[0]
    return Published(new_id, catalog.version, digest, at, True, len(catalog.services))


def parse_cursor(since: str | None) -> tuple[int, int] | None:
    if since is None or since == "":
        return None
    m = CURSOR_RE.match(since)
    if not m:
        raise errors.Problem(errors.BAD_CURSOR, {"cursor": since[:40]})
    return int(m.group(1)), int(m.group(2))


def _ikm_count(conn: sa.Connection) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(ratings).where(ratings.c.kind == "ikm")) or 0


def _refresh_ikm(engine: Engine, refresh_s: float) -> int:
    """Id of the IKM snapshot to ship, computing a new one when due."""
    with reader(engine) as conn:
        snap = conn.execute(
            sa.select(ikm_snapshots.c.id, ikm_snapshots.c.computed_at, ikm_snapshots.c.ratings_seen)
            .order_by(ikm_snapshots.c.id.desc())
            .limit(1)
        ).first()
        if snap is not None and now() - snap.computed_at < timedelta(seconds=refresh_s):
            return snap.id
        count = _ikm_count(conn)
        if snap is not None and snap.ratings_seen == count:
            return snap.id
        if snap is None and count == 0:
            return 0
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(740003)")
        latest = conn.execute(
            sa.select(ikm_snapshots.c.id, ikm_snapshots.c.ratings_seen).order_by(ikm_snapshots.c.id.desc()).limit(1)
        ).first()
        rows = conn.execute(
            sa.select(
                ratings.c.service_id,
                sa.func.count().label("n"),
                *[sa.func.sum(getattr(ratings.c, c)).label(c) for c in ELEMENTS],
            )
            .where(ratings.c.kind == "ikm", ratings.c.service_id.is_not(None))
            .group_by(ratings.c.service_id)
        ).all()
        seen = sum(r.n for r in rows) + (
            conn.scalar(
                sa.select(sa.func.count()).select_from(ratings).where(ratings.c.kind == "ikm", ratings.c.service_id.is_(None))
            )
            or 0
        )
        if latest is not None and latest.ratings_seen == seen:
            return latest.id
        at = now()
        doc = {
            r.service_id: {
                "respondents": int(r.n),
                "sums": {c.upper(): int(getattr(r, c) or 0) for c in ELEMENTS},
                "as_of": at.isoformat(timespec="seconds"),
            }
            for r in rows
        }
        return conn.execute(
            ikm_snapshots.insert().values(computed_at=at, ratings_seen=seen, doc=json.dumps(doc, sort_keys=True))
        ).inserted_primary_key[0]


def for_kiosk(engine: Engine, since: str | None, *, ikm_refresh_s: float) -> dict[str, Any]:
    """The pull answer: ``{"changed": false, "cursor": ...}`` or the whole catalog with its cursor."""
    parse_cursor(since)
    with reader(engine) as conn:
        cat = conn.execute(
            sa.select(catalog_versions.c.id, catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1)
        ).first()
    if cat is None:
        return {"changed": False, "cursor": since or None, "catalog": None}
    snap_id = _refresh_ikm(engine, ikm_refresh_s)
    cursor = f"{cat.id}.{snap_id}"
    if since == cursor:
        return {"changed": False, "cursor": cursor, "catalog": None}
    raw = json.loads(cat.doc)
    if snap_id:
        with reader(engine) as conn:
            ikm_doc = json.loads(conn.scalar(sa.select(ikm_snapshots.c.doc).where(ikm_snapshots.c.id == snap_id)))
        for service in raw.get("services", []):
            agg = ikm_doc.get(service.get("id"))
            if agg:
                service["ikm"] = agg
    return {"changed": True, "cursor": cursor, "catalog": raw}


@dataclass(frozen=True, slots=True)
class AgencyName:
    id: str
    name: str  # Indonesian
    name_en: str


def agencies(engine: Engine) -> list[AgencyName]:
    """The agencies of the newest published catalog, by Indonesian name (empty before any is published)."""
    with reader(engine) as conn:
        doc = conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1))
    if doc is None:
        return []
    catalog = parse_catalog(json.loads(doc))
    return sorted((AgencyName(a.id, a.name, a.name_en or a.name) for a in catalog.agencies), key=lambda a: a.name)
