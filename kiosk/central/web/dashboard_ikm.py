"""The IKM dashboard (issue 14, item 1):

- ``GET /staff/dashboard/ikm`` (+ ``.json``): IKM per unit of one kind (tabs: agency, service, office,
  kiosk) for a period, as a chart with the band edges and a table;
- ``GET /staff/dashboard/ikm/{kind}/{id}`` (+ ``.json``): one unit: the nine elements, IKM, mutu and
  kinerja, respondents against the minimum sample, the profile, the three weakest elements, links to the
  SKM report files, and (for a service) the form for its yearly users;
- ``POST /staff/dashboard/ikm/service/{id}/population``: set or clear those yearly users.

Who sees what: ``access.can_see_dashboards``; an officer only their agencies' surveys
(``access.dashboard_agencies``), and a unit of another agency answers 404, as one that does not exist,
so its name does not leak. The figures come from ``analytics.ikm``; the shaping from ``ikm_view``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ...domain.errors import ValidationError
from ...errors import NotFound
from .. import access, populations
from ..access import Staff
from ..analytics import ikm, rollup, units
from ..analytics.figures import IkmFigure, Unit, UnitKind
from ..analytics.periods import Period
from . import dashboard_page, ikm_view, render
from .deps import actor, require

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(access.can_see_dashboards))]
BASE = "/staff/dashboard/ikm"
MSG_KIND = "Choose agencies, services, offices or kiosks."


def _kind(value: str | None) -> UnitKind:
    try:
        return UnitKind(value or UnitKind.AGENCY.value)
    except ValueError:
        raise HTTPException(status_code=404, detail=MSG_KIND) from None


# --- the list ------------------------------------------------------------------------------------------


def _list(request: Request, person: Staff) -> tuple[UnitKind, Period, dict[str, str], list[IkmFigure]]:
    kind = _kind(request.query_params.get("kind"))
    period, errors = dashboard_page.read_period(request)
    engine, settings = request.app.state.engine, request.app.state.settings
    with engine.connect() as conn:
        figures = ikm.ikm_by_unit(conn, settings, kind, period, access.dashboard_agencies(person))
    return kind, period, errors, figures


def _as_of(request: Request):
    with request.app.state.engine.connect() as conn:
        return rollup.freshness(conn)


@router.get(BASE + ".json")
def ikm_list_json(request: Request, person: Reader) -> Response:
    kind, period, errors, figures = _list(request, person)
    body = ikm_view.list_json(figures, kind, render.language(request))
    return dashboard_page.json_twin({**body, "errors": errors}, period=period, as_of=_as_of(request),
                                    status=400 if errors else 200)


@router.get(BASE)
def ikm_list(request: Request, person: Reader) -> Response:
    kind, period, errors, figures = _list(request, person)
    lang = render.language(request)
    t = render.translate(lang)
    context = dashboard_page.frame_context(request, person, period, errors)
    context.update(
        kind=kind,
        tabs=[(k, t(label), render.url_maker(request)(kind=k.value)) for k, label in ikm_view.KIND_LABELS.items()],
        figures=figures,
        hrefs=[ikm_view.unit_href(kind, f.unit.id, period) for f in figures],
        spec=ikm_view.list_chart(figures, lang),
        columns=ikm_view.list_columns(t),
        rows=ikm_view.list_rows(figures, t, lang),
    )
    return render.page(request, "staff/dashboard_ikm.html", context, status=400 if errors else 200)


# --- one unit ------------------------------------------------------------------------------------------


def _unit(request: Request, person: Staff, kind_value: str, unit_id: str) -> tuple[Unit, Period, dict[str, str],
                                                                                    IkmFigure, int | None]:
    kind = _kind(kind_value)
    period, errors = dashboard_page.read_period(request)
    engine, settings = request.app.state.engine, request.app.state.settings
    agencies = access.dashboard_agencies(person)
    with engine.connect() as conn:
        unit = units.index(conn).by_kind.get(kind, {}).get(unit_id)
        if unit is None:
            raise HTTPException(status_code=404)
        figure = ikm.ikm_for_unit(conn, settings, unit, period, agencies)
        yearly = populations.yearly_users(conn, unit.id) if kind is UnitKind.SERVICE else None
    # An officer opens their agencies' units, and an office or kiosk (of any agency) where surveys
    # about their agencies were made; anything else is, to them, not there.
    own = agencies is None or unit.agency_id in agencies
    if not own and not (kind in (UnitKind.OFFICE, UnitKind.KIOSK) and figure.respondents):
        raise HTTPException(status_code=404)
    return unit, period, errors, figure, yearly


@router.get(BASE + "/{kind}/{unit_id}.json")
def ikm_unit_json(request: Request, kind: str, unit_id: str, person: Reader) -> Response:
    _, period, errors, figure, yearly = _unit(request, person, kind, unit_id)
    body = {**ikm_view.unit_json(figure, render.language(request)), "yearly_users": yearly, "errors": errors}
    return dashboard_page.json_twin(body, period=period, as_of=_as_of(request), status=400 if errors else 200)


@router.get(BASE + "/{kind}/{unit_id}")
def ikm_unit(request: Request, kind: str, unit_id: str, person: Reader) -> Response:
    return _unit_page(request, person, kind, unit_id)


def _unit_page(request: Request, person: Staff, kind: str, unit_id: str, *, form_errors: dict[str, str] | None = None,
               typed: str | None = None, status: int = 200) -> Response:
    unit, period, errors, figure, yearly = _unit(request, person, kind, unit_id)
    lang = render.language(request)
    t = render.translate(lang)
    context = dashboard_page.frame_context(request, person, period, errors)
    done = request.query_params.get("done")
    context.update(
        unit=unit,
        kind_label=t(ikm_view.KIND_SINGULAR[unit.kind]),
        list_href=f"{BASE}?kind={unit.kind.value}&period={period.key}",
        figure=figure,
        fmt=ikm_view.fmt,
        count=ikm_view.count,
        missing=ikm_view.missing_elements(figure),
        element_spec=ikm_view.element_chart(figure),
        element_columns=ikm_view.element_columns(t),
        element_rows=ikm_view.element_rows(figure, lang),
        element_names={e.code: (e.name_id if lang == "id" else e.name_en) for e in figure.elements},
        profiles=ikm_view.profile_charts(figure, t, lang) if figure.respondents else [],
        reports=ikm_view.report_links(figure),
        yearly=yearly,
        can_edit_population=unit.kind is UnitKind.SERVICE and access.can_edit_population(person, unit.agency_id),
        population_action=f"{BASE}/service/{quote(unit.id, safe='')}/population?" + urlencode({"period": period.key}),
        form_errors=form_errors or {},
        typed=typed if typed is not None else ("" if yearly is None else str(yearly)),
        flash={"text": t("Saved."), "kind": "ok"} if done == "population" and not form_errors else None,
    )
    return render.page(request, "staff/dashboard_ikm_unit.html", context,
                       status=status if status != 200 else (400 if errors else 200))


@router.post(BASE + "/service/{service_id}/population", response_model=None)
async def set_population(request: Request, service_id: str, person: Reader) -> Response:
    form = await request.form()
    typed = str(form.get("yearly_users") or "")
    clear = form.get("clear") == "1"
    period = request.query_params.get("period") or ""
    t = render.translate(render.language(request))
    engine = request.app.state.engine
    try:
        value = None if clear else populations.parse_yearly_users(typed)
        populations.set_yearly_users(engine, person, service_id, value, by=actor(request, person))
    except NotFound:
        raise HTTPException(status_code=404) from None
    except populations.PopulationRefused:
        raise HTTPException(status_code=403, detail=populations.MSG_NOT_ALLOWED) from None
    except ValidationError as exc:
        errors = {"yearly_users": t(exc.message).format(**exc.params)}
        return _unit_page(request, person, "service", service_id, form_errors=errors, typed=typed, status=400)
    query = {"done": "population", **({"period": period} if period else {})}
    return RedirectResponse(f"{BASE}/service/{quote(service_id, safe='')}?{urlencode(query)}", status_code=303)
