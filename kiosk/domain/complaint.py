"""A citizen's report as SP4N-LAPOR! classifies it: class, topic, privacy, and who files it.

Labels are English msgids (translated by the i18n layer) so the domain stays free of locale machinery.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from .catalog import _ID_RE
from .errors import ValidationError
from .identity import (
    MSG_NAME_EMPTY,
    mask_email,
    mask_nik,
    mask_phone,
    normalize_phone,
    validate_email,
    validate_name,
    validate_nik,
)


class ComplaintClass(str, Enum):
    PENGADUAN = "pengaduan"  # a complaint
    ASPIRASI = "aspirasi"  # a suggestion
    PERMINTAAN_INFORMASI = "permintaan_informasi"  # a request for information


class Topic(str, Enum):
    PUNGLI = "pungli"  # illegal fees
    LAMBAT = "lambat"  # slow service
    PROSEDUR_TIDAK_JELAS = "prosedur_tidak_jelas"
    PERILAKU_PETUGAS = "perilaku_petugas"
    SARANA = "sarana"
    BIAYA_TIDAK_SESUAI = "biaya_tidak_sesuai"
    LAINNYA = "lainnya"


class Privacy(str, Enum):
    BIASA = "biasa"  # public report, identity known to the agency
    ANONIM = "anonim"  # report may be public, identity hidden from the agency
    RAHASIA = "rahasia"  # the report itself is not public


class StandardPart(str, Enum):
    """The part of the service's standard (UU 25/2009 Pasal 21) the citizen says was not kept.

    The six parts PermenPANRB 15/2014 shows the public, plus the two internal ones a citizen meets at the
    counter (the premises, and the officers' competence). Values fit the server's 16-character column.
    A citizen who does not know sends none: the field is optional.
    """

    PERSYARATAN = "persyaratan"
    PROSEDUR = "prosedur"
    WAKTU = "waktu"
    BIAYA = "biaya"
    PRODUK = "produk"
    SARANA = "sarana"
    KOMPETENSI = "kompetensi"
    PENGADUAN = "pengaduan"


CLASS_LABELS: dict[ComplaintClass, str] = {
    ComplaintClass.PENGADUAN: "Complaint",
    ComplaintClass.ASPIRASI: "Suggestion",
    ComplaintClass.PERMINTAAN_INFORMASI: "Request for information",
}

TOPIC_LABELS: dict[Topic, str] = {
    Topic.PUNGLI: "Illegal fees (pungli)",
    Topic.LAMBAT: "Slow service",
    Topic.PROSEDUR_TIDAK_JELAS: "Unclear procedure",
    Topic.PERILAKU_PETUGAS: "Staff behaviour",
    Topic.SARANA: "Facilities",
    Topic.BIAYA_TIDAK_SESUAI: "Fees that do not match the standard",
    Topic.LAINNYA: "Something else",
}

PRIVACY_LABELS: dict[Privacy, str] = {
    Privacy.BIASA: "Regular",
    Privacy.ANONIM: "Anonymous",
    Privacy.RAHASIA: "Confidential",
}

STANDARD_PART_LABELS: dict[StandardPart, str] = {
    StandardPart.PERSYARATAN: "Requirements",
    StandardPart.PROSEDUR: "Procedure",
    StandardPart.WAKTU: "Completion time",
    StandardPart.BIAYA: "Fees",
    StandardPart.PRODUK: "Service product",
    StandardPart.SARANA: "Premises and equipment",
    StandardPart.KOMPETENSI: "Staff competence",
    StandardPart.PENGADUAN: "Complaint handling",
}

# The catalog key (kiosk.domain.catalog.ALL_COMPONENTS) of each part: what the service's standard
# promises there, for whoever reads the complaint next to it.
STANDARD_PART_COMPONENTS: dict[StandardPart, str] = {
    StandardPart.PERSYARATAN: "requirements",
    StandardPart.PROSEDUR: "procedure",
    StandardPart.WAKTU: "duration",
    StandardPart.BIAYA: "fees",
    StandardPart.PRODUK: "products",
    StandardPart.SARANA: "facilities",
    StandardPart.KOMPETENSI: "staff_competence",
    StandardPart.PENGADUAN: "complaint_handling",
}

# --- text ------------------------------------------------------------------------------------------

# Invisible format characters a description gains no meaning from: bidi overrides can make a report
# read differently to staff than it was typed ("Trojan Source"), and zero-width characters can pad
# a too-short text past the minimum. ZWJ (U+200D) and ZWNJ (U+200C) stay: emoji and scripts need them.
_INVISIBLE = frozenset(
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)

MSG_WRONG_TEXT = "Must be text, not {got}."
MSG_TEXT_TOO_LONG = "Please keep this to at most {limit} characters. You wrote {count}."


def _clean_char(ch: str) -> str:
    if ch == "\t" or unicodedata.category(ch) == "Zs":
        return " "  # NBSP and friends too: they look like spaces and should count like one
    if ch in _INVISIBLE:
        return ""
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs"):
        return ""
    code = ord(ch)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # Unicode noncharacters
        return ""
    return ch


def sanitize_text(text: str, *, max_len: int, keep_newlines: bool = True) -> str:
    """Citizen text made safe to store, print and show; idempotent.

    NFC-normalised (so "é" typed two ways is one string and lengths are stable), control and invisible
    characters removed, tabs and Unicode spaces turned into one space, every line trimmed, at most one
    blank line between paragraphs, the whole trimmed. Any line break (CR LF, CR, U+2028 ...) becomes
    ``\\n``; with ``keep_newlines=False`` lines are joined by a space. Letters of any script and emoji
    are kept. Length is counted in code points, as Python's len() and SQLite's length() count it.

    Raises :class:`ValidationError` (no field) when the cleaned text is longer than ``max_len``.
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_WRONG_TEXT, got=_json_type(text))
    text = unicodedata.normalize("NFC", text)
    lines = []
    for raw_line in text.splitlines():
        # A printable line (no control, format, surrogate, unassigned or non-ASCII space character) is
        # one _clean_char leaves as it is: skip the per-character pass, the bulk of ingest's time.
        cleaned = raw_line if raw_line.isprintable() else "".join(_clean_char(ch) for ch in raw_line)
        lines.append(" ".join(part for part in cleaned.split(" ") if part))
    if keep_newlines:
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        result = "\n".join(out).strip()
    else:
        result = " ".join(line for line in lines if line)
    # Removing a control character can leave a base letter next to its accent: compose again.
    result = unicodedata.normalize("NFC", result)
    if len(result) > max_len:
        raise ValidationError(MSG_TEXT_TOO_LONG, limit=max_len, count=len(result))
    return result


# --- the complaint ---------------------------------------------------------------------------------

DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 3000
CONSENT_VERSION_MAX = 40
INCIDENT_MAX_AGE_YEARS = 2

# The JSON keys of a complaint as the UI, the CLI and the sync layer exchange it.
COMPLAINT_KEYS = (
    "class", "topic", "agency_id", "service_id", "standard_part", "description", "incident_date", "privacy",
    "identity", "consent_version",
)
IDENTITY_KEYS = ("name", "nik", "phone", "email")

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SLUG_RE = _ID_RE  # the catalog's id syntax: a complaint names agencies and services by those ids

# {got} is the JSON type name: only API clients send wrong types, the kiosk's own forms cannot.
MSG_WRONG_OBJECT = "Must be an object, not {got}."
MSG_WRONG_DATE = "Must be a date as text (YYYY-MM-DD), not {got}."
MSG_UNKNOWN_KEY = "Unknown field {key}. Remove it."
MSG_REQUIRED = "This is required."
MSG_BAD_CHOICE = "Unknown value {value}. Choose one of: {choices}."
MSG_BAD_SLUG = "Must be a catalog id: lowercase letters, digits and dashes."
MSG_DESCRIPTION_SHORT = "Please tell us a bit more: at least {min} characters. You wrote {count}."
MSG_DESCRIPTION_LONG = "Please shorten your description to at most {max} characters. You wrote {count}."
MSG_DATE_FORMAT = "Must be a real date written as YYYY-MM-DD."
MSG_DATE_FUTURE = "The date of the event cannot be in the future. Please check the date."
MSG_DATE_TOO_OLD = "Reports can only be made about events in the last 2 years. Please check the date."
MSG_ANONYMOUS_WITH_IDENTITY = (
    "An anonymous report does not take your name or contact details. Remove them, or choose a "
    "regular or confidential report."
)
MSG_IDENTITY_NEEDED = "Please give your name and a phone number or email, so the agency can answer you."
MSG_CONTACT_NEEDED = "Please give a phone number or an email address, so the agency can answer you."
MSG_CONSENT_NEEDED = "Please read and accept the personal data notice first."
MSG_CONSENT_TOO_LONG = "The notice version can have at most {limit} characters."
MSG_CONSENT_TIME = "Must be a date and time with a time zone, written in ISO 8601."
MSG_PART_WITHOUT_SERVICE = "Choose the service first: the part of the standard belongs to a service."


@dataclass(frozen=True, slots=True)
class Identity:
    """The reporter as on their KTP, and how the agency can reach them. Only ``name`` is required.

    ``repr`` masks NIK, phone and email: identities end up in logs and tracebacks, which leave the
    kiosk in support tickets.
    """

    name: str
    nik: str | None = None
    phone: str | None = None
    email: str | None = None

    def __repr__(self) -> str:
        nik = mask_nik(self.nik) if self.nik else None
        phone = mask_phone(self.phone) if self.phone else None
        email = mask_email(self.email) if self.email else None
        return f"Identity(name={self.name!r}, nik={nik!r}, phone={phone!r}, email={email!r})"

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)


@dataclass(frozen=True, slots=True, kw_only=True)
class Complaint:
    """A validated report. Build it with :func:`validate_complaint`, never by hand from raw input."""

    complaint_class: ComplaintClass
    topic: Topic
    description: str
    privacy: Privacy
    consent_version: str  # which personal-data notice the citizen accepted (UU 27/2022: provable)
    consent_at: datetime  # when; always timezone-aware (WIB, WITA and WIT kiosks share one server)
    agency_id: str | None = None
    service_id: str | None = None
    standard_part: StandardPart | None = None  # only with a service: it is that service's standard
    incident_date: date | None = None
    identity: Identity | None = None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _check_keys(raw: Any, allowed: Container[str], where: str | None) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError(MSG_WRONG_OBJECT, field=where, got=_json_type(raw))
    for key in raw:
        if key not in allowed:
            name = key if isinstance(key, str) else repr(key)
            raise ValidationError(MSG_UNKNOWN_KEY, field=f"{where}.{name}" if where else name, key=name)
    return raw


def _present(raw: Mapping[str, Any], key: str) -> Any:
    """The value, or None when absent, null or blank text: forms send empty boxes as ""."""
    value = raw.get(key)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text_value(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(MSG_WRONG_TEXT, field=where, got=_json_type(value))
    return value


# Each choice's members by value: what enum(value) finds, without its call machinery (three choices per
# complaint the server takes in).
_MEMBERS: dict[type[Enum], dict[str, Enum]] = {}


def _choice(raw: Mapping[str, Any], key: str, enum: type[Enum]) -> Any:
    value = _present(raw, key)
    if value is None:
        raise ValidationError(MSG_REQUIRED, field=key)
    value = _text_value(value, key)
    members = _MEMBERS.get(enum)
    if members is None:
        members = _MEMBERS[enum] = {member.value: member for member in enum}
    found = members.get(value.strip().lower())
    if found is None:
        choices = ", ".join(member.value for member in enum)
        raise ValidationError(MSG_BAD_CHOICE, field=key, value=value, choices=choices)
    return found


def _standard_part(raw: Mapping[str, Any], service_id: str | None) -> StandardPart | None:
    if _present(raw, "standard_part") is None:
        return None
    part = _choice(raw, "standard_part", StandardPart)
    if service_id is None:
        raise ValidationError(MSG_PART_WITHOUT_SERVICE, field="standard_part")
    return part


def _slug(raw: Mapping[str, Any], key: str) -> str | None:
    value = _present(raw, key)
    if value is None:
        return None
    value = _text_value(value, key).strip()
    if not _SLUG_RE.match(value):
        raise ValidationError(MSG_BAD_SLUG, field=key)
    return value


def _description(raw: Mapping[str, Any]) -> str:
    value = raw.get("description")
    if value is None:
        raise ValidationError(MSG_REQUIRED, field="description")
    value = _text_value(value, "description")
    # Bounds the work on a hostile payload; no text typed or pasted at a kiosk shrinks tenfold when
    # cleaned, so the count the citizen is told stays right for every plausible text.
    if len(value) > 10 * DESCRIPTION_MAX:
        raise ValidationError(MSG_DESCRIPTION_LONG, field="description", max=DESCRIPTION_MAX, count=len(value))
    try:
        text = sanitize_text(value, max_len=DESCRIPTION_MAX)
    except ValidationError as exc:
        raise ValidationError(
            MSG_DESCRIPTION_LONG, field="description", max=DESCRIPTION_MAX, count=exc.params["count"]
        ) from None
    if len(text) < DESCRIPTION_MIN:
        raise ValidationError(MSG_DESCRIPTION_SHORT, field="description", min=DESCRIPTION_MIN, count=len(text))
    return text


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _incident_date(raw: Mapping[str, Any], today: date | None) -> date | None:
    value = _present(raw, "incident_date")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(MSG_WRONG_DATE, field="incident_date", got=_json_type(value))
    # fromisoformat alone would also take "20260102" and week dates; the wire format is one shape.
    value = value.strip()
    try:
        if not _DATE_RE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(MSG_DATE_FORMAT, field="incident_date") from None
    if today is not None:
        if day > today:
            raise ValidationError(MSG_DATE_FUTURE, field="incident_date")
        earliest = _years_before(today, INCIDENT_MAX_AGE_YEARS)
        if day < earliest:
            raise ValidationError(MSG_DATE_TOO_OLD, field="incident_date", earliest=earliest.isoformat())
    return day


_IDENTITY_VALIDATORS: dict[str, Callable[[str], str]] = {
    "name": validate_name,
    "nik": validate_nik,
    "phone": normalize_phone,
    "email": validate_email,
}


def _identity(raw: Mapping[str, Any], privacy: Privacy) -> Identity | None:
    value = raw.get("identity")
    if value is not None:
        value = _check_keys(value, IDENTITY_KEYS, "identity")
        parts: dict[str, str] = {}
        for key in IDENTITY_KEYS:
            part = value.get(key)
            if part is not None and not isinstance(part, str):
                raise ValidationError(MSG_WRONG_TEXT, field=f"identity.{key}", got=_json_type(part))
            if part is not None and part.strip():
                parts[key] = part
        # A form with every box left empty carries no personal data; treat it as no identity at all.
        value = parts or None
    if privacy is Privacy.ANONIM:
        if value is not None:
            raise ValidationError(MSG_ANONYMOUS_WITH_IDENTITY, field="identity")
        return None
    if value is None:
        raise ValidationError(MSG_IDENTITY_NEEDED, field="identity")
    clean: dict[str, str] = {}
    for key in IDENTITY_KEYS:
        if key not in value:
            continue
        try:
            clean[key] = _IDENTITY_VALIDATORS[key](value[key])
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"identity.{key}", **exc.params) from None
    if "name" not in clean:
        raise ValidationError(MSG_NAME_EMPTY, field="identity.name")
    identity = Identity(**clean)
    if not identity.reachable:
        raise ValidationError(MSG_CONTACT_NEEDED, field="identity")
    return identity


def _consent_version(raw: Mapping[str, Any]) -> str:
    value = _present(raw, "consent_version")
    if value is None:
        raise ValidationError(MSG_CONSENT_NEEDED, field="consent_version")
    value = _text_value(value, "consent_version")
    try:
        return sanitize_text(value, max_len=CONSENT_VERSION_MAX, keep_newlines=False)
    except ValidationError:
        raise ValidationError(MSG_CONSENT_TOO_LONG, field="consent_version", limit=CONSENT_VERSION_MAX) from None


def _parse(raw: Any, keys: Container[str], *, today: date | None, now: datetime) -> Complaint:
    raw = _check_keys(raw, keys, None)
    complaint_class = _choice(raw, "class", ComplaintClass)
    topic = _choice(raw, "topic", Topic)
    agency_id = _slug(raw, "agency_id")
    service_id = _slug(raw, "service_id")
    standard_part = _standard_part(raw, service_id)
    description = _description(raw)
    incident_date = _incident_date(raw, today)
    privacy = _choice(raw, "privacy", Privacy)
    identity = _identity(raw, privacy)
    consent_version = _consent_version(raw)
    return Complaint(
        complaint_class=complaint_class,
        topic=topic,
        agency_id=agency_id,
        service_id=service_id,
        standard_part=standard_part,
        description=description,
        incident_date=incident_date,
        privacy=privacy,
        identity=identity,
        consent_version=consent_version,
        consent_at=now,
    )


def _require_aware(moment: datetime) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError("consent time must be a timezone-aware datetime")


def validate_complaint(raw: Mapping[str, Any], *, today: date, now: datetime) -> Complaint:
    """The single gate from a JSON-like dict (UI, CLI, API) to a :class:`Complaint`.

    ``today`` is the kiosk's local date (the incident date is judged against it), ``now`` the
    timezone-aware moment the citizen accepted the personal-data notice; both come from the caller so
    the rules stay pure and testable. Raises :class:`ValidationError` naming the first bad field
    (``identity.phone`` style), and :class:`ValueError` if ``now`` is naive (a programming error).
    """
    _require_aware(now)
    if isinstance(today, datetime):
        today = today.date()
    return _parse(raw, COMPLAINT_KEYS, today=today, now=now)


def complaint_to_dict(c: Complaint) -> dict[str, Any]:
    """JSON-ready: the input shape with normalised values, every key present, plus ``consent_at``.

    Except ``standard_part``, present only when the citizen named one: a complaint without it is the
    same document as before the field existed, so a server not yet upgraded still takes it.
    """
    identity = None
    if c.identity is not None:
        identity = {key: getattr(c.identity, key) for key in IDENTITY_KEYS}
    doc = {
        "class": c.complaint_class.value,
        "topic": c.topic.value,
        "agency_id": c.agency_id,
        "service_id": c.service_id,
        "description": c.description,
        "incident_date": c.incident_date.isoformat() if c.incident_date else None,
        "privacy": c.privacy.value,
        "identity": identity,
        "consent_version": c.consent_version,
        "consent_at": c.consent_at.isoformat(),
    }
    if c.standard_part is not None:
        doc["standard_part"] = c.standard_part.value
    return doc


_STORED_KEYS = frozenset((*COMPLAINT_KEYS, "consent_at"))


def complaint_from_dict(d: Mapping[str, Any]) -> Complaint:
    """The inverse of :func:`complaint_to_dict`, for records read back from the store or the wire.

    Every rule is checked again except the incident date's window: that was judged on the day of
    filing, and a report legitimately grows older than two years in the archive.
    """
    d = _check_keys(d, _STORED_KEYS, None)
    value = d.get("consent_at")
    if value is None:
        raise ValidationError(MSG_REQUIRED, field="consent_at")
    if not isinstance(value, str):
        raise ValidationError(MSG_WRONG_TEXT, field="consent_at", got=_json_type(value))
    try:
        consent_at = datetime.fromisoformat(value)
        _require_aware(consent_at)
    except ValueError:
        raise ValidationError(MSG_CONSENT_TIME, field="consent_at") from None
    # No copy without consent_at: _parse reads only the fields it names (the server reads every
    # complaint it takes in through here).
    return _parse(d, _STORED_KEYS, today=None, now=consent_at)
