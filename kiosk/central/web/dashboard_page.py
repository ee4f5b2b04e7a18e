"""What every dashboard page shares: the period asked for, the picker's choices, the scope line (whose
figures these are) and the "figures as of" time. A dashboard route calls :func:`frame_context` and adds
its own figures; the template extends ``staff/dashboard_layout.html``. Its ``.json`` twin answers
:func:`json_twin` with the same figures.

No SQL here: the names come from ``analytics.units`` and the freshness from ``analytics.rollup``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

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


def plain(value: Any) -> Any:
    """Figures as JSON holds them: dataclasses as objects, enums by value, days and times in ISO form,
    a Period as {key, kind, first, last}, Fraction and Decimal as floats (full precision: the page
    rounds for display, the JSON does not)."""
    if isinstance(value, Period):
        return {"key": value.key, "kind": value.kind.value, "first": value.first.isoformat(),
                "last": value.last.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def json_twin(figures: Mapping[str, Any], *, period: Period | None = None, as_of: datetime | None = None,
              status: int = 200) -> JSONResponse:
    """The ``.json`` twin of a dashboard page: ``{"period": ..., "as_of": ..., **figures}``."""
    body = {"period": plain(period), "as_of": plain(as_of), **{k: plain(v) for k, v in figures.items()}}
    return JSONResponse(body, status_code=status)
