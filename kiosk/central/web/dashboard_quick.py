"""/staff/dashboard/quick: the quick ratings (one tap, four faces) per agency, office or kiosk, and one
unit's weekday x hour heatmap and weekly trend; each page with its ``.json`` twin (the same tables).

Who: access.can_see_dashboards; an officer sees their agencies' taps only, and a unit that is not theirs
is a 404 (as if it did not exist). The figures come from analytics.quick (the rules: docs/analytics.md,
"Quick ratings"); the tables from quick_tables, so a page and its JSON cannot disagree.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from .. import access
from ..access import Staff
from ..analytics import quick
from ..analytics.figures import UnitKind
from ..analytics.periods import Period
from ..analytics.rollup import freshness
from ..db import reader
from . import dashboard_page as frame
from . import quick_tables as view
from . import render
from .deps import require

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Staff, Depends(require(access.can_see_dashboards))]

PATH = "/staff/dashboard/quick"
# The overview compares units of one of these kinds; a service's taps show on its unit page (most quick
# taps name no service: a door terminal rates the whole office).
KINDS = (UnitKind.AGENCY, UnitKind.OFFICE, UnitKind.KIOSK)
KIND_LABELS = {UnitKind.AGENCY: "Agency", UnitKind.OFFICE: "Office", UnitKind.KIOSK: "Kiosk",
               UnitKind.SERVICE: "Service"}
MSG_KIND = "Choose agency, office or kiosk."
MSG_NO_SERVICE_DISCARDS = "Discarded taps are counted per kiosk: the filter drops a tap before it knows the service."


def _kind(request: Request) -> UnitKind:
    value = request.query_params.get("kind") or UnitKind.AGENCY.value
    if value not in {k.value for k in KINDS}:
        raise HTTPException(status_code=400, detail=MSG_KIND)
    return UnitKind(value)


def _unit_href(kind: UnitKind, unit_id: str, period: Period) -> str:
    return f"{PATH}/{kind.value}/{quote(unit_id, safe='')}?{urlencode({'period': period.key})}"


def _overview(request: Request, person: Staff):
    period, errors = frame.read_period(request)
    kind = _kind(request)
    with reader(request.app.state.engine) as conn:
        # Totals only: the overview shows no heatmap, and that scan is the costly one.
        figures = quick.quick_by_unit(conn, request.app.state.settings, kind, period,
                                      access.dashboard_agencies(person), detail=False)
    return period, errors, kind, figures


@router.get(PATH + ".json")
def quick_overview_json(request: Request, person: Viewer) -> Response:
    lang = render.language(request)
    period, errors, kind, figures = _overview(request, person)
    with reader(request.app.state.engine) as conn:
        as_of = freshness(conn)
    body: dict[str, Any] = {"kind": kind.value, **view.overview_json(figures, render.translate(lang), lang)}
    if errors:
        body["errors"] = errors
    return frame.json_twin(body, period=period, as_of=as_of, status=400 if errors else 200)


@router.get(PATH)
def quick_overview(request: Request, person: Viewer) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    period, errors, kind, figures = _overview(request, person)
    columns, rows = view.overview_table(figures, t, lang)
    return render.page(request, "staff/dashboard_quick.html", {
        **frame.frame_context(request, person, period, errors),
        "kind": kind,
        "kinds": [(k.value, t(KIND_LABELS[k])) for k in KINDS],
        "figures": figures,
        "columns": columns,
        "rows": rows,
        "spec": view.overview_chart(figures, t, lang),
        "unit_links": [(f.unit.name(lang), _unit_href(kind, f.unit.id, period)) for f in figures],
        "json_url": _json_url(request),
    }, status=400 if errors else 200)


def _json_url(request: Request) -> str:
    return request.url.path + ".json" + (f"?{request.url.query}" if request.url.query else "")


def _detail(request: Request, person: Staff, kind: str, unit_id: str):
    """(period, its errors, the unit's figure); 404 when the unit is unknown or not the officer's."""
    try:
        unit_kind = UnitKind(kind)
    except ValueError:
        raise HTTPException(status_code=404) from None
    period, errors = frame.read_period(request)
    agencies = access.dashboard_agencies(person)
    with reader(request.app.state.engine) as conn:
        unit = quick.visible_unit(conn, unit_kind, unit_id, agencies)
        if unit is None:
            raise HTTPException(status_code=404)
        figure = quick.quick_of_unit(conn, request.app.state.settings, unit, period, agencies)
    return period, errors, figure


@router.get(PATH + "/{kind}/{unit_id:path}.json")
def quick_unit_json(request: Request, person: Viewer, kind: str, unit_id: str) -> Response:
    lang = render.language(request)
    period, errors, figure = _detail(request, person, kind, unit_id)
    with reader(request.app.state.engine) as conn:
        as_of = freshness(conn)
    body = view.detail_json(figure, render.translate(lang), lang)
    if errors:
        body["errors"] = errors
    return frame.json_twin(body, period=period, as_of=as_of, status=400 if errors else 200)


@router.get(PATH + "/{kind}/{unit_id:path}")
def quick_unit(request: Request, person: Viewer, kind: str, unit_id: str) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    period, errors, figure = _detail(request, person, kind, unit_id)
    back = figure.unit.kind if figure.unit.kind in KINDS else UnitKind.AGENCY
    return render.page(request, "staff/dashboard_quick_unit.html", {
        **frame.frame_context(request, person, period, errors),
        "figure": figure,
        "unit_name": figure.unit.name(lang),
        "kind_label": t(KIND_LABELS[figure.unit.kind]),
        "overview_href": f"{PATH}?{urlencode({'kind': back.value, 'period': period.key})}",
        "tables": view.detail_tables(figure, t, lang),
        "specs": {"heatmap": view.heatmap_chart(figure, t), "weekly": view.weekly_chart(figure, t),
                  "faces": view.faces_chart(figure, t)},
        "stats": {"taps": view.shown(str(figure.taps), lang), "index": view.shown(view.index_text(figure.index), lang),
                  "discarded": view.shown(str(figure.discarded), lang)},
        "no_service_discards": MSG_NO_SERVICE_DISCARDS if figure.unit.kind is UnitKind.SERVICE else None,
        "json_url": _json_url(request),
    }, status=400 if errors else 200)
