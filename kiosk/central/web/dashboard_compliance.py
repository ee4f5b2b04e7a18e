"""/staff/dashboard/compliance (+ ``.json``): each agency's compliance score and zone, and for one agency
(``?agency=``) its nine aspects with status and evidence and the history of its score.

Anyone who reads dashboards (access.can_see_dashboards); an officer sees their own agencies only, in
the page and in the JSON alike. The figures come from analytics.compliance; the rule is in
docs/analytics.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from ...domain.catalog import COMPLIANCE_LABELS, ComplianceAspect
from .. import access
from ..access import Staff
from ..analytics import compliance, rollup
from ..analytics.figures import ComplianceFigure, Zone
from ..db import reader
from . import chart_specs, dashboard_page, render
from .decimal_text import number
from .deps import require

router = APIRouter(include_in_schema=False)

# What a status and a zone say in words (never colour alone), and the icon beside the words.
STATUS_TEXT = {"ada": "Present", "sebagian": "Partly present", "belum": "Missing"}
STATUS_ICON = {"ada": "✓", "sebagian": "◐", "belum": "✗"}
ZONE_TEXT = {Zone.HIJAU: "Green zone", Zone.KUNING: "Yellow zone", Zone.MERAH: "Red zone"}


def _aspect_label(aspect: str, lang: str) -> str:
    try:
        id_label, en_label = COMPLIANCE_LABELS[ComplianceAspect(aspect)]
    except ValueError:
        return aspect
    return en_label if lang == "en" else id_label


def _figures(request: Request, person: Staff) -> tuple[list[ComplianceFigure], ComplianceFigure | None,
                                                        list[ComplianceFigure]]:
    """(every visible agency's newest figure, the chosen agency's figure, its history)."""
    chosen = request.query_params.get("agency", "").strip()
    with reader(request.app.state.engine) as conn:
        figures = compliance.compliance_by_agency(conn, access.dashboard_agencies(person))
        if chosen:
            selected = next((f for f in figures if f.unit.id == chosen), None)
            if selected is None:  # unknown, or not one of this officer's: the same answer
                raise HTTPException(status_code=404, detail="No such agency among those you may see")
        else:
            selected = figures[0] if figures else None
        history = compliance.compliance_history(conn, selected.unit.id) if selected else []
    return figures, selected, history


def _short_names(request: Request) -> dict[str, str]:
    with reader(request.app.state.engine) as conn:
        return compliance.agency_short_names(conn)


def _figure_json(f: ComplianceFigure, lang: str) -> dict[str, Any]:
    return {
        "agency_id": f.unit.id,
        "agency": f.unit.name(lang),
        "as_of": f.as_of,
        "score": f.score,
        "zone": f.zone,
        "aspects": [{"aspect": a.aspect, "label": _aspect_label(a.aspect, lang), "status": a.status,
                     "evidence": a.evidence} for a in f.aspects],
    }


@router.get("/staff/dashboard/compliance.json")
def compliance_json(request: Request, person: Annotated[Staff, Depends(require(access.can_see_dashboards))]) -> Response:
    lang = render.language(request)
    figures, selected, history = _figures(request, person)
    return dashboard_page.json_twin({
        "agencies": [_figure_json(f, lang) for f in figures],
        "selected": selected.unit.id if selected else None,
        "history": [{"as_of": f.as_of, "score": f.score, "zone": f.zone} for f in history],
    }, as_of=_as_of(request))


def _as_of(request: Request):
    with reader(request.app.state.engine) as conn:
        return rollup.freshness(conn)


@router.get("/staff/dashboard/compliance")
def compliance_page(request: Request, person: Annotated[Staff, Depends(require(access.can_see_dashboards))]) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    fmt_dt, fmt_date = render.formatters(request, lang)
    figures, selected, history = _figures(request, person)
    # The bars carry short names (34 full names do not fit beside them); the table has the full ones.
    short = _short_names(request)
    names = [short.get(f.unit.id) or f.unit.name(lang) for f in figures]
    overview = {
        "spec": chart_specs.bar(names, [(t("Compliance score"), [f.score for f in figures])], horizontal=True),
        "columns": [t("Agency"), t("Score"), t("Zone")],
        "rows": [[f.unit.name(lang), number(f.score, lang), t(ZONE_TEXT[f.zone])] for f in figures],
    }
    trend = {
        "spec": chart_specs.line([fmt_date(f.as_of) for f in history], [(t("Compliance score"), [f.score for f in history])]),
        "columns": [t("Published"), t("Score"), t("Zone")],
        "rows": [[fmt_dt(f.as_of), number(f.score, lang), t(ZONE_TEXT[f.zone])] for f in history],
    }
    context = dashboard_page.frame_context(request, person)
    context.update({
        "figures": figures,
        "selected": selected,
        "overview": overview,
        "trend": trend,
        "aspect_label": lambda a: _aspect_label(a, lang),
        "status_text": {k: t(v) for k, v in STATUS_TEXT.items()},
        "status_icon": STATUS_ICON,
        "zone_text": {z.value: t(v) for z, v in ZONE_TEXT.items()},
        "number": lambda d: number(d, lang),
    })
    return render.page(request, "staff/dashboard_compliance.html", context)
