"""Who the figures are about: agencies and services from the newest published catalog, offices and
kiosks from the enrolled devices, each as a :class:`~.figures.Unit` with its names.

A query module (no HTTP). The catalog is parsed once per published version (cached by its sha256),
so a dashboard asking for names many times a second reads one small row, not 200 KB of JSON.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...domain.catalog import Catalog, parse_catalog
from ..db import catalog_versions, devices
from .figures import Unit, UnitKind

_lock = threading.Lock()
# Parsed catalogs by their sha256: the id alone is not enough, since two databases (tests, a bench next
# to a demo) both have a catalog number 1. A few kept, not one, so two databases do not evict each other.
_cache: dict[str, Catalog] = {}
_CACHE_SIZE = 4


@dataclass(frozen=True, slots=True)
class UnitIndex:
    """Every unit the server knows, by kind and id, in catalog (or name) order."""

    by_kind: dict[UnitKind, dict[str, Unit]] = field(default_factory=dict)

    def get(self, kind: UnitKind, unit_id: str) -> Unit:
        """The unit, or a placeholder named by its id (a rating for a service since removed from the
        catalog still counts, under its id)."""
        unit = self.by_kind.get(kind, {}).get(unit_id)
        return unit if unit is not None else Unit(kind, unit_id, unit_id, unit_id)

    def of_kind(self, kind: UnitKind, agencies: Iterable[str] | None = None) -> list[Unit]:
        """The units of one kind, all of them or those of ``agencies`` (an officer's)."""
        units = list(self.by_kind.get(kind, {}).values())
        if agencies is None:
            return units
        allowed = set(agencies)
        return [u for u in units if u.agency_id in allowed]


def current_catalog(conn: sa.Connection) -> Catalog | None:
    """The newest published catalog, parsed (None before the first publish)."""
    newest = conn.execute(
        sa.select(catalog_versions.c.id, catalog_versions.c.sha256).order_by(catalog_versions.c.id.desc()).limit(1)
    ).first()
    if newest is None:
        return None
    with _lock:
        hit = _cache.get(newest.sha256)
    if hit is not None:
        return hit
    doc = conn.scalar(sa.select(catalog_versions.c.doc).where(catalog_versions.c.id == newest.id))
    parsed = parse_catalog(json.loads(doc))
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[newest.sha256] = parsed
    return parsed


def index(conn: sa.Connection) -> UnitIndex:
    by_kind: dict[UnitKind, dict[str, Unit]] = {k: {} for k in UnitKind}
    catalog = current_catalog(conn)
    if catalog is not None:
        for agency in catalog.agencies:
            by_kind[UnitKind.AGENCY][agency.id] = Unit(UnitKind.AGENCY, agency.id, agency.name,
                                                       agency.name_en or agency.name, agency.id)
        for service in catalog.services:
            by_kind[UnitKind.SERVICE][service.id] = Unit(UnitKind.SERVICE, service.id, service.name,
                                                         service.name_en or service.name, service.agency_id)
    rows = conn.execute(
        sa.select(devices.c.id, devices.c.name, devices.c.office, devices.c.agency_id).order_by(devices.c.office, devices.c.name)
    ).all()
    for row in rows:
        by_kind[UnitKind.KIOSK][row.id] = Unit(UnitKind.KIOSK, row.id, row.name or row.id, row.name or row.id, row.agency_id)
        if row.office not in by_kind[UnitKind.OFFICE]:
            by_kind[UnitKind.OFFICE][row.office] = Unit(UnitKind.OFFICE, row.office, row.office, row.office, row.agency_id)
    return UnitIndex(by_kind)
