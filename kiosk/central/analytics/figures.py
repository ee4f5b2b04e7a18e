"""The plain results the analytics queries return and the pages, reports, alerts and the ranking read.

No SQL and no HTTP here: these are the contract between ``analytics/*`` (which fill them from the
database) and ``web/``, ``reports/`` and the CLI (which show them). Exact numbers stay exact
(``Fraction`` for averages, ``Decimal`` for published two-decimal scores) so that a report, a page and a
hand calculation agree to the last digit; shares are Fractions too and are rounded only when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from ...domain.ikm import Band
from .periods import Period


class UnitKind(str, Enum):
    """What a figure is about: the units the province judges, from the largest."""

    AGENCY = "agency"  # Perangkat Daerah (catalog agency id)
    SERVICE = "service"  # one service of an agency (catalog service id)
    OFFICE = "office"  # a place with kiosks (devices.office)
    KIOSK = "kiosk"  # one enrolled device (devices.id)


@dataclass(frozen=True, slots=True)
class Unit:
    kind: UnitKind
    id: str
    name_id: str  # as the catalog (or the enrollment, for offices and kiosks) names it
    name_en: str
    agency_id: str | None = None  # the agency a service, office or kiosk belongs to; an agency's own id

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_id


# --- IKM (the official survey) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElementFigure:
    code: str  # U1..U9
    name_id: str  # the official element name (domain.ikm.Element.name_id)
    name_en: str
    answers: int  # surveys that answered this element
    nrr: Fraction | None  # exact mean of the answers; None with no answers
    nrr_weighted: Fraction | None  # nrr x 1/9 (NRR tertimbang)


@dataclass(frozen=True, slots=True)
class IkmFigure:
    unit: Unit
    period: Period
    respondents: int  # surveys in the period
    elements: tuple[ElementFigure, ...]  # always nine, U1..U9
    score: Decimal | None  # IKM (25..100, two decimals, domain.ikm); None unless every element has answers
    band: Band | None  # mutu A-D and kinerja
    population: int | None  # the unit's yearly service users (editable; None: not set)
    min_sample: int | None  # Krejcie-Morgan minimum for the period (docs/analytics.md); None without population
    weakest: tuple[str, ...]  # up to three element codes, lowest NRR first (ties: U1 before U2)
    # The respondent profile: dimension ("jenis_kelamin", "usia", "pendidikan", "pekerjaan") -> value
    # (ages as bands "<20", "20-29", ..., "60+"; "" for not given) -> respondents.
    profile: dict[str, dict[str, int]] = field(default_factory=dict, hash=False)

    @property
    def sample_too_small(self) -> bool:
        return self.min_sample is not None and self.respondents < self.min_sample


# --- quick ratings (one tap, four faces) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuickFigure:
    unit: Unit
    period: Period
    taps: int  # ratings counted
    faces: tuple[int, int, int, int]  # count of face 1 (worst) .. face 4 (best)
    index: Decimal | None  # satisfaction index 25..100: mean face x 25, two decimals; None with no taps
    discarded: int  # taps the kiosks' repeated-tap filter dropped in the period
    # weekday (0 Monday .. 6 Sunday) x hour (0..23) -> taps, in the office's time zone
    heatmap: dict[tuple[int, int], int] = field(default_factory=dict, hash=False)
    weekly: tuple[tuple[date, int, Decimal | None], ...] = ()  # (Monday, taps, index) per week


# --- complaint handling (SP4N-LAPOR!) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandlingFigure:
    unit: Unit  # an agency (the handling agency), or the whole province (kind AGENCY, id "")
    period: Period  # complaints received in the period
    received: int
    by_class: dict[str, int] = field(default_factory=dict, hash=False)  # pengaduan/aspirasi/permintaan_informasi
    by_topic: dict[str, int] = field(default_factory=dict, hash=False)
    # The part of the published standard the complaints say was breached (domain.complaint.StandardPart)
    by_standard_part: dict[str, int] = field(default_factory=dict, hash=False)
    verified_on_time: Fraction | None = None  # share verified/forwarded within the rule set's days
    answered_on_time: Fraction | None = None  # share with the follow-up within the rule set's days
    median_days_to_verify: Fraction | None = None  # working days
    median_days_to_answer: Fraction | None = None  # working days, from forwarding to the answer
    backlog: int = 0  # open now (not closed, not answered)
    overdue: int = 0  # open and past their due day now
    reopened: Fraction | None = None  # share reopened at least once
    citizen_rating: Fraction | None = None  # mean of the citizens' 1..4 verdicts on the answers
    citizen_ratings: int = 0  # how many verdicts


# --- compliance (Ombudsman kepatuhan) --------------------------------------------------------------------


class Zone(str, Enum):
    HIJAU = "hijau"  # 81.00 - 100
    KUNING = "kuning"  # 51.00 - 80.99
    MERAH = "merah"  # 0 - 50.99


@dataclass(frozen=True, slots=True)
class AspectFigure:
    aspect: str  # domain.catalog.ComplianceAspect value
    status: str  # domain.catalog.ComplianceStatus value
    evidence: str


@dataclass(frozen=True, slots=True)
class ComplianceFigure:
    unit: Unit  # an agency
    as_of: datetime  # when the catalog that says so was published
    aspects: tuple[AspectFigure, ...]
    score: Decimal  # 0..100, two decimals (docs/analytics.md)
    zone: Zone


# --- the award ranking ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankComponents:
    """Every number behind one unit's rank, each on a 0..100 scale, so it can be checked by hand."""

    unit: Unit
    ikm: Decimal | None
    on_time: Decimal | None  # complaint handling on time, percent
    citizen_rating: Decimal | None  # citizens' verdicts, mean x 25
    compliance: Decimal | None
    respondents: int
    min_sample: int | None
    composite: Decimal | None  # the weighted sum (docs/analytics.md); None when not ranked
    excluded_reason: str | None = None  # English msgid, e.g. "Sample too small"


@dataclass(frozen=True, slots=True)
class Ranking:
    period: Period
    weights: dict[str, Decimal]  # component name -> weight (they add up to 1)
    ranked: tuple[tuple[int, RankComponents], ...]  # (rank, components), best first; ties share a rank
    apart: tuple[RankComponents, ...]  # listed, not ranked (sample too small, no data)


# --- alerts ---------------------------------------------------------------------------------------------


class AlertKind(str, Enum):
    QUICK_DROP = "quick_drop"  # quick-rating index fell against the unit's previous period
    IKM_DROP = "ikm_drop"
    TOPIC_SPIKE = "topic_spike"  # one topic (pungli above all) far above its usual count
    DEADLINE_BREACHED = "deadline_breached"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    unit: Unit
    raised_on: date  # the local day it was found
    message: str  # English msgid with {placeholders}
    params: dict[str, str] = field(default_factory=dict, hash=False)  # values for the message (no personal data)
    severity: str = "warn"  # "warn" or "danger"
