"""What a kiosk shows about agencies and their services: the catalog types and their validation.

A service's standard carries all 14 components of UU 25/2009 Pasal 21. PermenPANRB 15/2014 splits them
into six that face the public ("service delivery") and eight that are internal ("manufacturing").
The catalog travels as JSON (``iplik-catalog/1``); :func:`parse_catalog` is the single gate for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .errors import ValidationError

CATALOG_FORMAT = "iplik-catalog/1"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# (json key, Indonesian name, English name); order is the order of Pasal 21 as published by PermenPANRB.
PUBLIC_COMPONENTS: tuple[tuple[str, str, str], ...] = (
    ("requirements", "Persyaratan", "Requirements"),
    ("procedure", "Sistem, mekanisme, dan prosedur", "System, mechanism and procedure"),
    ("duration", "Jangka waktu penyelesaian", "Completion time"),
    ("fees", "Biaya/tarif", "Fees"),
    ("products", "Produk pelayanan", "Service product"),
    ("complaint_handling", "Penanganan pengaduan, saran, dan masukan", "Complaints, suggestions and feedback"),
)
INTERNAL_COMPONENTS: tuple[tuple[str, str, str], ...] = (
    ("legal_basis", "Dasar hukum", "Legal basis"),
    ("facilities", "Sarana, prasarana, dan/atau fasilitas", "Facilities"),
    ("staff_competence", "Kompetensi pelaksana", "Staff competence"),
    ("internal_supervision", "Pengawasan internal", "Internal supervision"),
    ("staff_count", "Jumlah pelaksana", "Number of staff"),
    ("service_guarantee", "Jaminan pelayanan", "Service guarantee"),
    ("safety_guarantee", "Jaminan keamanan dan keselamatan pelayanan", "Security and safety guarantee"),
    ("performance_evaluation", "Evaluasi kinerja pelaksana", "Staff performance evaluation"),
)
ALL_COMPONENTS = PUBLIC_COMPONENTS + INTERNAL_COMPONENTS


class ComplianceAspect(str, Enum):
    """The nine aspects of iPLiK's compliance menu, matching the Ombudsman checklist."""

    STANDAR_PELAYANAN = "standar_pelayanan"
    MAKLUMAT = "maklumat"
    SISTEM_INFORMASI = "sistem_informasi"
    SARANA_PRASARANA = "sarana_prasarana"
    PELAYANAN_KHUSUS = "pelayanan_khusus"
    PENGELOLAAN_PENGADUAN = "pengelolaan_pengaduan"
    PENILAIAN_KINERJA = "penilaian_kinerja"
    VISI_MISI_MOTTO = "visi_misi_motto"
    ATRIBUT = "atribut"


COMPLIANCE_LABELS: dict[ComplianceAspect, tuple[str, str]] = {
    ComplianceAspect.STANDAR_PELAYANAN: ("Standar pelayanan", "Service standards"),
    ComplianceAspect.MAKLUMAT: ("Maklumat pelayanan", "Service charter"),
    ComplianceAspect.SISTEM_INFORMASI: ("Sistem informasi pelayanan", "Service information system"),
    ComplianceAspect.SARANA_PRASARANA: ("Sarana dan prasarana", "Facilities"),
    ComplianceAspect.PELAYANAN_KHUSUS: (
        "Pelayanan khusus (disabilitas, lansia, ibu hamil)",
        "Special services (disability, elderly, pregnant women)",
    ),
    ComplianceAspect.PENGELOLAAN_PENGADUAN: ("Pengelolaan pengaduan", "Complaint management"),
    ComplianceAspect.PENILAIAN_KINERJA: ("Penilaian kinerja", "Performance assessment"),
    ComplianceAspect.VISI_MISI_MOTTO: ("Visi, misi, dan motto layanan", "Vision, mission and motto"),
    ComplianceAspect.ATRIBUT: ("Atribut pelayan", "Staff attributes (ID, uniform)"),
}


class ComplianceStatus(str, Enum):
    ADA = "ada"  # present and in use
    SEBAGIAN = "sebagian"  # partly present
    BELUM = "belum"  # missing


# A compliance item's public evidence file (issue 15, docs/compliance-evidence.md): named by the sha256 of
# its bytes; the kiosk fetches it from the server and checks both the digest and the size.
ATTACHMENT_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
ATTACHMENT_MAX_BYTES = 8 * 1024 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Attachment:
    sha256: str  # 64 lowercase hex digits
    type: str  # one of ATTACHMENT_TYPES
    size: int  # bytes ("bytes" in the JSON)

    @property
    def is_image(self) -> bool:
        return self.type.startswith("image/")


@dataclass(frozen=True, slots=True)
class ComplianceItem:
    aspect: ComplianceAspect
    status: ComplianceStatus
    evidence: str
    attachment: Attachment | None = None  # absent from catalogs before issue 15


@dataclass(frozen=True, slots=True)
class Maklumat:
    """The unit's written promise (citizen charter) to serve by its standard."""

    text: str
    signed_by: str
    signed_on: str  # ISO date


@dataclass(frozen=True, slots=True)
class Standard:
    requirements: tuple[str, ...]
    procedure: tuple[str, ...]
    duration: str
    duration_days: int | None  # working days, None when it is not a fixed number
    fees: str
    fee_idr: int  # 0 means free ("Gratis")
    products: tuple[str, ...]
    complaint_handling: tuple[str, ...]
    legal_basis: tuple[str, ...]
    facilities: tuple[str, ...]
    staff_competence: tuple[str, ...]
    internal_supervision: tuple[str, ...]
    staff_count: str
    service_guarantee: str
    safety_guarantee: str
    performance_evaluation: str

    @property
    def is_free(self) -> bool:
        return self.fee_idr == 0


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    agency_id: str
    name: str
    name_en: str
    keywords: tuple[str, ...]
    standard: Standard
    form_id: str | None = None


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    name_en: str
    short_name: str
    address: str
    phone: str
    email: str
    hours: str
    motto: str
    maklumat: Maklumat
    compliance: tuple[ComplianceItem, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    version: str
    demo: bool
    province: str
    agencies: tuple[Agency, ...]
    services: tuple[Service, ...]
    notice: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


# --- parsing ---------------------------------------------------------------------------------------


def _need(obj: dict, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise ValidationError("must be an object", field=where)
    if key not in obj:
        raise ValidationError("is missing", field=f"{where}.{key}")
    return obj[key]


def _text(obj: dict, key: str, where: str, *, required: bool = True, max_len: int = 4000) -> str:
    value = _need(obj, key, where) if required else obj.get(key, "")
    if not isinstance(value, str):
        raise ValidationError("must be text", field=f"{where}.{key}")
    value = value.strip()
    if required and not value:
        raise ValidationError("must not be empty", field=f"{where}.{key}")
    if len(value) > max_len:
        raise ValidationError("is longer than {limit} characters", field=f"{where}.{key}", limit=max_len)
    return value


def _texts(obj: dict, key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
    value = _need(obj, key, where) if required else obj.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("must be a list of non-empty texts", field=f"{where}.{key}")
    if required and not value:
        raise ValidationError("must not be empty", field=f"{where}.{key}")
    return tuple(v.strip() for v in value)


def _ident(obj: dict, key: str, where: str) -> str:
    value = _need(obj, key, where)
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValidationError(
            "must be a short id of lowercase letters, digits and dashes", field=f"{where}.{key}"
        )
    return value


def parse_standard(raw: dict, where: str) -> Standard:
    days = raw.get("duration_days") if isinstance(raw, dict) else None
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650):
        raise ValidationError("must be a whole number of working days", field=f"{where}.duration_days")
    fee = _need(raw, "fee_idr", where)
    if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
        raise ValidationError("must be a whole number of rupiah, 0 when free", field=f"{where}.fee_idr")
    return Standard(
        requirements=_texts(raw, "requirements", where),
        procedure=_texts(raw, "procedure", where),
        duration=_text(raw, "duration", where),
        duration_days=days,
        fees=_text(raw, "fees", where),
        fee_idr=fee,
        products=_texts(raw, "products", where),
        complaint_handling=_texts(raw, "complaint_handling", where),
        legal_basis=_texts(raw, "legal_basis", where),
        facilities=_texts(raw, "facilities", where),
        staff_competence=_texts(raw, "staff_competence", where),
        internal_supervision=_texts(raw, "internal_supervision", where),
        staff_count=_text(raw, "staff_count", where),
        service_guarantee=_text(raw, "service_guarantee", where),
        safety_guarantee=_text(raw, "safety_guarantee", where),
        performance_evaluation=_text(raw, "performance_evaluation", where),
    )


def _attachment(raw: Any, where: str) -> Attachment | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("must be an object", field=where)
    sha, kind, size = raw.get("sha256"), raw.get("type"), raw.get("bytes")
    if not isinstance(sha, str) or not _SHA256_RE.match(sha):
        raise ValidationError("must be 64 lowercase hexadecimal digits", field=f"{where}.sha256")
    if kind not in ATTACHMENT_TYPES:
        raise ValidationError("must be image/jpeg, image/png or application/pdf", field=f"{where}.type")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= ATTACHMENT_MAX_BYTES:
        raise ValidationError("must be a size between 1 and {limit} bytes", field=f"{where}.bytes",
                              limit=ATTACHMENT_MAX_BYTES)
    return Attachment(sha, kind, size)


def parse_agency(raw: dict, where: str) -> Agency:
    mk = _need(raw, "maklumat", where)
    items = _need(raw, "compliance", where)
    if not isinstance(items, list):
        raise ValidationError("must be a list", field=f"{where}.compliance")
    compliance = []
    for i, item in enumerate(items):
        at = f"{where}.compliance[{i}]"
        try:
            aspect = ComplianceAspect(_need(item, "aspect", at))
            status = ComplianceStatus(_need(item, "status", at))
        except ValueError:
            raise ValidationError("has an unknown aspect or status", field=at) from None
        compliance.append(ComplianceItem(aspect, status, _text(item, "evidence", at, required=False),
                                         _attachment(item.get("attachment"), f"{at}.attachment")))
    return Agency(
        id=_ident(raw, "id", where),
        name=_text(raw, "name", where, max_len=200),
        name_en=_text(raw, "name_en", where, max_len=200),
        short_name=_text(raw, "short_name", where, max_len=40),
        address=_text(raw, "address", where, required=False),
        phone=_text(raw, "phone", where, required=False),
        email=_text(raw, "email", where, required=False),
        hours=_text(raw, "hours", where, required=False),
        motto=_text(raw, "motto", where, required=False),
        maklumat=Maklumat(
            text=_text(mk, "text", f"{where}.maklumat"),
            signed_by=_text(mk, "signed_by", f"{where}.maklumat"),
            signed_on=_text(mk, "signed_on", f"{where}.maklumat"),
        ),
        compliance=tuple(compliance),
    )


def parse_service(raw: dict, where: str, agency_ids: set[str]) -> Service:
    agency_id = _ident(raw, "agency_id", where)
    if agency_id not in agency_ids:
        raise ValidationError("names an unknown agency", field=f"{where}.agency_id")
    form_id = raw.get("form_id")
    if form_id is not None and (not isinstance(form_id, str) or not _ID_RE.match(form_id)):
        raise ValidationError("must be a form id", field=f"{where}.form_id")
    return Service(
        id=_ident(raw, "id", where),
        agency_id=agency_id,
        name=_text(raw, "name", where, max_len=200),
        name_en=_text(raw, "name_en", where, max_len=200),
        keywords=_texts(raw, "keywords", where, required=False),
        standard=parse_standard(_need(raw, "standard", where), f"{where}.standard"),
        form_id=form_id,
    )


def parse_catalog(raw: Any) -> Catalog:
    """Validate a whole catalog document; raises :class:`ValidationError` naming the first bad field."""
    if not isinstance(raw, dict):
        raise ValidationError("a catalog must be a JSON object")
    if raw.get("format") != CATALOG_FORMAT:
        raise ValidationError("format must be {expected}", field="format", expected=CATALOG_FORMAT)
    agencies_raw = _need(raw, "agencies", "catalog")
    services_raw = _need(raw, "services", "catalog")
    if not isinstance(agencies_raw, list) or not isinstance(services_raw, list):
        raise ValidationError("agencies and services must be lists", field="catalog")
    agencies = tuple(parse_agency(a, f"agencies[{i}]") for i, a in enumerate(agencies_raw))
    agency_ids = {a.id for a in agencies}
    if len(agency_ids) != len(agencies):
        raise ValidationError("agency ids must be unique", field="agencies")
    services = tuple(parse_service(s, f"services[{i}]", agency_ids) for i, s in enumerate(services_raw))
    if len({s.id for s in services}) != len(services):
        raise ValidationError("service ids must be unique", field="services")
    demo = raw.get("demo", False)
    if not isinstance(demo, bool):
        raise ValidationError("must be true or false", field="demo")
    return Catalog(
        version=_text(raw, "version", "catalog", max_len=64),
        demo=demo,
        province=_text(raw, "province", "catalog", max_len=200),
        agencies=agencies,
        services=services,
        notice=_text(raw, "notice", "catalog", required=False),
    )
