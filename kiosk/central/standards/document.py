"""An agency's part of a catalog document, and the operations on it the editor needs: its digest (has it
changed?), putting a draft's part into a catalog, and carrying a draft's own changes onto a newer catalog
(the rebase). Pure functions over the catalog's JSON; docs/standards-editor.md, "Drafts" and "Publishing".
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from ...sync import wire


def part_of(doc: dict[str, Any], agency_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """An agency's record and its services in a catalog document (None when it has no such agency)."""
    agency = next((a for a in doc.get("agencies", []) if a.get("id") == agency_id), None)
    if agency is None:
        return None
    return agency, [s for s in doc.get("services", []) if s.get("agency_id") == agency_id]


def digest(doc: dict[str, Any], agency_id: str) -> str:
    """What a draft was started from, to see later whether the agency changed in the published catalog.
    The compliance list is left out: publish takes it from the evidence, never from the draft."""
    part = part_of(doc, agency_id)
    if part is None:
        return "absent"
    agency = {k: v for k, v in part[0].items() if k != "compliance"}
    return hashlib.sha256(wire.canonical_json({"agency": agency, "services": part[1]})).hexdigest()


def merged(doc: dict[str, Any], agency: dict[str, Any], services: list[dict[str, Any]]) -> dict[str, Any]:
    """``doc`` with one agency's record and services replaced (its compliance kept from ``doc``); the
    agency's services take the place of its first old one, or go last."""
    out = copy.deepcopy(doc)
    old = next((a for a in out["agencies"] if a.get("id") == agency["id"]), None)
    record = {**agency, "compliance": (old or agency).get("compliance", [])}
    if old is None:
        out["agencies"].append(record)
    else:
        out["agencies"][out["agencies"].index(old)] = record
    kept: list[dict[str, Any]] = []
    placed = False
    for service in out["services"]:
        if service.get("agency_id") == agency["id"]:
            if not placed:
                kept.extend(services)
                placed = True
        else:
            kept.append(service)
    if not placed:
        kept.extend(services)
    out["services"] = kept
    return out


def three_way(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Theirs with every top-level field I changed since base set to mine."""
    out = dict(theirs)
    for key in set(base) | set(mine):
        if base.get(key) != mine.get(key):
            if key in mine:
                out[key] = mine[key]
            else:
                out.pop(key, None)
    return out


def merge_service(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """As _three_way, and inside the standard component by component."""
    out = three_way(base, mine, theirs)
    out["standard"] = three_way(base.get("standard", {}), mine.get("standard", {}), theirs.get("standard", {}))
    return out


Part = tuple[dict[str, Any], list[dict[str, Any]]]


def rebased(base: Part, mine: Part, theirs: Part) -> Part:
    """My part (a draft started from ``base``) carried onto ``theirs`` (the newest published): what I
    changed since base keeps my value, field by field of the record and component by component of a
    service's standard; services I added stay, services I removed stay removed; the rest is theirs."""
    agency = three_way(base[0], mine[0], theirs[0])
    base_by = {s["id"]: s for s in base[1]}
    mine_by = {s["id"]: s for s in mine[1]}
    services = []
    for service in theirs[1]:
        sid = service["id"]
        if sid in base_by and sid not in mine_by:
            continue  # I removed it
        if sid in mine_by:
            before = base_by.get(sid)
            services.append(merge_service(before, mine_by[sid], service) if before else mine_by[sid])
        else:
            services.append(service)
    listed = {s["id"] for s in services}
    services += [s for sid, s in mine_by.items() if sid not in base_by and sid not in listed]
    return agency, services
