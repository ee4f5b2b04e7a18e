"""What a citizen submits about a service: the nine-question IKM survey, or one tap on a face.

The two are kept apart on purpose. The survey follows PermenPANRB 14/2017 and feeds the official index
(:mod:`kiosk.domain.ikm`); a quick rating is a lighter signal from a single tap, easy to repeat and never
part of that index.

The survey takes no name, ever: the profile holds only what the regulation's report tables group by
(gender, age, education, occupation), each optional (UU 27/2022: collect no more than the purpose needs).
Answers are stored with the element code AND its Indonesian name, because units disagree on the
numbering of U8 and U9; when a stored code and name disagree, the name decides.

``validate_*`` are the single gate for raw input (the touchscreen, the CLI, the sync API); the
``*_to_dict`` / ``*_from_dict`` pairs are the JSON form the store and the server keep.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ValidationError
from .ikm import (
    ELEMENT_CODES,
    ELEMENTS,
    MSG_SCORE,
    MSG_UNKNOWN_ELEMENT,
    SCORE_MAX,
    SCORE_MIN,
    Element,
    by_code,
    by_name,
)

KIND_IKM = "ikm"
KIND_QUICK = "quick"

COMMENT_MAX = 1000
AGE_MIN, AGE_MAX = 15, 100  # the regulation's questionnaire starts at 15: younger citizens are not asked
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # the catalog's id syntax

GENDERS = ("L", "P")
# "Tidak sekolah" first: a citizen who never went to school must find an answer, not skip the question.
EDUCATION = ("Tidak sekolah", "SD", "SMP", "SMA", "D1-D3", "S1", "S2", "S3")
OCCUPATIONS = ("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya")

# English msgids of what the touchscreen shows for each stored value.
GENDER_LABELS = {"L": "Male", "P": "Female"}
EDUCATION_LABELS = {
    "Tidak sekolah": "No schooling",
    "SD": "Primary school (SD)",
    "SMP": "Junior high school (SMP)",
    "SMA": "Senior high school (SMA)",
    "D1-D3": "Diploma (D1 to D3)",
    "S1": "Bachelor's degree (S1)",
    "S2": "Master's degree (S2)",
    "S3": "Doctorate (S3)",
}
OCCUPATION_LABELS = {
    "PNS": "Civil servant (PNS)",
    "TNI": "Armed forces (TNI)",
    "POLRI": "Police (POLRI)",
    "Swasta": "Private sector employee",
    "Wirausaha": "Self-employed",
    "Lainnya": "Other occupation",
}
PROFILE_LABELS = {
    "jenis_kelamin": "Gender",
    "usia": "Age",
    "pendidikan": "Education",
    "pekerjaan": "Occupation",
}

# The four faces of a satisfaction terminal, worst to best: (value, Indonesian, English msgid).
FACES: tuple[tuple[int, str, str], ...] = (
    (1, "Sangat tidak puas", "Very dissatisfied"),
    (2, "Tidak puas", "Dissatisfied"),
    (3, "Puas", "Satisfied"),
    (4, "Sangat puas", "Very satisfied"),
)

SURVEY_KEYS = ("service_id", "agency_id", "answers", "profile", "comment")
QUICK_KEYS = ("service_id", "agency_id", "face")
PROFILE_KEYS = ("jenis_kelamin", "usia", "pendidikan", "pekerjaan")
ANSWER_KEYS = ("code", "name", "score")
_STORED_EXTRA = ("kind", "answered_at")

MSG_NOT_OBJECT = "Must be a set of named fields (a JSON object)."
MSG_UNKNOWN_FIELD = "This field is not part of the form. Remove it or check its spelling."
MSG_BAD_ID = "Must be an id from the catalog: lowercase letters, digits and dashes."
MSG_SERVICE_NEEDED = "Please choose the service you received."
MSG_ANSWERS_SHAPE = "Answers must be a list, or an object with the element codes U1 to U9 as keys."
MSG_ANSWER_ELEMENT_NEEDED = "Each answer needs the code or the name of its element."
MSG_ANSWERED_TWICE = "This question was answered twice. Keep only one answer."
MSG_UNANSWERED = "Please answer every question. Not answered yet: {missing}."
MSG_GENDER = "Choose L (male) or P (female), or leave it empty."
MSG_AGE = "Age must be a whole number of years from {low} to {high}."
MSG_CHOICE = "Choose one of {choices}, or leave it empty."
MSG_COMMENT_TEXT = "The comment must be text."
MSG_COMMENT_LONG = "Please keep your comment to at most {limit} characters. You wrote {count}."
MSG_TIME = "Must be a date and time with its time zone, in ISO 8601 form."
MSG_FACE = "Choose one of the four faces."
MSG_KIND = "Must be “{expected}”."
MSG_INTERVAL = "The interval must be zero or more seconds."


@dataclass(frozen=True, slots=True, kw_only=True)
class RespondentProfile:
    """Who answered, never by name. Every field may be left empty."""

    jenis_kelamin: str | None = None  # "L" or "P"
    usia: int | None = None  # whole years
    pendidikan: str | None = None  # one of EDUCATION
    pekerjaan: str | None = None  # one of OCCUPATIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class IkmSurvey:
    """A validated survey. Build it with :func:`validate_survey`, never by hand from raw input."""

    service_id: str
    answers: tuple[tuple[str, str, int], ...]  # (code, Indonesian name, score 1..4), U1..U9 in order
    answered_at: datetime  # timezone-aware
    agency_id: str | None = None
    profile: RespondentProfile | None = None
    comment: str | None = None

    @property
    def scores(self) -> dict[str, int]:
        return {code: score for code, _name, score in self.answers}


@dataclass(frozen=True, slots=True, kw_only=True)
class QuickRating:
    """One tap on a face. Never an input to the IKM."""

    face: int  # 1..4, see FACES
    answered_at: datetime  # timezone-aware
    service_id: str | None = None
    agency_id: str | None = None


# --- field checks ----------------------------------------------------------------------------------


def _mapping(raw: Any, where: str | None, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError(MSG_NOT_OBJECT, field=where)
    for key in raw:
        if key not in allowed:
            name = key if isinstance(key, str) else repr(key)
            raise ValidationError(MSG_UNKNOWN_FIELD, field=f"{where}.{name}" if where else name)
    return raw


def _blank(value: Any) -> bool:
    # Touchscreen forms send "" for a field left alone; it means the same as leaving the key out.
    return value is None or (isinstance(value, str) and not value.strip())


def _id(raw: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = raw.get(key)
    if _blank(value):
        if required:
            raise ValidationError(MSG_SERVICE_NEEDED, field=key)
        return None
    if not isinstance(value, str) or not _ID_RE.match(value.strip()):
        raise ValidationError(MSG_BAD_ID, field=key)
    return value.strip()


def _answer_score(value: Any, where: str) -> int:
    # bool is an int in Python and 4.0 == 4, but neither is an answer a touchscreen can give: both mean
    # a broken client, and accepting them would hide it.
    if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
        raise ValidationError(MSG_SCORE, field=where)
    return value


def _element_of(key: Any, where: str) -> Element:
    # Keys are codes; an Indonesian name is accepted too, for sheets that number U8 and U9 the other way.
    if isinstance(key, str):
        for lookup in (by_code, by_name):
            try:
                return lookup(key)
            except ValidationError:
                pass
    raise ValidationError(MSG_UNKNOWN_ELEMENT, field=where, value=key)


# An answer exactly as survey_to_dict writes it ({"code": "U1", "name": its Indonesian name, "score": 1..4})
# is found by two lookups (the server takes in nine per survey); anything else goes through
# _answer_item, which gives the same element and score for these (a test compares the two over every
# code, name and score shape).
_CODES_AS_WRITTEN = frozenset(e.code for e in ELEMENTS)
_NAMES_AS_WRITTEN = {e.name_id: e for e in ELEMENTS}


def _as_written(item: Any) -> Element | None:
    if type(item) is not dict or len(item) != 3:
        return None
    code, name, score = item.get("code"), item.get("name"), item.get("score")
    if (type(score) is not int or not SCORE_MIN <= score <= SCORE_MAX
            or type(code) is not str or code not in _CODES_AS_WRITTEN):
        return None
    return _NAMES_AS_WRITTEN.get(name) if type(name) is str else None


def _answer_item(item: Any, i: int) -> tuple[Element, int]:
    where = f"answers[{i}]"
    item = _mapping(item, where, ANSWER_KEYS)
    code, name = item.get("code"), item.get("name")
    if code is None and name is None:
        raise ValidationError(MSG_ANSWER_ELEMENT_NEEDED, field=where)
    if code is not None:
        try:
            element = by_code(code)
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"{where}.code", **exc.params) from None
    if name is not None:
        try:
            element = by_name(name)  # the name decides: see the module docstring
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"{where}.name", **exc.params) from None
    return element, _answer_score(item.get("score"), f"{where}.score")


def _answers(raw: Any) -> tuple[tuple[str, str, int], ...]:
    found: dict[str, int] = {}

    def put(element: Element, score: int) -> None:
        if element.code in found:
            raise ValidationError(MSG_ANSWERED_TWICE, field=f"answers.{element.code}")
        found[element.code] = score

    if raw is None:
        raw = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            where = f"answers.{key}" if isinstance(key, str) else f"answers.{key!r}"
            element = _element_of(key, where)
            put(element, _answer_score(value, f"answers.{element.code}"))
    elif isinstance(raw, (list, tuple)):
        for i, item in enumerate(raw):
            element = _as_written(item)
            if element is not None:
                put(element, item["score"])
            else:
                put(*_answer_item(item, i))
    else:
        raise ValidationError(MSG_ANSWERS_SHAPE, field="answers")
    missing = [c for c in ELEMENT_CODES if c not in found]
    if missing:
        raise ValidationError(MSG_UNANSWERED, field="answers", missing=", ".join(missing))
    return tuple((e.code, e.name_id, found[e.code]) for e in ELEMENTS)


def _fold(text: str) -> str:
    # "d1–d3" typed with an en dash or in lower case is still D1-D3.
    text = unicodedata.normalize("NFKC", text).strip().casefold()
    return "".join("-" if unicodedata.category(ch) == "Pd" else ch for ch in text)


def _choice(value: Any, options: tuple[str, ...], where: str, message: str, **params: object) -> str:
    if isinstance(value, str):
        folded = _fold(value)
        for choice in options:
            if _fold(choice) == folded:
                return choice
    raise ValidationError(message, field=where, **params)


def _age(value: Any) -> int:
    # The age is typed on a digit pad, so its text form is accepted as well.
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not AGE_MIN <= value <= AGE_MAX:
        raise ValidationError(MSG_AGE, field="profile.usia", low=AGE_MIN, high=AGE_MAX)
    return value


def _profile(raw: Any) -> RespondentProfile | None:
    if raw is None:
        return None
    raw = _mapping(raw, "profile", PROFILE_KEYS)
    values: dict[str, Any] = {}
    if not _blank(raw.get("jenis_kelamin")):
        values["jenis_kelamin"] = _choice(raw["jenis_kelamin"], GENDERS, "profile.jenis_kelamin", MSG_GENDER)
    if not _blank(raw.get("usia")):
        values["usia"] = _age(raw["usia"])
    for key, choices in (("pendidikan", EDUCATION), ("pekerjaan", OCCUPATIONS)):
        if not _blank(raw.get(key)):
            values[key] = _choice(raw[key], choices, f"profile.{key}", MSG_CHOICE, choices=", ".join(choices))
    # An all-empty profile is no profile: nothing about the respondent is worth a row.
    return RespondentProfile(**values) if values else None


# Invisible direction marks can make a comment read differently to staff than it was typed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_comment(value: Any) -> str | None:
    """A comment made safe to store, print and show; ``None`` when nothing is left.

    Line breaks of any kind become ``\\n`` and tabs a space; other control characters, lone surrogates
    (which cannot be stored as UTF-8) and bidi overrides are dropped. The text is NFC-normalised so the
    same letters typed two ways are one string, and its length is counted after cleaning.
    """
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise ValidationError(MSG_COMMENT_TEXT, field="comment")
    lines = []
    for line in value.splitlines():
        kept = []
        for ch in line:
            if ch == "\t":
                kept.append(" ")
            elif unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI:
                kept.append(ch)
        lines.append("".join(kept).rstrip())
    text = unicodedata.normalize("NFC", "\n".join(lines)).strip()
    if not text:
        return None
    if len(text) > COMMENT_MAX:
        raise ValidationError(MSG_COMMENT_LONG, field="comment", limit=COMMENT_MAX, count=len(text))
    return text


def _moment(value: Any, where: str) -> datetime:
    # Kiosks in WIB, WITA and WIT report to one server: a time without its offset is ambiguous by hours.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(MSG_TIME, field=where) from None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(MSG_TIME, field=where)
    return value


# --- the survey ------------------------------------------------------------------------------------


def _survey(raw: Mapping[str, Any], answered_at: Any) -> IkmSurvey:
    return IkmSurvey(
        service_id=_id(raw, "service_id", required=True),  # type: ignore[arg-type]
        agency_id=_id(raw, "agency_id", required=False),
        answers=_answers(raw.get("answers")),
        profile=_profile(raw.get("profile")),
        comment=clean_comment(raw.get("comment")),
        answered_at=_moment(answered_at, "answered_at"),
    )


def validate_survey(raw: Mapping[str, Any], *, answered_at: datetime) -> IkmSurvey:
    """A survey from the touchscreen or an API client; the time comes from the kiosk's clock, never the
    payload.

    ``raw["answers"]`` is ``{"U1": 4, ...}`` or ``[{"code": "U1", "score": 4}, ...]`` (a list item may
    name its element by ``name`` instead of, or as well as, ``code``). Raises :class:`ValidationError`
    naming the first bad field: an unknown key, a score that is not the integer 1..4, an element
    answered twice, or the elements left unanswered.
    """
    return _survey(_mapping(raw, None, SURVEY_KEYS), answered_at)


def _kind(raw: Mapping[str, Any], expected: str) -> None:
    if raw.get("kind", expected) != expected:
        raise ValidationError(MSG_KIND, field="kind", expected=expected)


def survey_to_dict(survey: IkmSurvey) -> dict[str, Any]:
    """The JSON form kept by the store and sent to the server."""
    p = survey.profile
    return {
        "kind": KIND_IKM,
        "service_id": survey.service_id,
        "agency_id": survey.agency_id,
        "answers": [{"code": c, "name": n, "score": s} for c, n, s in survey.answers],
        "profile": None if p is None else {k: getattr(p, k) for k in PROFILE_KEYS},
        "comment": survey.comment,
        "answered_at": survey.answered_at.isoformat(),
    }


def survey_from_dict(doc: Mapping[str, Any]) -> IkmSurvey:
    """The inverse of :func:`survey_to_dict`, with the same checks as :func:`validate_survey`."""
    doc = _mapping(doc, None, SURVEY_KEYS + _STORED_EXTRA)
    _kind(doc, KIND_IKM)
    return _survey(doc, doc.get("answered_at"))


# --- the quick rating ------------------------------------------------------------------------------


def _face(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= len(FACES):
        raise ValidationError(MSG_FACE, field="face")
    return value


def _quick(raw: Mapping[str, Any], answered_at: Any) -> QuickRating:
    return QuickRating(
        service_id=_id(raw, "service_id", required=False),
        agency_id=_id(raw, "agency_id", required=False),
        face=_face(raw.get("face")),
        answered_at=_moment(answered_at, "answered_at"),
    )


def validate_quick(raw: Mapping[str, Any], *, answered_at: datetime) -> QuickRating:
    """A one-tap rating: ``{"face": 1..4}``, optionally with the ``service_id`` or ``agency_id`` it is
    about (a terminal at the door rates the whole office)."""
    return _quick(_mapping(raw, None, QUICK_KEYS), answered_at)


def quick_to_dict(rating: QuickRating) -> dict[str, Any]:
    return {
        "kind": KIND_QUICK,
        "service_id": rating.service_id,
        "agency_id": rating.agency_id,
        "face": rating.face,
        "answered_at": rating.answered_at.isoformat(),
    }


def quick_from_dict(doc: Mapping[str, Any]) -> QuickRating:
    doc = _mapping(doc, None, QUICK_KEYS + _STORED_EXTRA)
    _kind(doc, KIND_QUICK)
    return _quick(doc, doc.get("answered_at"))


# --- repeated taps ---------------------------------------------------------------------------------


class TapDebouncer:
    """Counts a burst of taps once: a tap is accepted only if no tap at all came in the ``interval_s``
    before it.

    Every tap, accepted or not, restarts the interval, so a child drumming on the faces or a stuck touch
    panel adds one rating, not one per interval. Time is passed in (use a monotonic clock); if it ever
    runs backwards the tap is accepted, since losing every rating until the clock catches up is worse
    than counting one twice.
    """

    def __init__(self, interval_s: float) -> None:
        if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) or not (
            0 <= interval_s < float("inf")
        ):
            raise ValidationError(MSG_INTERVAL, field="interval_s")
        self.interval_s = float(interval_s)
        self._last: float | None = None

    def accept(self, now: float) -> bool:
        last, self._last = self._last, now
        return last is None or now < last or now - last >= self.interval_s

    def reset(self) -> None:
        """Forget the last tap, e.g. when the screen returns to the start for the next citizen."""
        self._last = None
