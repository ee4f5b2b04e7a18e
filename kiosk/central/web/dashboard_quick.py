"""/staff/dashboard/quick: the quick ratings (one tap, four faces) per agency, office or kiosk, and one
unit's weekday x hour heatmap and weekly trend; each page with its ``.json`` twin (same figures).

Who: access.can_see_dashboards; an officer sees their agencies' taps only, and a unit that is not theirs
is a 404 (as if it did not exist). The figures come from analytics.quick (the rules: docs/analytics.md).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from ...domain.errors import ValidationError
from .. import access
from ..access import Staff
from ..analytics import periods, quick
from ..analytics.figures import UnitKind
from ..analytics.rollup import freshness
from ..db import now, reader
from . import quick_tables as view
from . import render
from .deps import require

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Staff, Depends(require(access.can_see_dashboards))]

# The overview compares units of one of these kinds; services have the IKM dashboard (a door terminal
# rates the whole office, so most quick taps name no service).
KINDS = (UnitKind.AGENCY, UnitKind.OFFICE, UnitKind.KIOSK)
KIND_LABELS = {UnitKind.AGENCY: "Agency", UnitKind.OFFICE: "Office", UnitKind.KIOSK: "Kiosk"}
MSG_KIND = "Choose agency, office or kiosk."
MSG_NO_SERVICE_DISCARDS = "Discarded taps are counted per kiosk: the filter drops a tap before it knows the service."


class BadInput(Exception):
    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


def _period(request: Request) -> periods.Period:
    today = now().astimezone(request.app.state.settings.tz).date()
    try:
        return periods.parse(dict(request.query_params), today)
    except ValidationError as exc:
        raise BadInput(exc.message) from None


def _kind(value: str | None) -> UnitKind:
    try:
        kind = UnitKind(value or UnitKind.AGENCY.value)
    except ValueError:
        raise BadInput(MSG_KIND) from None
    if kind not in KINDS:
        raise BadInput(MSG_KIND)
    return kind


def _json_error(exc: BadInput) -> JSONResponse:
    """400 with the reason in both languages (a script reading the JSON has no page language)."""
    return JSONResponse({"error": {"id": render.translate("id")(exc.msgid), "en": exc.msgid}}, status_code=400)


def _overview(request: Request, person: Staff) -> tuple[periods.Period, UnitKind, list, Any]:
    period, kind = _period(request), _kind(request.query_params.get("kind"))
    with reader(request.app.state.engine) as conn:
        figures = quick.quick_by_unit(conn, request.app.state.settings, kind, period,
                                      access.dashboard_agencies(person), detail=False)
        as_of = freshness(conn)
    return period, kind, figures, as_of


@router.get("/staff/dashboard/quick.json")
def quick_overview_json(request: Request, person: Viewer) -> Response:
    lang = render.language(request)
    try:
        period, kind, figures, as_of = _overview(request, person)
    except BadInput as exc:
        return _json_error(exc)
    body = {"period": period.key, "kind": kind.value, "as_of": as_of.isoformat() if as_of else None,
            **view.overview_json(figures, render.translate(lang), lang)}
    return JSONResponse(body)


@router.get("/staff/dashboard/quick")
def quick_overview(request: Request, person: Viewer) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    try:
        period, kind, figures, as_of = _overview(request, person)
    except BadInput as exc:
        raise HTTPException(status_code=400, detail=exc.msgid) from None
    columns, rows = view.overview_table(figures, t, lang)
    today = now().astimezone(request.app.state.settings.tz).date()
    return render.page(request, "staff/dashboard_quick.html", {
        "period": period,
        "choices": periods.choices(today),
        "kind": kind,
        "kinds": [(k.value, t(KIND_LABELS[k])) for k in KINDS],
        "figures": figures,
        "columns": columns,
        "rows": rows,
        "spec": view.overview_chart(figures, t, lang) if figures else None,
        "as_of": as_of,
        "json_url": request.url.path + ".json" + (f"?{request.url.query}" if request.url.query else ""),
        "unit_links": [(f.unit.name(lang), _unit_href(kind, f.unit.id, period)) for f in figures],
    })


def _unit_href(kind: UnitKind, unit_id: str, period: periods.Period) -> str:
    return f"/staff/dashboard/quick/{kind.value}/{quote(unit_id, safe='')}?{urlencode({'period': period.key})}"


def _detail(request: Request, person: Staff, kind: str, unit_id: str):
    """The unit's figure, or 404 when the unit is unknown or not the officer's."""
    try:
        unit_kind = UnitKind(kind)
    except ValueError:
        raise HTTPException(status_code=404) from None
    period = _period(request)
    agencies = access.dashboard_agencies(person)
    with reader(request.app.state.engine) as conn:
        unit = quick.visible_unit(conn, unit_kind, unit_id, agencies)
        if unit is None:
            raise HTTPException(status_code=404)
        figure = quick.quick_of_unit(conn, request.app.state.settings, unit, period, agencies)
    return period, figure


@router.get("/staff/dashboard/quick/{kind}/{unit_id:path}.json")
def quick_unit_json(request: Request, person: Viewer, kind: str, unit_id: str) -> Response:
    lang = render.language(request)
    try:
        _, figure = _detail(request, person, kind, unit_id)
    except BadInput as exc:
        return _json_error(exc)
    return JSONResponse(view.detail_json(figure, render.translate(lang), lang))


@router.get("/staff/dashboard/quick/{kind}/{unit_id:path}")
def quick_unit(request: Request, person: Viewer, kind: str, unit_id: str) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    try:
        period, figure = _detail(request, person, kind, unit_id)
    except BadInput as exc:
        raise HTTPException(status_code=400, detail=exc.msgid) from None
    today = now().astimezone(request.app.state.settings.tz).date()
    tables = {"heatmap": view.heatmap_table(figure, t), "weekly": view.weekly_table(figure, t),
              "faces": view.faces_table(figure, t)}
    specs = {"heatmap": view.heatmap_chart(figure, t), "weekly": view.weekly_chart(figure, t),
             "faces": view.faces_chart(figure, t)}
    return render.page(request, "staff/dashboard_quick_unit.html", {
        "period": period,
        "choices": periods.choices(today),
        "figure": figure,
        "unit_name": figure.unit.name(lang),
        "kind_label": t(KIND_LABELS.get(figure.unit.kind, "Service")),
        "tables": tables,
        "specs": specs,
        "index": view.index_text(figure.index),
        "no_service_discards": MSG_NO_SERVICE_DISCARDS if figure.unit.kind is UnitKind.SERVICE else None,
        "json_url": request.url.path + ".json" + (f"?{request.url.query}" if request.url.query else ""),
    })
