"""The reporting periods of PermenPANRB 14/2017 (quarter, semester, year) and any date range.

A period is a run of whole local days, first to last inclusive, in the server's time zone (NTB: WITA,
UTC+8): a rating made at 23:59 WITA on 31 March belongs to the first quarter, one at 00:00 to the second,
whatever UTC says. Queries get the period's UTC bounds from :func:`utc_bounds` (start inclusive, end
exclusive) or, on the daily rollups, compare local days directly. A query module (no HTTP): pages turn
their query string into a Period with :func:`parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from ...domain.errors import ValidationError


class Kind(str, Enum):
    QUARTER = "quarter"  # triwulan
    SEMESTER = "semester"
    YEAR = "year"
    RANGE = "range"  # any first..last days


# Longest free range a page may ask for: a few years of daily rows, not an accidental century.
MAX_RANGE_DAYS = 5 * 366

MSG_PERIOD = "Choose a period such as 2026-Q1, 2026-S2 or 2026, or give both dates."
MSG_RANGE_ORDER = "The first day must not be after the last day."
MSG_RANGE_LONG = "A date range may span at most five years."
MSG_DATE = "Write the date as YYYY-MM-DD."

_KEY = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<part>[QqSs])(?P<n>[0-9]))?$")


@dataclass(frozen=True, slots=True)
class Period:
    kind: Kind
    first: date  # first local day
    last: date  # last local day, inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def key(self) -> str:
        """The period's name in URLs and file names: ``2026-Q1``, ``2026-S2``, ``2026``, or
        ``2026-01-05..2026-02-04`` for a range."""
        if self.kind is Kind.QUARTER:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind is Kind.SEMESTER:
            return f"{self.first.year}-S{(self.first.month - 1) // 6 + 1}"
        if self.kind is Kind.YEAR:
            return str(self.first.year)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def label(self, lang: str = "id") -> str:
        """``Triwulan I 2026`` / ``Q1 2026``; ranges as ``1 Jan 2026 – 4 Feb 2026`` in ISO form."""
        roman = ("I", "II", "III", "IV")
        if self.kind is Kind.QUARTER:
            n = (self.first.month - 1) // 3
            return f"Triwulan {roman[n]} {self.first.year}" if lang == "id" else f"Q{n + 1} {self.first.year}"
        if self.kind is Kind.SEMESTER:
            n = (self.first.month - 1) // 6
            return f"Semester {roman[n]} {self.first.year}" if lang == "id" else f"Half {n + 1} {self.first.year}"
        if self.kind is Kind.YEAR:
            return f"Tahun {self.first.year}" if lang == "id" else f"Year {self.first.year}"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def previous(self) -> Period:
        """The period just before, of the same kind (the one an alert compares with)."""
        if self.kind is Kind.QUARTER:
            y, m = _shift_months(self.first, -3)
            return quarter(y, (m - 1) // 3 + 1)
        if self.kind is Kind.SEMESTER:
            y, m = _shift_months(self.first, -6)
            return semester(y, (m - 1) // 6 + 1)
        if self.kind is Kind.YEAR:
            return year(self.first.year - 1)
        return Period(Kind.RANGE, self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def _shift_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + (day.month - 1) + months
    return index // 12, index % 12 + 1


def quarter(y: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise ValidationError(MSG_PERIOD, field="period")
    first = date(y, 3 * (q - 1) + 1, 1)
    return Period(Kind.QUARTER, first, _month_end(y, 3 * q))


def semester(y: int, s: int) -> Period:
    if not 1 <= s <= 2:
        raise ValidationError(MSG_PERIOD, field="period")
    return Period(Kind.SEMESTER, date(y, 6 * (s - 1) + 1, 1), _month_end(y, 6 * s))


def year(y: int) -> Period:
    return Period(Kind.YEAR, date(y, 1, 1), date(y, 12, 31))


def date_range(first: date, last: date) -> Period:
    if first > last:
        raise ValidationError(MSG_RANGE_ORDER, field="to")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(MSG_RANGE_LONG, field="to")
    return Period(Kind.RANGE, first, last)


def _month_end(y: int, m: int) -> date:
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return nxt - timedelta(days=1)


def containing(kind: Kind, day: date) -> Period:
    """The quarter, semester or year that holds ``day``."""
    if kind is Kind.QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind is Kind.SEMESTER:
        return semester(day.year, (day.month - 1) // 6 + 1)
    if kind is Kind.YEAR:
        return year(day.year)
    raise ValueError("a range has no period containing a day")


def last_complete(kind: Kind, today: date) -> Period:
    """The newest period of this kind that has ended before ``today`` (what a unit publishes)."""
    return containing(kind, today).previous()


def from_key(key: str) -> Period:
    """``2026-Q1``, ``2026-S2``, ``2026`` or ``2026-01-05..2026-02-04``; ValidationError otherwise."""
    key = (key or "").strip()
    if ".." in key:
        a, _, b = key.partition("..")
        return date_range(_day(a, "from"), _day(b, "to"))
    m = _KEY.match(key)
    if not m:
        raise ValidationError(MSG_PERIOD, field="period")
    y = int(m["year"])
    if not 2000 <= y <= 2100:
        raise ValidationError(MSG_PERIOD, field="period")
    if m["part"] is None:
        return year(y)
    return quarter(y, int(m["n"])) if m["part"] in "Qq" else semester(y, int(m["n"]))


def _day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValidationError(MSG_DATE, field=field) from None
    if not 2000 <= day.year <= 2100:
        raise ValidationError(MSG_DATE, field=field)
    return day


def parse(params: dict[str, str], today: date, default: Kind = Kind.QUARTER) -> Period:
    """A page's period from its query: ``period=2026-Q1`` (or ``from``/``to`` for a range); with neither,
    the current period of ``default`` (so a dashboard opens on figures that are still moving)."""
    a, b = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if a or b:
        return date_range(_day(a, "from"), _day(b, "to"))
    key = (params.get("period") or "").strip()
    return from_key(key) if key else containing(default, today)


def choices(today: date, years: int = 2) -> list[Period]:
    """Periods a picker offers, newest first: this year's and last year's quarters, semesters, years
    (only those that have begun)."""
    out: list[Period] = []
    for y in range(today.year, today.year - years, -1):
        out.append(year(y))
        out += [semester(y, s) for s in (2, 1)]
        out += [quarter(y, q) for q in (4, 3, 2, 1)]
    return [p for p in out if p.first <= today]


def utc_bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
    start = datetime.combine(period.first, time(0), tz).astimezone(UTC)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
