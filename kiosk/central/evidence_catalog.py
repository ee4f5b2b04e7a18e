"""What the compliance evidence adds to a catalog at publish: each agency's approved aspects.

The standards editor's publish (``kiosk.central.standards``) calls :func:`compliance_for_catalog` inside
its transaction and replaces the ``compliance`` list of every agency named in the answer; agencies absent
from the answer keep the items their draft holds. Owned by the compliance-evidence part (issue 15).

An agency is named once the desk approved at least one of its aspects. Its list then holds, aspect by
aspect, the approved copy, else the item the newest published catalog had for that aspect (so approving
one aspect never makes the other eight vanish from the kiosks), in the order of ComplianceAspect
(docs/compliance-evidence.md, "What reaches the kiosk"). A file is named in an item (``attachment``) only
when the approved copy is marked public: the kiosk may fetch exactly those, and :func:`public_attachment`
answers the kiosk's download from the newest published catalog alone.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain.catalog import Attachment, ComplianceAspect, parse_catalog
from .db import catalog_versions, evidence_items, reader

_ORDER = {aspect.value: i for i, aspect in enumerate(ComplianceAspect)}


def compliance_for_catalog(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    """``{agency_id: [catalog compliance item, ...]}`` in the catalog's JSON shape (``aspect``, ``status``,
    ``evidence``, and for a public upload its ``attachment``), approved items only."""
    rows = conn.execute(
        sa.select(evidence_items).where(evidence_items.c.approved_status.is_not(None))
    ).all()
    approved: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        item: dict[str, Any] = {"aspect": r.aspect, "status": r.approved_status, "evidence": r.approved_evidence or ""}
        if r.approved_public and r.approved_sha256:
            item["attachment"] = {"sha256": r.approved_sha256, "type": r.approved_type, "bytes": r.approved_bytes}
        approved.setdefault(r.agency_id, {})[r.aspect] = item
    published = _published_items(conn, set(approved))
    out: dict[str, list[dict[str, Any]]] = {}
    for agency_id, items in approved.items():
        merged = {**published.get(agency_id, {}), **items}
        out[agency_id] = [merged[a] for a in sorted(merged, key=lambda a: _ORDER.get(a, 99))]
    return out


def _published_items(conn: sa.Connection, agency_ids: set[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{agency_id: {aspect: item}}`` of the newest published catalog, for these agencies."""
    if not agency_ids:
        return {}
    doc = conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1))
    if doc is None:
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for agency in json.loads(doc).get("agencies", []):
        if isinstance(agency, dict) and agency.get("id") in agency_ids:
            items = agency.get("compliance") if isinstance(agency.get("compliance"), list) else []
            out[agency["id"]] = {i["aspect"]: i for i in items if isinstance(i, dict) and i.get("aspect") in _ORDER}
    return out


def published_items(engine: Engine, agency_id: str) -> dict[str, dict[str, Any]]:
    """``{aspect: item}`` of one agency in the newest published catalog (what kiosks show now)."""
    with reader(engine) as conn:
        return _published_items(conn, {agency_id}).get(agency_id, {})


def public_attachment(engine: Engine, sha256: str) -> Attachment | None:
    """The attachment with this digest if the newest published catalog names it (public and approved
    when that catalog was published), else None."""
    with reader(engine) as conn:
        doc = conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1))
    if doc is None:
        return None
    catalog = parse_catalog(json.loads(doc))
    for agency in catalog.agencies:
        for item in agency.compliance:
            if item.attachment is not None and item.attachment.sha256 == sha256:
                return item.attachment
    return None
