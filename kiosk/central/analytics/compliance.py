"""Compliance (Ombudsman kepatuhan) per agency: the nine aspects, the score and zone, and their history.

Every published catalog stays in ``catalog_versions``; :func:`refresh` (run by ``kiosk central tick``)
writes one ``compliance_snapshots`` row per agency of each version not yet snapshotted, so the pages
read small rows instead of parsing every catalog ever published. The scoring rule is
``domain.compliance`` (iPLiK's reading of the nine-aspect checklist; docs/analytics.md). A query
module: no HTTP.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...domain import compliance as rule
from ...domain.catalog import ComplianceAspect
from ..db import catalog_versions, compliance_snapshots, upsert
from ..settings import Settings
from . import rollup, units
from .figures import AspectFigure, ComplianceFigure, Unit, UnitKind, Zone

log = logging.getLogger(__name__)

NAME = "compliance"  # this rollup's watermark in rollup_marks
ASPECTS = tuple(a.value for a in ComplianceAspect)  # the nine, in the checklist's order


# --- the rollup -------------------------------------------------------------------------------------


def aspects_of(raw_agency: dict) -> tuple[AspectFigure, ...]:
    """The nine aspects of one agency as a published catalog states them, in checklist order. An
    aspect it does not state is ``belum`` with no evidence (it counts 0 either way); an aspect stated
    twice counts as first stated. Read from the stored JSON leniently, because an old catalog was
    valid under the rules of its day."""
    stated: dict[str, AspectFigure] = {}
    for item in raw_agency.get("compliance") or ():
        if not isinstance(item, dict):
            continue
        aspect, status = item.get("aspect"), item.get("status")
        if aspect in ASPECTS and status in rule.STATUS_POINTS and aspect not in stated:
            evidence = item.get("evidence")
            stated[aspect] = AspectFigure(aspect, status, evidence if isinstance(evidence, str) else "")
    return tuple(stated.get(a, AspectFigure(a, "belum", "")) for a in ASPECTS)


def refresh(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Snapshot every catalog version that has none yet; returns the rows written. One transaction per
    version, so a first run over years of catalogs never holds SQLite's write lock for long."""
    done = sa.select(compliance_snapshots.c.catalog_version_id)
    with engine.connect() as conn:
        pending = conn.scalars(sa.select(catalog_versions.c.id).where(catalog_versions.c.id.not_in(done))
                               .order_by(catalog_versions.c.id)).all()
    written = 0
    for version_id in pending:
        with engine.begin() as conn:
            version = conn.execute(sa.select(catalog_versions.c.published_at, catalog_versions.c.doc)
                                   .where(catalog_versions.c.id == version_id)).one()
            rows = _rows(version_id, version.published_at, version.doc)
            if rows:
                conn.execute(upsert(conn, compliance_snapshots).values(rows).on_conflict_do_nothing())
            written += len(rows)
    with engine.begin() as conn:
        newest = conn.scalar(sa.select(sa.func.max(catalog_versions.c.published_at)))
        rollup.set_mark(conn, NAME, newest or now, now)
    if written:
        log.info("compliance: %d agency snapshots from %d catalog versions", written, len(pending))
    return written


def _rows(version_id: int, published_at: datetime, doc: str) -> list[dict]:
    try:
        agencies = json.loads(doc).get("agencies") or []
    except (ValueError, AttributeError):
        log.warning("compliance: catalog version %d is not a JSON object; skipped", version_id)
        return []
    rows, seen = [], set()
    for raw in agencies:
        agency_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(agency_id, str) or not agency_id or agency_id in seen:
            continue
        seen.add(agency_id)
        aspects = aspects_of(raw)
        score = rule.score(a.status for a in aspects)
        rows.append({
            "catalog_version_id": version_id,
            "agency_id": agency_id,
            "published_at": published_at,
            "score_x100": int(score * 100),
            "zone": rule.zone(score),
            "aspects": json.dumps([[a.aspect, a.status, a.evidence] for a in aspects], ensure_ascii=False),
        })
    return rows


# --- the queries ------------------------------------------------------------------------------------


def _figure(row, unit: Unit) -> ComplianceFigure:
    aspects = tuple(AspectFigure(a, s, e) for a, s, e in json.loads(row.aspects))
    return ComplianceFigure(unit=unit, as_of=row.published_at, aspects=aspects,
                            score=Decimal(row.score_x100).scaleb(-2), zone=Zone(row.zone))


def _select():
    c = compliance_snapshots.c
    return sa.select(c.catalog_version_id, c.agency_id, c.published_at, c.score_x100, c.zone, c.aspects)


def _unit(index: units.UnitIndex, agency_id: str) -> Unit:
    return index.get(UnitKind.AGENCY, agency_id)


def _in_catalog_order(figures: list[ComplianceFigure], index: units.UnitIndex) -> list[ComplianceFigure]:
    order = {aid: i for i, aid in enumerate(index.by_kind.get(UnitKind.AGENCY, {}))}
    return sorted(figures, key=lambda f: (order.get(f.unit.id, len(order)), f.unit.id))


def compliance_as_of(conn: sa.Connection, until: datetime | None = None,
                     agencies: Iterable[str] | None = None) -> list[ComplianceFigure]:
    """Each agency's compliance in the newest snapshotted catalog published before ``until`` (all of
    them with None), in catalog order; only ``agencies`` when given (an officer's)."""
    c = compliance_snapshots.c
    newest = sa.select(sa.func.max(c.catalog_version_id))
    if until is not None:
        newest = newest.where(c.published_at < until)
    version = conn.scalar(newest)
    if version is None:
        return []
    query = _select().where(c.catalog_version_id == version)
    if agencies is not None:
        query = query.where(c.agency_id.in_(sorted(set(agencies))))
    index = units.index(conn)
    return _in_catalog_order([_figure(r, _unit(index, r.agency_id)) for r in conn.execute(query)], index)


def compliance_by_agency(conn: sa.Connection, agencies: Iterable[str] | None = None) -> list[ComplianceFigure]:
    """The newest compliance of every agency (or of ``agencies``), in catalog order."""
    return compliance_as_of(conn, None, agencies)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant after local ``day``: what "as of the end of the period" compares with."""
    return datetime.combine(day + timedelta(days=1), time(0), tz)


def compliance_at(conn: sa.Connection, agency_id: str, day: date, tz: ZoneInfo) -> ComplianceFigure | None:
    """One agency's compliance as of the end of local ``day`` (None: no catalog by then held it)."""
    found = compliance_as_of(conn, end_of_day(day, tz), [agency_id])
    return found[0] if found else None


def agency_short_names(conn: sa.Connection) -> dict[str, str]:
    """Each agency's short name in the newest catalog (Bappenda, Dinkes): what fits beside a bar."""
    catalog = units.current_catalog(conn)
    return {a.id: a.short_name for a in catalog.agencies} if catalog is not None else {}


def compliance_history(conn: sa.Connection, agency_id: str) -> list[ComplianceFigure]:
    """One figure per published change of the agency's score or of any aspect's status, oldest first
    (a catalog that changed only evidence text, or only other agencies, adds nothing)."""
    c = compliance_snapshots.c
    rows = conn.execute(_select().where(c.agency_id == agency_id).order_by(c.catalog_version_id)).all()
    unit = _unit(units.index(conn), agency_id)
    out: list[ComplianceFigure] = []
    for row in rows:
        figure = _figure(row, unit)
        if out and out[-1].score == figure.score and _statuses(out[-1]) == _statuses(figure):
            continue
        out.append(figure)
    return out


def _statuses(figure: ComplianceFigure) -> tuple[str, ...]:
    return tuple(a.status for a in figure.aspects)
