"""Indeks Kepuasan Masyarakat (IKM): the public-satisfaction index of PermenPANRB 14/2017.

Nine elements (unsur) U1..U9 are each answered on a 1..4 scale. An element's NRR (nilai rata-rata) is the
mean of its answers; the index is ``(sum of NRR x 1/9) x 25``, rounded to two decimals, then graded A..D.
Official spreadsheets print the weight as 0.111, which makes all-4 answers score 99.90 and shifts units
across band edges; here everything is a :class:`~fractions.Fraction` until the single final rounding, so
all-4 gives exactly 100.00 and two computers always agree on the grade.

English names and labels double as msgids (their Indonesian text is in ``domain_ratings.po``); the
Indonesian fields hold the official wording and are what reports and stored answers use.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Rational
from typing import Any, Protocol

from .errors import ValidationError

SCORE_MIN, SCORE_MAX = 1, 4
SCORE_FLOOR, SCORE_CEILING = Decimal("25.00"), Decimal("100.00")

MSG_SCORE = "Each answer must be a whole number from 1 to 4."
MSG_NO_ANSWERS = "An element needs at least one answer before its average can be computed."
MSG_NRR_VALUE = "An element's average must be an exact number from 1 to 4."
MSG_NRR_MISSING = "The index needs all nine elements. Missing: {missing}."
MSG_UNKNOWN_ELEMENT = "There is no survey element “{value}”. The elements are U1 to U9."
MSG_IKM_RANGE = "An IKM score must be a number from 25 to 100."
MSG_POPULATION = "The population must be a whole number of at least 1."
MSG_SUM_RANGE = "The sum of an element's answers must lie between 1 and 4 times the number of respondents."


@dataclass(frozen=True, slots=True)
class Element:
    """One unsur: its code, its name, the four answers, 1 (worst) to 4 (best), and the plain question that
    asks it (a citizen is asked "how fast was the service?", not "Waktu Penyelesaian")."""

    code: str
    name_id: str
    name_en: str
    labels_id: tuple[str, str, str, str]
    labels_en: tuple[str, str, str, str]
    question_id: str = ""
    question_en: str = ""  # also the msgid; its Indonesian in survey_ux.po equals question_id (a test)

    def label(self, score: int, lang: str = "id") -> str:
        if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
            raise ValidationError(MSG_SCORE)
        return (self.labels_id if lang == "id" else self.labels_en)[score - 1]


_SUITABLE_EN = ("Not suitable", "Less than suitable", "Suitable", "Very suitable")

ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1", "Persyaratan", "Service requirements",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"), _SUITABLE_EN,
        question_id="Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        question_en="How well did the requirements you were asked for fit the kind of service?",
    ),
    Element(
        "U2", "Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Not very easy", "Easy", "Very easy"),
        question_id="Bagaimana pendapat Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        question_en="How easy was the procedure of this office to follow?",
    ),
    Element(
        "U3", "Waktu Penyelesaian", "Time to complete the service",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Not very fast", "Fast", "Very fast"),
        question_id="Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        question_en="How fast was the service?",
    ),
    Element(
        "U4", "Biaya/Tarif", "Fees and charges",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Quite expensive", "Cheap", "Free of charge"),
        question_id="Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        question_en="How fair was the fee you paid for the service?",
    ),
    Element(
        "U5", "Produk Spesifikasi Jenis Pelayanan", "Service product as specified",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"), _SUITABLE_EN,
        question_id="Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        question_en="How well did what you received match what the service standard promises?",
    ),
    Element(
        "U6", "Kompetensi Pelaksana", "Competence of the staff",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Not very competent", "Competent", "Very competent"),
        question_id="Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        question_en="How able were the staff to serve you?",
    ),
    Element(
        "U7", "Perilaku Pelaksana", "Conduct of the staff",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
        ("Not polite and friendly", "Not very polite and friendly", "Polite and friendly",
         "Very polite and friendly"),
        question_id="Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        question_en="How polite and friendly were the staff?",
    ),
    Element(
        "U8", "Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints, suggestions and feedback",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
        ("None in place", "In place but not working", "Working, but not fully", "Well managed"),
        question_id="Bagaimana pendapat Saudara tentang penanganan pengaduan, saran dan masukan pengguna layanan?",
        question_en="How does this office handle complaints, suggestions and feedback from the people it serves?",
    ),
    Element(
        "U9", "Sarana dan Prasarana", "Facilities and infrastructure",
        ("Buruk", "Cukup", "Baik", "Sangat Baik"),
        ("Poor", "Fair", "Good", "Very good"),
        question_id="Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        question_en="How good are the facilities and infrastructure?",
    ),
)
ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)


def _name_key(name: str) -> str:
    # Sheets differ in case, commas and slashes ("Biaya / tarif", "Saran, dan Masukan"): compare words.
    return " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", name).casefold()))


_BY_CODE = {e.code: e for e in ELEMENTS}
_BY_NAME = {_name_key(e.name_id): e for e in ELEMENTS}
# The names exactly as the kiosk's own documents write them: found without normalising (the server
# looks up nine per survey it takes in); any other spelling goes through _name_key.
_BY_EXACT_NAME = {e.name_id: e for e in ELEMENTS}


def by_code(code: str) -> Element:
    """The element ``U1``..``U9`` (case and surrounding spaces ignored)."""
    element = _BY_CODE.get(code.strip().upper()) if isinstance(code, str) else None
    if element is None:
        raise ValidationError(MSG_UNKNOWN_ELEMENT, value=code)
    return element


def by_name(name: str) -> Element:
    """The element with this Indonesian name, whatever number the unit's own sheet gives it.

    Some units number Penanganan Pengaduan U9 and Sarana dan Prasarana U8; the name is what both agree on.
    """
    element = _BY_EXACT_NAME.get(name) if isinstance(name, str) else None
    if element is None and isinstance(name, str):
        element = _BY_NAME.get(_name_key(name))
    if element is None:
        raise ValidationError(MSG_UNKNOWN_ELEMENT, value=name)
    return element


# --- grades ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A grade: mutu pelayanan A..D and its kinerja (performance) wording; ``low``..``high`` inclusive."""

    mutu: str
    kinerja_id: str
    kinerja_en: str
    low: Decimal
    high: Decimal


BANDS: tuple[Band, ...] = (
    Band("A", "Sangat Baik", "Very good", Decimal("88.31"), Decimal("100.00")),
    Band("B", "Baik", "Good", Decimal("76.61"), Decimal("88.30")),
    Band("C", "Kurang Baik", "Less than good", Decimal("65.00"), Decimal("76.60")),
    Band("D", "Tidak Baik", "Not good", Decimal("25.00"), Decimal("64.99")),
)


def _round2(x: Fraction) -> Decimal:
    # Half-up, as a spreadsheet's ROUND does for these positive values; exact, unlike float rounding.
    return Decimal(math.floor(x * 100 + Fraction(1, 2))).scaleb(-2)


def _exact(value: Any) -> Fraction:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, Rational):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError
        return Fraction(value)
    if isinstance(value, float):
        # A float score is almost always a printed two-decimal number; its repr is that number, while
        # its binary value (64.995 is 64.99499...) would round the other way.
        return _exact(Decimal(repr(value)))
    if isinstance(value, str):
        try:
            return _exact(Decimal(value.strip()))
        except InvalidOperation:
            raise TypeError from None
    raise TypeError


def band(score: Decimal | Fraction | int | float | str) -> Band:
    """The grade of an IKM score. The score is rounded to two decimals (half-up) before it is graded,
    so 64.995 is 65.00 and grade C, as the published table reads."""
    try:
        value = _round2(_exact(score))
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(MSG_IKM_RANGE) from None
    if not SCORE_FLOOR <= value <= SCORE_CEILING:
        raise ValidationError(MSG_IKM_RANGE)
    return next(b for b in BANDS if value >= b.low)


# --- computing the index ---------------------------------------------------------------------------


def _score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
        raise ValidationError(MSG_SCORE)
    return value


def nrr(scores: Iterable[int]) -> Fraction:
    """Nilai rata-rata of one element: the exact mean of its answers."""
    values = [_score(s) for s in scores]
    if not values:
        raise ValidationError(MSG_NO_ANSWERS)
    return Fraction(sum(values), len(values))


def ikm_score(nrr_by_element: Mapping[str, Fraction | int | Decimal]) -> Decimal:
    """``(sum of NRR x 1/9) x 25`` over all nine elements, rounded half-up to two decimals.

    NRRs must be exact (Fraction, int or Decimal): a float NRR would bring back the rounding drift
    this module exists to avoid.
    """
    nrrs: dict[str, Fraction] = {}
    for code, value in nrr_by_element.items():
        element = by_code(code)
        try:
            if isinstance(value, (float, str)):
                raise TypeError
            exact = _exact(value)
        except TypeError:
            raise ValidationError(MSG_NRR_VALUE, field=element.code) from None
        if not SCORE_MIN <= exact <= SCORE_MAX:
            raise ValidationError(MSG_NRR_VALUE, field=element.code)
        nrrs[element.code] = exact
    missing = [c for c in ELEMENT_CODES if c not in nrrs]
    if missing:
        raise ValidationError(MSG_NRR_MISSING, missing=", ".join(missing))
    return _round2(sum(nrrs.values(), Fraction(0)) * Fraction(1, len(ELEMENTS)) * 25)


@dataclass(frozen=True, slots=True)
class IkmResult:
    respondents: int
    nrr: dict[str, Fraction] = field(hash=False)  # element code -> exact NRR, in U1..U9 order
    score: Decimal
    band: Band


class SurveyLike(Protocol):
    """What :func:`compute` reads from a survey (``kiosk.domain.rating.IkmSurvey`` has it)."""

    service_id: str
    agency_id: str | None
    answers: tuple[tuple[str, str, int], ...]  # (element code, Indonesian name, score)


def _result(respondents: int, sums: Mapping[str, int], counts: Mapping[str, int]) -> IkmResult:
    nrrs = {}
    for code in ELEMENT_CODES:
        if not counts.get(code):
            raise ValidationError(MSG_NRR_MISSING, missing=code)
        nrrs[code] = Fraction(sums[code], counts[code])
    score = ikm_score(nrrs)
    return IkmResult(respondents=respondents, nrr=nrrs, score=score, band=band(score))


def compute(surveys: Iterable[SurveyLike]) -> IkmResult | None:
    """The IKM of a set of surveys; ``None`` when there are none (no respondents is not a score of 0).

    Each element's NRR is averaged over the surveys that answered it. Quick ratings are refused: the
    one-tap faces are a different question and must never move the official index.
    """
    respondents = 0
    sums = dict.fromkeys(ELEMENT_CODES, 0)
    counts = dict.fromkeys(ELEMENT_CODES, 0)
    for survey in surveys:
        answers = getattr(survey, "answers", None)
        if answers is None:
            raise TypeError(f"{type(survey).__name__} is not an IKM survey; quick ratings never count")
        respondents += 1
        for code, _name, score in answers:
            element = by_code(code)
            sums[element.code] += _score(score)
            counts[element.code] += 1
    if respondents == 0:
        return None
    return _result(respondents, sums, counts)


def compute_from_sums(respondents: int, sums: Mapping[str, int]) -> IkmResult | None:
    """The IKM from per-element sums of complete surveys, as the kiosk store aggregates them in SQL."""
    if isinstance(respondents, bool) or not isinstance(respondents, int) or respondents < 0:
        raise ValidationError(MSG_SUM_RANGE, field="respondents")
    if respondents == 0:
        return None
    exact: dict[str, int] = {}
    for code, total in sums.items():
        element = by_code(code)
        if isinstance(total, bool) or not isinstance(total, int) or not (
            SCORE_MIN * respondents <= total <= SCORE_MAX * respondents
        ):
            raise ValidationError(MSG_SUM_RANGE, field=element.code)
        exact[element.code] = total
    missing = [c for c in ELEMENT_CODES if c not in exact]
    if missing:
        raise ValidationError(MSG_NRR_MISSING, missing=", ".join(missing))
    return _result(respondents, exact, dict.fromkeys(ELEMENT_CODES, respondents))


def compute_grouped(
    surveys: Iterable[SurveyLike], key: str | Callable[[SurveyLike], Hashable]
) -> dict[Hashable, IkmResult]:
    """One IKM per group, e.g. ``key="service_id"`` or ``key="agency_id"``; for the overall index use
    :func:`compute`. Surveys without an agency land in the ``None`` group rather than being dropped, so
    the groups always add up to the whole. Groups keep the order they first appear in."""
    get = (lambda s: getattr(s, key)) if isinstance(key, str) else key
    groups: dict[Hashable, list[SurveyLike]] = {}
    for survey in surveys:
        groups.setdefault(get(survey), []).append(survey)
    return {k: compute(group) for k, group in groups.items()}  # type: ignore[misc]  # never None


# --- sample size -----------------------------------------------------------------------------------

_CHI2 = Fraction("3.841")  # chi-square, 1 degree of freedom, 95 % confidence
_P = Fraction(1, 2)  # proportion that maximises the sample
_D = Fraction(5, 100)  # margin of error


def krejcie_morgan(population: int) -> int:
    """Minimum respondents for a unit serving ``population`` people (Krejcie & Morgan, 1970):
    ``s = X² N P(1-P) / (d² (N-1) + X² P(1-P))``, rounded to the nearest whole respondent."""
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise ValidationError(MSG_POPULATION, field="population")
    pq = _P * (1 - _P)
    s = _CHI2 * population * pq / (_D**2 * (population - 1) + _CHI2 * pq)
    return math.floor(s + Fraction(1, 2))
