"""The server's working-day calendar and the due day of a complaint's next service level.

Working days skip weekends, Indonesia's national holidays and the government's *cuti bersama* (the
``holidays`` package, "public" and "government" categories) and the local holidays in the settings.
The same list is sent to the kiosks with the catalog, so a receipt's promised date and the server's
deadline agree (docs/backoffice.md, "Deadlines").
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from ..domain.workflow import Status, WorkCalendar, next_deadline
from .settings import Settings

# Known rule sets of service levels. Only PermenPANRB 62/2018's figures are in the domain today; a
# province that confirms the 2025 values adds its set here and names it in the settings.
RULE_SETS = ("permenpanrb-62-2018",)


@functools.lru_cache(maxsize=32)
def national_holidays(first_year: int, last_year: int) -> frozenset[date]:
    import holidays

    years = range(first_year, last_year + 1)
    table = holidays.country_holidays("ID", years=years, categories=("public", "government"))
    return frozenset(table.keys())


def holiday_dates(settings: Settings, first_year: int, last_year: int) -> frozenset[date]:
    return national_holidays(first_year, last_year) | settings.holiday_dates


def holidays_around(settings: Settings, today: date | None = None) -> list[date]:
    """The holidays a calendar near ``today`` (the server's today by default) needs, oldest first: last
    year (complaints filed then still have deadlines) to two years on (a receipt's last deadline).

    This is the list the kiosks get with the catalog; :func:`calendar` is built from the same one, so a
    kiosk and the server count the same working days.
    """
    year = (today or datetime.now(settings.tz).date()).year
    return sorted(holiday_dates(settings, year - 1, year + 2))


def calendar(settings: Settings, around: date | None = None) -> WorkCalendar:
    """A calendar good for deadlines near ``around`` (today by default): last year to two years on."""
    return WorkCalendar(frozenset(holidays_around(settings, around)))


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Midnight that begins ``day`` in the office's time zone, in UTC (the bound of a day filter)."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def due_on(
    status: Status | str,
    status_at: datetime,
    received_at: datetime,
    cal: WorkCalendar,
    tz: ZoneInfo,
) -> date | None:
    """The day the next service level falls due for a complaint in ``status`` since ``status_at``."""
    deadline = next_deadline(status, local_day(status_at, tz), cal, sent_on=local_day(received_at, tz))
    return deadline.due if deadline is not None else None


def working_days_left(due: date, today: date, cal: WorkCalendar) -> int:
    """Working days from today to the due day: 0 on the due day, negative once it has passed."""
    return cal.working_days_between(today, due)
