"""What changes between two catalog documents, field by field: the review page and the history show it
side by side (old, new). Pure functions over the catalog's JSON; nothing here reads the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...domain.catalog import ALL_COMPONENTS

# The order fields are shown in: the agency's record, then a service's own fields and its standard
# (the six public components first, as PUBLIC_COMPONENTS + INTERNAL_COMPONENTS are ordered).
AGENCY_ORDER = ("name", "name_en", "short_name", "address", "phone", "email", "hours", "motto",
                "maklumat_text", "maklumat_signed_by", "maklumat_signed_on", "compliance")
SERVICE_ORDER = ("name", "name_en", "keywords", *(k for k, _, _ in ALL_COMPONENTS), "fee_idr", "duration_days",
                 "form_id")
CATALOG_ORDER = ("version", "province", "notice", "demo")


@dataclass(frozen=True, slots=True)
class Change:
    field: str  # a form field name (fields.labels gives its label)
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ServiceDiff:
    id: str
    name: str
    kind: str  # "added", "removed", "changed"
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class AgencyDiff:
    id: str
    name: str
    kind: str  # "added", "removed", "changed"
    changes: tuple[Change, ...]
    services: tuple[ServiceDiff, ...]


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    changes: tuple[Change, ...] = ()  # the catalog's own fields (version, notice...)
    agencies: tuple[AgencyDiff, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.agencies


def as_text(value: Any) -> str:
    """A field's value as the page shows it: lists one item per line, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(as_text(v) if not isinstance(v, dict) else _compliance_line(v) for v in value)
    return str(value)


def _compliance_line(item: dict[str, Any]) -> str:
    return f"{item.get('aspect', '')}: {item.get('status', '')}" + (f" ({item['evidence']})" if item.get("evidence") else "")


def _agency_flat(agency: dict[str, Any] | None) -> dict[str, str]:
    if not agency:
        return {}
    mk = agency.get("maklumat") or {}
    flat = {k: as_text(agency.get(k)) for k in AGENCY_ORDER if not k.startswith("maklumat_")}
    flat.update({f"maklumat_{k}": as_text(mk.get(k)) for k in ("text", "signed_by", "signed_on")})
    return flat


def _service_flat(service: dict[str, Any] | None) -> dict[str, str]:
    if not service:
        return {}
    standard = service.get("standard") or {}
    flat = {k: as_text(service.get(k)) for k in ("name", "name_en", "keywords", "form_id")}
    flat.update({k: as_text(standard.get(k)) for k, _, _ in ALL_COMPONENTS})
    flat.update({k: as_text(standard.get(k)) for k in ("fee_idr", "duration_days")})
    return flat


def _changes(old: dict[str, str], new: dict[str, str], order: tuple[str, ...]) -> tuple[Change, ...]:
    return tuple(Change(k, old.get(k, ""), new.get(k, "")) for k in order if old.get(k, "") != new.get(k, ""))


def services_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[ServiceDiff, ...]:
    old_by = {s.get("id"): s for s in old}
    new_by = {s.get("id"): s for s in new}
    out: list[ServiceDiff] = []
    for sid, service in new_by.items():
        before = old_by.get(sid)
        kind = "added" if before is None else "changed"
        changes = _changes(_service_flat(before), _service_flat(service), SERVICE_ORDER)
        if changes:
            out.append(ServiceDiff(sid, service.get("name", sid), kind, changes))
    for sid, service in old_by.items():
        if sid not in new_by:
            out.append(ServiceDiff(sid, service.get("name", sid), "removed",
                                   _changes(_service_flat(service), {}, SERVICE_ORDER)))
    return tuple(out)


def agency_diff(old_agency: dict[str, Any] | None, old_services: list[dict[str, Any]],
                new_agency: dict[str, Any] | None, new_services: list[dict[str, Any]]) -> AgencyDiff | None:
    """One agency's changes (None when nothing changed)."""
    agency = new_agency or old_agency or {}
    kind = "added" if old_agency is None else "removed" if new_agency is None else "changed"
    changes = _changes(_agency_flat(old_agency), _agency_flat(new_agency), AGENCY_ORDER)
    services = services_diff(old_services, new_services)
    if not changes and not services:
        return None
    return AgencyDiff(agency.get("id", ""), agency.get("name", ""), kind, changes, services)


def _services_of(doc: dict[str, Any], agency_id: str) -> list[dict[str, Any]]:
    return [s for s in doc.get("services", []) if s.get("agency_id") == agency_id]


def catalog_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> CatalogDiff:
    """Everything that changes from ``old`` (None: an empty catalog) to ``new``."""
    old = old or {}
    catalog_changes = _changes({k: as_text(old.get(k)) for k in CATALOG_ORDER},
                               {k: as_text(new.get(k)) for k in CATALOG_ORDER}, CATALOG_ORDER)
    old_agencies = {a.get("id"): a for a in old.get("agencies", [])}
    new_agencies = {a.get("id"): a for a in new.get("agencies", [])}
    ids = list(new_agencies) + [a for a in old_agencies if a not in new_agencies]
    diffs = []
    for agency_id in ids:
        d = agency_diff(old_agencies.get(agency_id), _services_of(old, agency_id),
                        new_agencies.get(agency_id), _services_of(new, agency_id))
        if d is not None:
            diffs.append(d)
    return CatalogDiff(catalog_changes, tuple(diffs))
