"""``GET /transparansi``: the public transparency page (no sign-in, no personal data).

Each agency's satisfaction index and grade, complaint handling on time, compliance zone and its place in
the award ranking, as ``kiosk/central/transparency.py`` computes them (cached a minute). Each agency's
block is anchored by its id (``/transparansi#bappenda``), which the QR on a kiosk's service page opens.
This module only turns the figures into display text in the visitor's language.
"""

from __future__ import annotations

from fractions import Fraction

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from .. import transparency
from ..analytics import periods
from ..analytics.figures import IkmFigure, RankComponents, Zone
from ..reports.numbers import PERCENT_PLACES, SCORE_PLACES, text
from .render import language, page, translate

router = APIRouter(include_in_schema=False)

# Public and the same for everyone: shared caches may keep it as long as the server does.
HEADERS = {"Cache-Control": "public, max-age=60"}
ZONE_LABELS = {Zone.HIJAU: "Green zone", Zone.KUNING: "Yellow zone", Zone.MERAH: "Red zone"}
ZONE_TAGS = {Zone.HIJAU: "ok", Zone.KUNING: "warn", Zone.MERAH: "late"}


def _ikm_view(fig: IkmFigure | None, lang: str, t) -> dict:
    """What one IKM cell says: the score and grade, or why there is none."""
    if fig is None or fig.respondents == 0:
        return {"state": "none", "text": t("No survey yet"), "respondents": 0}
    respondents = fig.respondents
    if fig.sample_too_small:
        return {"state": "small", "respondents": respondents,
                "text": t("Sample not yet sufficient ({n} of at least {minimum} respondents)", n=respondents,
                          minimum=fig.min_sample)}
    if fig.score is None or fig.band is None:
        return {"state": "none", "text": t("Not every element has answers yet"), "respondents": respondents}
    kinerja = fig.band.kinerja_en if lang == "en" else fig.band.kinerja_id
    return {"state": "score", "respondents": respondents, "score": text(fig.score, SCORE_PLACES, lang),
            "mutu": fig.band.mutu, "kinerja": kinerja}


def _percent(share: Fraction | None, lang: str) -> str | None:
    return None if share is None else text(share * 100, PERCENT_PLACES, lang) + " %"


def _component(value, lang: str) -> str:
    return text(value, SCORE_PLACES, lang)


def _rank_row(rank: int | None, rc: RankComponents, lang: str, t) -> dict:
    return {"rank": rank, "name": rc.unit.name(lang), "anchor": rc.unit.agency_id or "",
            "ikm": _component(rc.ikm, lang), "on_time": _component(rc.on_time, lang),
            "citizen": _component(rc.citizen_rating, lang), "compliance": _component(rc.compliance, lang),
            "composite": _component(rc.composite, lang), "respondents": rc.respondents,
            "reason": t(rc.excluded_reason) if rc.excluded_reason else ""}


def view(figures: transparency.PublicFigures, lang: str) -> dict:
    t = translate(lang)
    agencies = []
    for row in figures.agencies:
        handling = row.handling
        compliance = row.compliance
        agencies.append({
            "id": row.agency.id,
            "name": row.agency.name(lang),
            "quarter": _ikm_view(row.quarter, lang, t),
            "year": _ikm_view(row.year, lang, t),
            "received": handling.received if handling else None,
            "on_time": _percent(handling.answered_on_time, lang) if handling else None,
            "zone": t(ZONE_LABELS[compliance.zone]) if compliance else None,
            "zone_tag": ZONE_TAGS[compliance.zone] if compliance else "neutral",
            "compliance_score": text(compliance.score, SCORE_PLACES, lang) if compliance else None,
            "rank": row.rank,
        })
    board = figures.ranking
    return {
        "agencies": agencies,
        "quarter_label": figures.quarter.label(lang),
        "year_label": periods.year(figures.year.first.year).label(lang),
        "ranking_label": figures.ranking_year.label(lang),
        "ranked": [_rank_row(n, rc, lang, t) for n, rc in board.ranked],
        "apart": [_rank_row(None, rc, lang, t) for rc in board.apart],
        "ranked_count": len(board.ranked),
        "demo": figures.demo,
    }


@router.get("/transparansi")
async def transparency_page(request: Request) -> Response:
    app = request.app
    figures = await run_in_threadpool(transparency.public_figures, app.state.engine, app.state.settings)
    return page(request, "public/transparency.html", view(figures, language(request)), headers=HEADERS)
