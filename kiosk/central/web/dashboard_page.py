"""What every dashboard page shares: the period asked for, the picker's choices, the scope line (whose
figures these are) and the "figures as of" time. A dashboard route calls :func:`frame_context` and adds
its own figures; the template extends ``staff/dashboard_layout.html``.

No SQL here: the names come from ``analytics.units`` and the freshness from ``analytics.rollup``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request

from ...domain.errors import ValidationError
from .. import access
from ..access import Staff
from ..analytics import periods, rollup, units
from ..analytics.figures import UnitKind
from ..analytics.periods import Kind, Period
from . import render

HUB = "/staff/dashboard"


def today(request: Request, now: datetime | None = None) -> date:
    """The local day in the server's time zone (a period is made of local days)."""
    return periods.local_day(now or datetime.now(UTC), request.app.state.settings.tz)


def read_period(request: Request, *, default: Kind = Kind.QUARTER, now: datetime | None = None
                ) -> tuple[Period, dict[str, str]]:
    """The period of the query (``period=2026-Q1`` or ``from``/``to``), or the current one of ``default``.

    Bad input never fails the page: the page shows the current period and the picker shows the
    message (by field: period, from, to) in the reader's language; the route answers 400 with it."""
    day = today(request, now)
    t = render.translate(render.language(request))
    try:
        return periods.parse(dict(request.query_params), day, default), {}
    except ValidationError as exc:
        return periods.containing(default, day), {exc.field or "period": t(exc.message).format(**exc.params)}


def scope_line(staff: Staff, index: units.UnitIndex, lang: str) -> str:
    """Whose figures the page shows: every agency, or the officer's by name."""
    t = render.translate(lang)
    agencies = access.dashboard_agencies(staff)
    if agencies is None:
        return t("All regional agencies")
    if not agencies:
        return t("No agency is assigned to your account, so there are no figures to show.")
    names = sorted(index.get(UnitKind.AGENCY, a).name(lang) for a in agencies)
    return t("Your agencies: {names}", names=", ".join(names))


def frame_context(request: Request, staff: Staff, period: Period | None = None,
                  period_errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The context ``staff/dashboard_layout.html`` reads: period, choices, period_errors, scope, as_of."""
    lang = render.language(request)
    with request.app.state.engine.connect() as conn:
        index = units.index(conn)
        as_of = rollup.freshness(conn)
    return {
        "period": period,
        "choices": periods.choices(today(request)),
        "period_errors": period_errors or {},
        "scope": scope_line(staff, index, lang),
        "as_of": as_of,
        "units": index,
    }
