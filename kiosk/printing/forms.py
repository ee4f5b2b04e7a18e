"""Service application forms: declarative TOML files in ``forms/``, their fill rules, and the A4 page.

One file per form (the format is documented in ``forms/README.md``). Loading checks every key and
type and names the file and key of any mistake (:class:`FormFileError`, for technicians). The same
:class:`FieldSpec` rules check what a citizen types on the forms screen and what the CLI is given, so
the screen and the paper never disagree. :func:`render_form` draws the page (``kiosk.printing.formpdf``).

Values are never stored by this module: a filled form lives only as long as the screen holds it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import read_toml
from ..domain import identity
from ..domain.errors import ValidationError
from ..errors import KioskError

log = logging.getLogger("kiosk.printing.forms")

FORMAT = "iplik-form/1"
FIELD_TYPES = ("text", "digits", "nik", "phone", "email", "date", "choice", "multiline", "checkbox")
# Which on-screen keyboard fits each type (the UI's docked keyboard has these layouts).
KEYBOARDS = {"text": "text", "multiline": "text", "digits": "digits", "nik": "digits", "phone": "phone",
             "email": "email", "date": "digits", "choice": "none", "checkbox": "none"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

# --- messages for citizens (English msgids; Indonesian in assets/locale/id/LC_MESSAGES/forms.po) ------

MSG_REQUIRED = "Please fill in this field."
MSG_MUST_TICK = "Please tick this box to continue."
MSG_NOT_TEXT = "Please type text here."
MSG_CONTROL = "This text contains characters that cannot be printed. Please type it again."
MSG_TOO_LONG = "Type at most {max} characters. You typed {count}."
MSG_TOO_SHORT = "Type at least {min} characters. You typed {count}."
MSG_DIGITS_ONLY = "Only the digits 0 to 9 can be typed here."
MSG_DIGITS_LENGTH = "Type exactly {length} digits. You typed {count}."
MSG_DIGITS_TOO_FEW = "Type at least {min} digits. You typed {count}."
MSG_DIGITS_TOO_MANY = "Type at most {max} digits. You typed {count}."
MSG_PATTERN = "This does not look right. Type it like this example: {example}"
MSG_PATTERN_PLAIN = "This does not look right. Please check what you typed."
MSG_CHOICE = "Please choose one of the options."
MSG_CHECKBOX = "Please tick the box or leave it empty."
MSG_DATE = "Type the date as day, month and year, for example 17-08-1990."
MSG_DATE_INVALID = "This date does not exist. Please check the day and the month."
MSG_DATE_FUTURE = "This date is in the future. Please check the year."
MSG_DATE_PAST = "This date has already passed. Please choose a later date."
MSG_UNKNOWN_FIELD = "This form has no field {name}."
MSG_BY_HAND = "This part is filled in by hand on the printed form."
MSG_VALUES_OBJECT = "The form values must be a JSON object of field names and values."


class FormFileError(KioskError):
    """A form file is missing, unreadable or invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Text:
    """A text in Indonesian and English. Calling it with a language gives that one (Indonesian when
    the English is missing)."""

    id: str
    en: str = ""

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.id


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class FieldSpec:
    id: str
    type: str
    label: Text
    required: bool = False
    help: Text | None = None  # shown under the field on the screen
    hint: Text | None = None  # printed under the label of a blank field: how to write it by hand
    example: str = ""
    min_length: int | None = None
    max_length: int | None = None
    length: int | None = None  # digits: exactly this many
    pattern: str | None = None
    options: tuple[Option, ...] = ()
    lines: int = 1  # handwriting lines on paper
    by_hand: bool = False  # never asked at the kiosk: completed with a pen on the printed form
    dates: str = "any"  # any | past | future (dates: which side of today is allowed)
    thousands: bool = False  # digits: printed with thousands separators (amounts of rupiah)
    officer: bool = False  # in a section filled in by the office

    @property
    def keyboard(self) -> str:
        return KEYBOARDS[self.type]

    @property
    def asked(self) -> bool:
        """Whether the kiosk asks for it (the rest is always printed empty)."""
        return not (self.by_hand or self.officer)

    def option_label(self, value: str, lang: str) -> str:
        for opt in self.options:
            if opt.value == value:
                return opt.label(lang)
        return value

    def validate(self, value: Any, *, today: date | None = None) -> Any:
        """The value in its one stored form, or None when empty and not required. Raises
        ValidationError with ``field`` set to this field's id."""
        try:
            return self._validate(value, today or date.today())
        except ValidationError as exc:
            if exc.field:
                raise
            raise ValidationError(exc.message, field=self.id, **exc.params) from None

    def _validate(self, value: Any, today: date) -> Any:
        if self.type == "checkbox":
            ticked = _as_bool(value)
            if self.required and not ticked:
                raise ValidationError(MSG_MUST_TICK)
            return True if ticked else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValidationError(MSG_REQUIRED)
            return None
        if self.type == "date":
            return _check_date(value, today, self.dates).isoformat()
        if not isinstance(value, str):
            if self.type == "digits" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            else:
                raise ValidationError(MSG_NOT_TEXT)
        text = unicodedata.normalize("NFC", value)
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
            raise ValidationError(MSG_CONTROL)
        if self.type == "nik":
            return identity.validate_nik(text)
        if self.type == "phone":
            return identity.normalize_phone(text)
        if self.type == "email":
            return identity.validate_email(text)
        if self.type == "choice":
            wanted = text.strip().casefold()
            for opt in self.options:
                if wanted in (opt.value.casefold(), opt.label.id.casefold(), opt.label.en.casefold()):
                    return opt.value
            raise ValidationError(MSG_CHOICE)
        if self.type == "digits":
            digits = re.sub(r"[\s.\-]+", "", unicodedata.normalize("NFKC", text))
            if not digits.isascii() or not digits.isdigit():
                raise ValidationError(MSG_DIGITS_ONLY)
            n = len(digits)
            if self.length is not None and n != self.length:
                raise ValidationError(MSG_DIGITS_LENGTH, length=self.length, count=n)
            if self.min_length is not None and n < self.min_length:
                raise ValidationError(MSG_DIGITS_TOO_FEW, min=self.min_length, count=n)
            if self.max_length is not None and n > self.max_length:
                raise ValidationError(MSG_DIGITS_TOO_MANY, max=self.max_length, count=n)
            self._match(digits)
            return digits
        if self.type == "multiline":
            lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            clean = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        else:
            clean = " ".join(text.split())
        n = len(clean)
        if self.min_length is not None and n < self.min_length:
            raise ValidationError(MSG_TOO_SHORT, min=self.min_length, count=n)
        if self.max_length is not None and n > self.max_length:
            raise ValidationError(MSG_TOO_LONG, max=self.max_length, count=n)
        self._match(clean)
        return clean

    def _match(self, text: str) -> None:
        if self.pattern and not re.fullmatch(self.pattern, text):
            if self.example:
                raise ValidationError(MSG_PATTERN, example=self.example)
            raise ValidationError(MSG_PATTERN_PLAIN)


_TRUE = {"1", "true", "yes", "ya", "y", "on", "x", "v"}
_FALSE = {"", "0", "false", "no", "tidak", "n", "off"}


def _as_bool(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().casefold() in _TRUE | _FALSE:
        return value.strip().casefold() in _TRUE
    raise ValidationError(MSG_CHECKBOX)


_DATE_DMY = re.compile(r"^(\d{1,2})[\s./-]+(\d{1,2})[\s./-]+(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value: Any) -> date:
    """A date as people type it: 17-08-1990, 17/8/1990, 17.08.1990, 17081990 (the digit keyboard), or
    1990-08-17. Day first, as on every Indonesian form; a two-digit year is refused, not guessed."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValidationError(MSG_DATE)
    text = unicodedata.normalize("NFKC", value).strip()
    if m := _DATE_ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DATE_DMY.match(text):
        d, mo, y = (int(g) for g in m.groups())
    elif re.fullmatch(r"\d{8}", text):
        d, mo, y = int(text[:2]), int(text[2:4]), int(text[4:])
    else:
        raise ValidationError(MSG_DATE)
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValidationError(MSG_DATE_INVALID) from None


def _check_date(value: Any, today: date, allowed: str) -> date:
    day = parse_date(value)
    if day.year < 1900:
        raise ValidationError(MSG_DATE_INVALID)
    if allowed == "past" and day > today:
        raise ValidationError(MSG_DATE_FUTURE)
    if allowed == "future" and day < today:
        raise ValidationError(MSG_DATE_PAST)
    return day


@dataclass(frozen=True)
class Section:
    title: Text
    fields: tuple[FieldSpec, ...]
    officer: bool = False  # "diisi oleh petugas": always printed empty, after the signatures
    note: Text | None = None


@dataclass(frozen=True)
class FormSpec:
    id: str
    version: int
    agency_id: str
    agency_name: str  # used when the catalog does not know the agency
    title: Text
    sections: tuple[Section, ...]
    number: str = ""  # the office's own form number, e.g. "PPID-01"
    addressed_to: Text | None = None
    intro: Text | None = None
    declaration: Text | None = None
    attachments: tuple[Text, ...] = ()
    place: str = "Mataram"
    signature: Text = Text("Pemohon", "Applicant")
    signer: str | None = None  # the field whose value is printed under the signature
    officer_signature: Text | None = None
    stamp_duty: bool = False  # a box for the Rp10.000 meterai
    keep_after_print: bool = False  # the screen may keep the values after printing
    legal_basis: str = ""
    source: Path | None = field(default=None, compare=False)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    @property
    def kiosk_fields(self) -> tuple[FieldSpec, ...]:
        """The fields the forms screen asks, in order."""
        return tuple(f for f in self.fields if f.asked)

    def field(self, field_id: str) -> FieldSpec:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise ValidationError(MSG_UNKNOWN_FIELD, field=field_id, name=field_id)

    def validate_values(self, values: Mapping[str, Any] | None, *, today: date | None = None) -> dict[str, Any]:
        """Every asked field checked in order; the first problem raises ValidationError naming its
        field. Returns the non-empty values in their stored form."""
        errors = self.errors(values, today=today, first_only=True)
        if errors:
            raise next(iter(errors.values()))
        return self._clean(values or {}, today)

    def errors(self, values: Mapping[str, Any] | None, *, today: date | None = None,
               first_only: bool = False) -> dict[str, ValidationError]:
        """Field id -> its problem, for every field at once (a review page marks them all)."""
        if values is not None and not isinstance(values, Mapping):
            return {"": ValidationError(MSG_VALUES_OBJECT)}
        values = values or {}
        found: dict[str, ValidationError] = {}
        known = {f.id: f for f in self.fields}
        for key in values:
            if key not in known:
                found[str(key)] = ValidationError(MSG_UNKNOWN_FIELD, field=str(key), name=str(key))
            elif not known[key].asked and values[key] not in (None, "", False):
                found[key] = ValidationError(MSG_BY_HAND, field=key)
            if found and first_only:
                return found
        for f in self.kiosk_fields:
            try:
                f.validate(values.get(f.id), today=today)
            except ValidationError as exc:
                found[f.id] = exc
                if first_only:
                    return found
        return found

    def example_values(self) -> dict[str, Any]:
        """A complete sample filling from the fields' examples (first option, ticked boxes): for the
        CLI's ``form show --example``, tests, the bench and demonstrations."""
        out: dict[str, Any] = {}
        for f in self.kiosk_fields:
            if f.example:
                out[f.id] = f.example
            elif f.type == "choice":
                out[f.id] = f.options[0].value
            elif f.type == "checkbox":
                out[f.id] = True
        return out

    def _clean(self, values: Mapping[str, Any], today: date | None) -> dict[str, Any]:
        out = {}
        for f in self.kiosk_fields:
            v = f.validate(values.get(f.id), today=today)
            if v is not None:
                out[f.id] = v
        return out


# --- reading files -----------------------------------------------------------------------------------

_FORM_KEYS = {"format", "id", "version", "agency_id", "agency_name", "title", "number", "addressed_to", "intro",
              "declaration", "attachments", "place", "signature", "signer", "officer_signature", "stamp_duty",
              "keep_after_print", "legal_basis", "sections"}
_SECTION_KEYS = {"title", "fields", "officer", "note"}
_FIELD_KEYS = {"id", "type", "label", "required", "help", "hint", "example", "min_length", "max_length", "length",
               "pattern", "options", "lines", "by_hand", "dates", "thousands"}


class _Reader:
    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> FormFileError:
        return FormFileError(f"{self.source}: {key} {problem}")

    def keys(self, raw: dict, allowed: set[str], where: str) -> None:
        for key in raw:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                raise self.fail(name, f"is not a known key (known: {', '.join(sorted(allowed))})")

    def text(self, raw: dict, key: str, where: str, *, required: bool = True, max_len: int = 2000) -> str:
        value = raw.get(key)
        name = f"{where}.{key}" if where else key
        if value is None:
            if required:
                raise self.fail(name, "is missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
            raise self.fail(name, f"must be text of at most {max_len} characters")
        return value.strip()

    def l10n(self, raw: dict, key: str, where: str, *, required: bool = True) -> Text | None:
        value = raw.get(key)
        name = f"{where}.{key}" if where else key
        if value is None:
            if required:
                raise self.fail(name, "is missing")
            return None
        if isinstance(value, str):  # Indonesian only
            value = {"id": value}
        if not isinstance(value, dict) or set(value) - {"id", "en"}:
            raise self.fail(name, 'must be { id = "...", en = "..." }')
        ind = self.text(value, "id", name, max_len=1500)
        eng = self.text(value, "en", name, required=False, max_len=1500)
        return Text(ind, eng)

    def boolean(self, raw: dict, key: str, where: str, default: bool = False) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}" if where else key, "must be true or false")
        return value

    def integer(self, raw: dict, key: str, where: str, lo: int, hi: int) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(f"{where}.{key}", f"must be a whole number from {lo} to {hi}")
        return value


def _read_field(r: _Reader, raw: Any, where: str, officer: bool) -> FieldSpec:
    if not isinstance(raw, dict):
        raise r.fail(where, "must be a table")
    r.keys(raw, _FIELD_KEYS, where)
    fid = r.text(raw, "id", where, max_len=64)
    if not _ID.match(fid):
        raise r.fail(f"{where}.id", "must be lowercase letters, digits, - or _")
    where = f"{where}[{fid}]"
    ftype = r.text(raw, "type", where)
    if ftype not in FIELD_TYPES:
        raise r.fail(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
    options: list[Option] = []
    raw_options = raw.get("options")
    if ftype == "choice":
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise r.fail(f"{where}.options", "must list at least two options")
        for i, opt in enumerate(raw_options):
            if not isinstance(opt, dict):
                raise r.fail(f"{where}.options[{i}]", 'must be { value = "...", label = { id = "...", en = "..." } }')
            r.keys(opt, {"value", "label"}, f"{where}.options[{i}]")
            options.append(Option(r.text(opt, "value", f"{where}.options[{i}]", max_len=64),
                                  r.l10n(opt, "label", f"{where}.options[{i}]")))  # type: ignore[arg-type]
        if len({o.value for o in options}) != len(options):
            raise r.fail(f"{where}.options", "has the same value twice")
    elif raw_options is not None:
        raise r.fail(f"{where}.options", "is only for choice fields")
    pattern = raw.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or ftype not in ("text", "digits", "multiline"):
            raise r.fail(f"{where}.pattern", "must be a regular expression, for text, digits or multiline fields")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise r.fail(f"{where}.pattern", f"is not a valid regular expression ({exc})") from None
    dates = raw.get("dates", "any")
    if dates not in ("any", "past", "future") or (dates != "any" and ftype != "date"):
        raise r.fail(f"{where}.dates", 'must be "any", "past" or "future", on date fields only')
    length = r.integer(raw, "length", where, 1, 40)
    if length is not None and ftype != "digits":
        raise r.fail(f"{where}.length", "is only for digits fields")
    spec = FieldSpec(
        id=fid,
        type=ftype,
        label=r.l10n(raw, "label", where),  # type: ignore[arg-type]
        required=r.boolean(raw, "required", where),
        help=r.l10n(raw, "help", where, required=False),
        hint=r.l10n(raw, "hint", where, required=False),
        example=r.text(raw, "example", where, required=False, max_len=200),
        min_length=r.integer(raw, "min_length", where, 0, 5000),
        max_length=r.integer(raw, "max_length", where, 1, 5000),
        length=length,
        pattern=pattern,
        options=tuple(options),
        lines=r.integer(raw, "lines", where, 1, 12) or (4 if ftype == "multiline" else 1),
        by_hand=r.boolean(raw, "by_hand", where),
        dates=dates,
        thousands=r.boolean(raw, "thousands", where),
        officer=officer,
    )
    if spec.thousands and ftype != "digits":
        raise r.fail(f"{where}.thousands", "is only for digits fields")
    if spec.min_length is not None and spec.max_length is not None and spec.min_length > spec.max_length:
        raise r.fail(f"{where}.min_length", "is more than max_length")
    if spec.type in ("text", "multiline", "email") and spec.max_length is None:
        raise r.fail(f"{where}.max_length", "is needed for text fields (what fits on the paper)")
    if spec.by_hand and spec.required:
        raise r.fail(f"{where}.required", "cannot be true for a field written by hand")
    if spec.example and spec.asked:
        # Each example must pass its own field's rules: a pattern that refuses its example is a bug.
        try:
            spec.validate(spec.example, today=date(2100, 1, 1) if spec.dates == "past" else date(1900, 1, 1))
        except ValidationError as exc:
            raise r.fail(f"{where}.example", f"does not pass the field's own rules ({exc})") from None
    return spec


def parse_form(raw: dict, source: Path) -> FormSpec:
    r = _Reader(source)
    r.keys(raw, _FORM_KEYS, "")
    if raw.get("format") != FORMAT:
        raise r.fail("format", f'must be "{FORMAT}"')
    fid = r.text(raw, "id", "", max_len=64)
    if not _ID.match(fid):
        raise r.fail("id", "must be lowercase letters, digits, - or _")
    if source.suffix == ".toml" and source.stem != fid:
        raise r.fail("id", f"must match the file name ({source.stem})")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise r.fail("version", "must be a whole number from 1")
    raw_sections = raw.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise r.fail("sections", "must list at least one [[sections]]")
    sections = []
    for i, raw_section in enumerate(raw_sections):
        where = f"sections[{i}]"
        if not isinstance(raw_section, dict):
            raise r.fail(where, "must be a table")
        r.keys(raw_section, _SECTION_KEYS, where)
        officer = r.boolean(raw_section, "officer", where)
        raw_fields = raw_section.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            raise r.fail(f"{where}.fields", "must list at least one [[sections.fields]]")
        fields = tuple(_read_field(r, rf, f"{where}.fields[{j}]", officer) for j, rf in enumerate(raw_fields))
        sections.append(Section(r.l10n(raw_section, "title", where), fields, officer,  # type: ignore[arg-type]
                                r.l10n(raw_section, "note", where, required=False)))
    ids = [f.id for s in sections for f in s.fields]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise r.fail("sections", f"use the field id {dupes[0]} twice")
    attachments = raw.get("attachments", [])
    if not isinstance(attachments, list):
        raise r.fail("attachments", "must be a list")
    signer = raw.get("signer")
    if signer is not None and (signer not in ids or not isinstance(signer, str)):
        raise r.fail("signer", "must be the id of a field of this form")
    spec = FormSpec(
        id=fid,
        version=version,
        agency_id=r.text(raw, "agency_id", "", max_len=64),
        agency_name=r.text(raw, "agency_name", "", max_len=200),
        title=r.l10n(raw, "title", ""),  # type: ignore[arg-type]
        sections=tuple(sections),
        number=r.text(raw, "number", "", required=False, max_len=40),
        addressed_to=r.l10n(raw, "addressed_to", "", required=False),
        intro=r.l10n(raw, "intro", "", required=False),
        declaration=r.l10n(raw, "declaration", "", required=False),
        attachments=tuple(r.l10n({"a": a}, "a", f"attachments[{i}]") for i, a in enumerate(attachments)),  # type: ignore[misc]
        place=r.text(raw, "place", "", required=False, max_len=60) or "Mataram",
        signature=r.l10n(raw, "signature", "", required=False) or Text("Pemohon", "Applicant"),
        signer=signer,
        officer_signature=r.l10n(raw, "officer_signature", "", required=False),
        stamp_duty=r.boolean(raw, "stamp_duty", ""),
        keep_after_print=r.boolean(raw, "keep_after_print", ""),
        legal_basis=r.text(raw, "legal_basis", "", required=False, max_len=400),
        source=source,
    )
    if not spec.kiosk_fields:
        raise r.fail("sections", "must have at least one field the kiosk asks")
    return spec


def load_form(path: Path | str) -> FormSpec:
    source = Path(path)
    return parse_form(read_toml(source, FormFileError, "form file"), source)


def load_forms(folder: Path | str, *, strict: bool = True) -> dict[str, FormSpec]:
    """Every ``*.toml`` form in ``folder`` by id. Not strict (the kiosk at run time): a broken file is
    logged and left out, so one typo does not take every form off the screen."""
    forms: dict[str, FormSpec] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            spec = load_form(path)
        except FormFileError:
            if strict:
                raise
            log.exception("form file left out")
            continue
        forms[spec.id] = spec
    return forms


def render_form(spec: FormSpec, values: Mapping[str, Any] | None, *, lang: str = "id", **context: Any) -> bytes:
    """The A4 PDF of ``spec``, blank when ``values`` is None; ``values`` must already be validated
    (:meth:`FormSpec.validate_values`). ``context`` goes to :class:`kiosk.printing.formpdf.FormContext`."""
    from .formpdf import FormContext, render

    return render(spec, values, lang=lang, context=FormContext(**context))
