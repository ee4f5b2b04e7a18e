"""/staff/dashboard/ranking (+ ``.json``): the governor's award ranking of the agencies for one period
(default: the last complete year), every component beside the rank, the agencies listed apart with
their reason, the weights, and the composite of the first row worked out so it can be checked by hand.

The province and its viewers only (access.can_see_province_ranking): the ranking compares every
agency. The rule is analytics.ranking and docs/analytics.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from .. import access
from ..access import Staff
from ..analytics import compliance, periods, rollup
from ..analytics import ranking as award
from ..analytics.figures import RankComponents, Ranking
from ..db import reader
from . import chart_specs, dashboard_page, render
from .decimal_text import fraction, number
from .deps import require

router = APIRouter(include_in_schema=False)

# The components' names on the page (English msgids), in the order of analytics.ranking.COMPONENTS.
COMPONENT_TEXT = {"ikm": "IKM", "on_time": "Answered on time (%)", "citizen_rating": "Citizens' rating",
                  "compliance": "Compliance"}


def _period(request: Request) -> tuple[periods.Period, dict[str, str]]:
    """The asked period, or the last complete year (what an award is given for); bad input gives that
    year and the picker's message per field (the route answers 400)."""
    params = request.query_params
    if any((params.get(k) or "").strip() for k in ("period", "from", "to")):
        period, errors = dashboard_page.read_period(request, default=periods.Kind.YEAR)
        if not errors:
            return period, {}
    else:
        errors = {}
    return periods.last_complete(periods.Kind.YEAR, dashboard_page.today(request)), errors


def _ranking(request: Request, period: periods.Period) -> Ranking:
    with reader(request.app.state.engine) as conn:
        return award.ranking(conn, request.app.state.settings, period)


def _weight_text(weight: Decimal, lang: str) -> str:
    # 0.4 is written 0.40, as people write weights; a finer weight (0.125) keeps its digits.
    two = weight.quantize(Decimal("0.01"))
    return number(two if two == weight else weight, lang)


def _row_json(c: RankComponents) -> dict[str, Any]:
    return {
        "agency_id": c.unit.id, "agency": c.unit.name_id, "agency_en": c.unit.name_en,
        "ikm": c.ikm, "on_time": c.on_time, "citizen_rating": c.citizen_rating,
        "compliance": c.compliance, "composite": c.composite,
        "respondents": c.respondents, "min_sample": c.min_sample,
        "weights_rescaled": award.rescaled(c), "reason": c.excluded_reason,
    }


@router.get("/staff/dashboard/ranking.json")
def ranking_json(request: Request, person: Annotated[Staff, Depends(require(access.can_see_province_ranking))]) -> Response:
    period, errors = _period(request)
    if errors:
        return JSONResponse({"errors": errors}, status_code=400)
    result = _ranking(request, period)
    return dashboard_page.json_twin({
        "weights": result.weights,
        "ranked": [{"rank": r} | _row_json(c) for r, c in result.ranked],
        "apart": [_row_json(c) for c in result.apart],
    }, period=period, as_of=_as_of(request))


def _as_of(request: Request):
    with reader(request.app.state.engine) as conn:
        return rollup.freshness(conn)


@router.get("/staff/dashboard/ranking")
def ranking_page(request: Request, person: Annotated[Staff, Depends(require(access.can_see_province_ranking))]) -> Response:
    lang = render.language(request)
    t = render.translate(lang)
    period, errors = _period(request)
    context = dashboard_page.frame_context(request, person, period, errors)
    if errors:
        context.update(result=None)
        return render.page(request, "staff/dashboard_ranking.html", context, status=400)
    result = _ranking(request, period)
    num = lambda v: number(v, lang)
    with reader(request.app.state.engine) as conn:
        short = compliance.agency_short_names(conn)
    names = [short.get(c.unit.id) or c.unit.name(lang) for _, c in result.ranked]
    table = {
        "spec": chart_specs.bar(names, [(t("Composite"), [c.composite for _, c in result.ranked])], horizontal=True),
        # The agency first: it is the row's header (the frame's tables right-align every other column).
        "columns": [t("Agency"), t("Rank"), t("IKM"), t("Answered on time (%)"), t("Citizens' rating"),
                    t("Compliance"), t("Composite"), t("Note")],
        "rows": [[c.unit.name(lang), str(r), num(c.ikm), num(c.on_time), num(c.citizen_rating), num(c.compliance),
                  num(c.composite), _note(c, t)] for r, c in result.ranked],
    }
    apart = [[c.unit.name(lang), t(c.excluded_reason or ""), str(c.respondents),
              str(c.min_sample) if c.min_sample is not None else "–", num(c.ikm), num(c.on_time),
              num(c.citizen_rating), num(c.compliance)] for c in result.apart]
    context.update({
        "result": result, "table": table, "apart": apart,
        "apart_columns": [t("Agency"), t("Reason"), t("Respondents"), t("Minimum sample"), t("IKM"),
                          t("Answered on time (%)"), t("Citizens' rating"), t("Compliance")],
        "weights": [(t(COMPONENT_TEXT[name]), _weight_text(w, lang)) for name, w in result.weights.items()],
        "example": _worked_example(result, lang, t),
    })
    return render.page(request, "staff/dashboard_ranking.html", context)


def _note(c: RankComponents, t) -> str:
    notes = []
    if award.rescaled(c):
        notes.append(t(award.WEIGHTS_RESCALED))
    if c.min_sample is None:
        notes.append(t("minimum sample unknown (yearly users not set)"))
    return "; ".join(notes)


def _worked_example(result: Ranking, lang: str, t) -> dict[str, Any] | None:
    """The first row's composite written out: each weight (rescaled ones as a share of the present
    weights), times the component, their sum, and the rounding."""
    if not result.ranked:
        return None
    first = result.ranked[0][1]
    present_total = sum((w for name, w in result.weights.items() if getattr(first, name) is not None), Decimal(0))
    lines, total = [], 0
    for name, weight, value, product in award.terms(first, result.weights):
        configured = _weight_text(result.weights[name], lang)
        shown = configured if not award.rescaled(first) else f"{configured} ÷ {_weight_text(present_total, lang)}"
        lines.append({"component": t(COMPONENT_TEXT[name]), "weight": shown, "value": number(value, lang),
                      "product": fraction(product, lang)})
        total += product
    return {"agency": first.unit.name(lang), "lines": lines, "sum": fraction(total, lang),
            "composite": number(first.composite, lang), "rescaled": award.rescaled(first)}
