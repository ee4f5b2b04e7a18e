"""/staff/dashboard/complaints (and its JSON twin ``.json``): complaint handling for a period.

Who may read it: access.can_see_dashboards; an officer sees their own agencies only
(access.dashboard_agencies), in the page, the JSON and the totals. The figures come from
analytics/handling.py; what the page shows of them from dashboard_complaints_view.py; the frame (period,
picker, scope, freshness) from dashboard_page.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .. import access
from ..access import Staff
from ..analytics import handling
from ..analytics.figures import HandlingFigure
from ..analytics.periods import Period
from ..db import reader
from . import dashboard_complaints_view as view
from . import dashboard_page, render
from .deps import require

router = APIRouter(include_in_schema=False)

PATH = "/staff/dashboard/complaints"


@dataclass(frozen=True, slots=True)
class _Figures:
    total: HandlingFigure
    agencies: list[HandlingFigure]
    series: dict[str, handling.Series]  # "topic", "class", "agency"


def _read(request: Request, person: Staff, period: Period) -> _Figures:
    engine, settings = request.app.state.engine, request.app.state.settings
    agencies = access.dashboard_agencies(person)
    with reader(engine) as conn:
        total, per_agency = handling.handling_overview(conn, settings, period, agencies)
        return _Figures(total, per_agency, handling.handling_series_all(conn, settings, period, agencies))


@router.get(PATH)
def complaints_dashboard(request: Request,
                         person: Annotated[Staff, Depends(require(access.can_see_dashboards))]) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    period, errors = dashboard_page.read_period(request)
    figures = _read(request, person, period)
    verify_days, answer_days = handling.rule_days(request.app.state.settings)
    total_name = t("All regional agencies") if access.dashboard_agencies(person) is None else t("Your agencies")
    names = {f.unit.id: view.agency_name(f, lang, t) for f in figures.agencies}
    context = dashboard_page.frame_context(request, person, period, errors)
    context.update(
        stats=view.headline(figures.total, verify_days, answer_days, t, lang),
        over_time=[
            view.series_chart("complaints-by-topic", t("Complaints over time by topic"), figures.series["topic"],
                              lambda k: view.topic_label(k, t), t, lang),
            view.series_chart("complaints-by-class", t("Complaints over time by class"), figures.series["class"],
                              lambda k: view.class_label(k, t), t, lang),
        ],
        per_agency=[
            view.agency_series_chart("complaints-by-agency-time", t("Complaints over time per agency"),
                                     figures.series["agency"], names, t, lang),
            view.agencies_chart("complaints-per-agency", t("Handling per agency"), figures.agencies, figures.total,
                                total_name, t, lang),
            view.standard_chart("complaints-standard",
                                t("Which part of the service standard complaints say was breached"),
                                figures.agencies, figures.total, total_name, t, lang),
        ],
    )
    return render.page(request, "staff/dashboard_complaints.html", context, status=400 if errors else 200)


@router.get(PATH + ".json")
def complaints_dashboard_json(request: Request,
                              person: Annotated[Staff, Depends(require(access.can_see_dashboards))]) -> Response:
    period, errors = dashboard_page.read_period(request)
    figures = _read(request, person, period)
    verify_days, answer_days = handling.rule_days(request.app.state.settings)
    as_of = dashboard_page.frame_context(request, person, period, errors)["as_of"]
    body = {
        "rule_days": {"verify": verify_days, "answer": answer_days},
        "now_figures": ["backlog", "overdue"],  # counted now, not over the period
        "total": figures.total,
        "agencies": figures.agencies,
        "series": figures.series,
    }
    if errors:
        body["errors"] = errors
    return dashboard_page.json_twin(body, period=period, as_of=as_of, status=400 if errors else 200)
