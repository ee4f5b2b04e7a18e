"""GET /staff/dashboard/alerts (+ ``.json``): today's alerts, each with a link to the dashboard of its
unit; and :func:`rows`, the same alerts as the hub (/staff/dashboard) shows them.

Who: access.can_see_dashboards; an officer sees only the alerts of their agencies
(access.dashboard_agencies, passed to the query). The rules are in analytics/alerts.py; no SQL here.
Severity is shown in words and with an icon, never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from .. import access
from ..access import Staff
from ..analytics import alerts as alert_rules
from ..analytics import periods
from ..analytics.figures import Alert, AlertKind
from . import dashboard_page, render
from .deps import require

router = APIRouter(include_in_schema=False)

PAGE = "/staff/dashboard/alerts"
# How many the hub lists before "All alerts" (the page lists them all).
HUB_LIMIT = 8

KIND_LABELS = {
    AlertKind.IKM_DROP: "IKM drop",
    AlertKind.QUICK_DROP: "Quick-rating drop",
    AlertKind.TOPIC_SPIKE: "Topic spike",
    AlertKind.DEADLINE_BREACHED: "Deadline breached",
}
# An icon beside the words (hidden from screen readers, which read the words): "‼" urgent, "⚠" watch,
# both in DejaVu Sans (the back office's fallback font), so no box where a glyph is missing.
ICONS = {alert_rules.DANGER: "\u203c", alert_rules.WARN: "\u26a0"}
TAGS = {alert_rules.DANGER: "tag--late", alert_rules.WARN: "tag--warn"}


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert as a page shows it, in the reader's language."""

    kind: str
    severity: str  # "danger" / "warn"
    severity_label: str
    icon: str
    tag: str  # the CSS class of the severity tag
    kind_label: str
    unit: str
    text: str
    links: tuple[tuple[str, str], ...]  # (href, label)


def links(alert: Alert) -> list[tuple[str, str]]:
    """(href, English msgid): the unit's dashboard, and for complaints the inbox filtered to them."""
    unit, params = alert.unit, alert.params
    if alert.kind in (AlertKind.IKM_DROP, AlertKind.QUICK_DROP):
        part = "ikm" if alert.kind is AlertKind.IKM_DROP else "quick"
        href = f"/staff/dashboard/{part}/{unit.kind.value}/{quote(unit.id, safe='')}"
        return [(f"{href}?{urlencode({'period': params['period']})}", "Open its dashboard")]
    query: dict[str, str] = {"agency": unit.id} if unit.id else {}
    if alert.kind is AlertKind.TOPIC_SPIKE:
        query |= {"topic": params["topic"], "from": params["week"]}
    else:
        query |= {"overdue": "1"}
    return [("/staff/dashboard/complaints", "Open its dashboard"),
            (f"/staff/complaints?{urlencode(query)}", "Open the complaints")]


def rows(alerts: list[Alert], lang: str) -> list[AlertRow]:
    t = render.translate(lang)
    return [AlertRow(a.kind.value, a.severity, t(alert_rules.severity_label(a)), ICONS[a.severity], TAGS[a.severity],
                     t(KIND_LABELS[a.kind]), a.unit.name(lang), alert_rules.describe(a, lang),
                     tuple((href, t(label)) for href, label in links(a)))
            for a in alerts]


def todays(request: Request, staff: Staff) -> list[Alert]:
    """Today's alerts this person may see (an officer: their agencies')."""
    app = request.app
    return alert_rules.today_alerts(app.state.engine, app.state.settings, datetime.now(UTC),
                                    access.dashboard_agencies(staff))


Reader = Annotated[Staff, Depends(require(access.can_see_dashboards))]


@router.get(PAGE)
def alerts_page(request: Request, person: Reader) -> Response:
    lang = render.language(request)
    context = dashboard_page.frame_context(request, person)  # the scope line and freshness of every dashboard
    context.update(alerts=rows(todays(request, person), lang))
    return render.page(request, "staff/dashboard_alerts.html", context)


@router.get(PAGE + ".json")
def alerts_json(request: Request, person: Reader) -> JSONResponse:
    lang = render.language(request)
    found = todays(request, person)
    today = periods.local_day(datetime.now(UTC), request.app.state.settings.tz)
    return JSONResponse({
        "day": today.isoformat(),
        "alerts": [{
            "kind": a.kind.value, "severity": a.severity,
            "unit": {"kind": a.unit.kind.value, "id": a.unit.id, "name": a.unit.name(lang)},
            "message": a.message, "params": a.params, "text": row.text,
            "links": [{"href": href, "label": label} for href, label in row.links],
        } for a, row in zip(found, rows(found, lang), strict=True)],
    })
