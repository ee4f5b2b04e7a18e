"""An SKM report asked for by a member of staff: find the unit, compute its figure, write the audit row.

No HTTP here (``web/reports_page.py`` parses the request and answers); the writers are in ``reports/``.
The audit row names who took which unit's report for which period and in what format: exports leave the
server, so the province must be able to say later who had what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import sqlalchemy as sa

from . import audit
from .analytics import ikm, units
from .analytics.figures import IkmFigure, Unit, UnitKind
from .analytics.periods import Period
from .settings import Settings

FORMATS = ("pdf", "xlsx", "csv")
_UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MSG_UNIT = "Choose a unit such as agency:bappenda or service:izin-umk."
MSG_UNKNOWN_UNIT = "There is no such unit. Choose one from the dashboard."


class BadUnit(ValueError):
    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


@dataclass(frozen=True, slots=True)
class SkmSource:
    figure: IkmFigure
    province: str
    demo: bool


def parse_unit(text: str | None) -> tuple[UnitKind, str]:
    """``kind:id`` as the dashboards write it (``service:izin-umk``); BadUnit otherwise."""
    kind, sep, unit_id = (text or "").strip().partition(":")
    try:
        unit_kind = UnitKind(kind)
    except ValueError:
        raise BadUnit(MSG_UNIT) from None
    if not sep or not _UNIT_ID.match(unit_id):
        raise BadUnit(MSG_UNIT)
    return unit_kind, unit_id


def find_unit(engine: sa.Engine, kind: UnitKind, unit_id: str) -> Unit:
    """The unit as the newest catalog (or the devices) name it; BadUnit when nobody knows it."""
    with engine.connect() as conn:
        unit = units.index(conn).by_kind.get(kind, {}).get(unit_id)
    if unit is None:
        raise BadUnit(MSG_UNKNOWN_UNIT)
    return unit


def skm_source(engine: sa.Engine, settings: Settings, unit: Unit, period: Period) -> SkmSource:
    with engine.connect() as conn:
        figure = ikm.ikm_for_unit(conn, settings, unit, period)
        catalog = units.current_catalog(conn)
    province = catalog.province if catalog is not None else ""
    return SkmSource(figure, province, bool(catalog and catalog.demo))


def record_export(engine: sa.Engine, actor: audit.Actor, unit: Unit, period: Period, fmt: str, lang: str) -> None:
    with engine.begin() as conn:
        audit.record(conn, actor, audit.EXPORT, target=f"skm:{unit.kind.value}:{unit.id}",
                     detail={"report": "skm", "unit": f"{unit.kind.value}:{unit.id}", "period": period.key,
                             "format": fmt, "lang": lang})


def file_name(unit: Unit, period: Period, fmt: str) -> str:
    """``SKM_bappenda_2026-Q1.pdf``: letters, digits, dot, dash and underscore only, so no header trick
    and no path reaches the reader's disk."""
    key = period.key.replace("..", "_")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"SKM_{unit.id}_{key}").strip("-")[:120]
    return f"{stem}.{fmt}"


def now(tz: tzinfo = UTC) -> datetime:
    """When a report is made, in the server's time zone: the footer is read by people in the office."""
    return datetime.now(tz)
