"""The editor's forms and the catalog's JSON: one form field per catalog field, and back.

Every value arrives as text from a form; lists (requirements, procedure...) are one item per line. The
result is validated by the kiosk's own gate (``kiosk.domain.catalog.parse_agency`` / ``parse_service``),
so the editor cannot store what a kiosk would refuse; its message comes back on the field it names
(docs/standards-editor.md, "Forms").
"""

from __future__ import annotations

import re
from typing import Any

from ...domain.catalog import ALL_COMPONENTS, PUBLIC_COMPONENTS, parse_agency, parse_service
from ...domain.errors import ValidationError

# Bounds of what a form may carry, before the parser's own (4,000 characters a text, 200 a name).
FIELD_LIMIT = 4000
LINES_LIMIT = 8000  # a textarea of list items
LINES_MAX = 100  # items in one list

# (form field, English label, Indonesian label, max characters)
AGENCY_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("name", "Name (Indonesian)", "Nama (bahasa Indonesia)", 200),
    ("name_en", "Name (English)", "Nama (bahasa Inggris)", 200),
    ("short_name", "Short name", "Nama singkat", 40),
    ("address", "Address", "Alamat", 500),
    ("phone", "Phone", "Telepon", 100),
    ("email", "E-mail", "Surel", 200),
    ("hours", "Service hours", "Jam layanan", 500),
    ("motto", "Motto", "Moto", 500),
    ("maklumat_text", "Service charter (maklumat pelayanan)", "Maklumat pelayanan", FIELD_LIMIT),
    ("maklumat_signed_by", "Charter signed by", "Maklumat ditandatangani oleh", 200),
    ("maklumat_signed_on", "Charter signed on (YYYY-MM-DD)", "Maklumat ditandatangani tanggal (TTTT-BB-HH)", 10),
)
_MAKLUMAT = {"maklumat_text": "text", "maklumat_signed_by": "signed_by", "maklumat_signed_on": "signed_on"}

# The standard's components that are lists (one item per line); the others are one text each.
LIST_COMPONENTS = frozenset({
    "requirements", "procedure", "products", "complaint_handling", "legal_basis", "facilities",
    "staff_competence", "internal_supervision",
})
PUBLIC_KEYS = tuple(key for key, _, _ in PUBLIC_COMPONENTS)
# (form field, English label, Indonesian label): the service's own fields around its 14 components.
SERVICE_HEAD: tuple[tuple[str, str, str], ...] = (
    ("id", "Service id", "Kode layanan"),
    ("name", "Name (Indonesian)", "Nama (bahasa Indonesia)"),
    ("name_en", "Name (English)", "Nama (bahasa Inggris)"),
    ("keywords", "Search keywords", "Kata kunci pencarian"),
)
SERVICE_TAIL: tuple[tuple[str, str, str], ...] = (
    ("fee_idr", "Fee in rupiah (0 when free)", "Tarif dalam rupiah (0 bila gratis)"),
    ("duration_days", "Completion time in working days (empty when not fixed)",
     "Jangka waktu dalam hari kerja (kosong bila tidak tetap)"),
    ("form_id", "Kiosk form id (empty: none)", "Kode formulir kiosk (kosong: tidak ada)"),
)
OTHER_LABELS: tuple[tuple[str, str, str], ...] = (
    ("compliance", "Compliance (from the approved evidence)", "Kepatuhan (dari bukti yang disetujui)"),
    ("version", "Catalog version", "Versi katalog"),
    ("province", "Province", "Provinsi"),
    ("notice", "Notice on the kiosks", "Pengumuman di kios"),
    ("demo", "Demo catalog", "Katalog demo"),
)
SERVICE_FIELDS = tuple(name for name, _, _ in SERVICE_HEAD) + tuple(k for k, _, _ in ALL_COMPONENTS) + tuple(
    name for name, _, _ in SERVICE_TAIL)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

MSG_TOO_LONG = "At most {limit} characters."
MSG_TOO_MANY = "At most {limit} lines."
MSG_RUPIAH = "Write a whole number of rupiah, 0 when free."
MSG_DAYS = "Write a whole number of working days, or leave it empty."


class FieldError(Exception):
    """A form value the catalog refuses: ``field`` is the form field, ``message`` an English msgid."""

    def __init__(self, field: str, message: str, params: dict[str, Any]) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.params = field, message, params


def labels(lang: str) -> dict[str, str]:
    """Every field's label in ``lang`` (the standard's components by their names in PermenPANRB 15/2014)."""
    pick = 1 if lang == "en" else 2
    out = {f[0]: f[pick] for f in AGENCY_FIELDS}
    out.update({f"agency.{k}": v for k, v in out.items()})
    out.update({f[0]: f[pick] for f in SERVICE_HEAD + SERVICE_TAIL})
    out.update({key: (en if lang == "en" else id_) for key, id_, en in ALL_COMPONENTS})
    # Shown only in diffs: the compliance list (from the evidence) and the catalog's own fields.
    out.update({key: (en if lang == "en" else id_) for key, en, id_ in OTHER_LABELS})
    return out


# Control characters other than the line break and tab: never meant, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Typed text as stored: Windows line breaks as ``\n``, no control characters, trimmed."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()


def _bounded(values: dict[str, str], name: str, limit: int) -> str:
    value = clean(values.get(name) or "")
    if len(value) > limit:
        raise FieldError(name, MSG_TOO_LONG, {"limit": limit})
    return value


def _lines(values: dict[str, str], name: str) -> list[str]:
    items = [line.strip() for line in _bounded(values, name, LINES_LIMIT).split("\n") if line.strip()]
    if len(items) > LINES_MAX:
        raise FieldError(name, MSG_TOO_MANY, {"limit": LINES_MAX})
    return items


def _whole(values: dict[str, str], name: str, message: str, *, optional: bool) -> int | None:
    # Staff write rupiah as 150.000 or 150 000: dots and spaces group thousands; nothing else is allowed.
    text = re.sub(r"[.\s]", "", _bounded(values, name, 20))
    if not text and optional:
        return None
    if not text.isdigit():
        raise FieldError(name, message, {})
    return int(text)


def _form_field(path: str | None, prefix: str) -> str:
    """The form field a parser's dotted path names (``agency.maklumat.text`` -> ``maklumat_text``)."""
    parts = (path or "").removeprefix(prefix).split(".")
    if len(parts) >= 2 and parts[0] == "maklumat":
        return "maklumat_" + parts[1]
    return parts[-1] or "name"


def agency_values(agency: dict[str, Any]) -> dict[str, str]:
    mk = agency.get("maklumat") or {}
    values = {name: str(agency.get(name) or "") for name, *_ in AGENCY_FIELDS if name not in _MAKLUMAT}
    values.update({name: str(mk.get(key) or "") for name, key in _MAKLUMAT.items()})
    return values


def agency_from_form(values: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The agency's JSON from the form; its id and compliance list stay those of ``current``."""
    out: dict[str, Any] = {"id": current["id"]}
    maklumat: dict[str, str] = {}
    for name, _, _, limit in AGENCY_FIELDS:
        value = _bounded(values, name, limit)
        if name in _MAKLUMAT:
            maklumat[_MAKLUMAT[name]] = value
        else:
            out[name] = value
    out["maklumat"] = maklumat
    out["compliance"] = current.get("compliance", [])
    try:
        parse_agency(out, "agency")
    except ValidationError as exc:
        raise FieldError(_form_field(exc.field, "agency."), exc.message, dict(exc.params)) from None
    return out


def service_values(service: dict[str, Any]) -> dict[str, str]:
    standard = service.get("standard") or {}
    values = {"id": service.get("id", ""), "name": service.get("name", ""), "name_en": service.get("name_en", ""),
              "keywords": "\n".join(service.get("keywords") or []), "form_id": service.get("form_id") or ""}
    for key, _, _ in ALL_COMPONENTS:
        value = standard.get(key, "")
        values[key] = "\n".join(value) if isinstance(value, list) else str(value or "")
    values["fee_idr"] = str(standard.get("fee_idr", 0))
    days = standard.get("duration_days")
    values["duration_days"] = "" if days is None else str(days)
    return values


def service_from_form(values: dict[str, str], agency_id: str) -> dict[str, Any]:
    """A service's JSON from the form, validated as the kiosk validates it (FieldError names the field)."""
    service_id = _bounded(values, "id", 64)
    if not _ID_RE.match(service_id):
        raise FieldError("id", "must be a short id of lowercase letters, digits and dashes", {})
    standard: dict[str, Any] = {}
    for key, _, _ in ALL_COMPONENTS:
        standard[key] = _lines(values, key) if key in LIST_COMPONENTS else _bounded(values, key, FIELD_LIMIT)
    standard["fee_idr"] = _whole(values, "fee_idr", MSG_RUPIAH, optional=False)
    standard["duration_days"] = _whole(values, "duration_days", MSG_DAYS, optional=True)
    out: dict[str, Any] = {
        "id": service_id,
        "agency_id": agency_id,
        "name": _bounded(values, "name", 200),
        "name_en": _bounded(values, "name_en", 200),
        "keywords": _lines(values, "keywords"),
        "standard": standard,
    }
    form_id = _bounded(values, "form_id", 64)
    if form_id:
        out["form_id"] = form_id
    try:
        parse_service(out, "service", {agency_id})
    except ValidationError as exc:
        raise FieldError(_form_field(exc.field, "service."), exc.message, dict(exc.params)) from None
    return out
