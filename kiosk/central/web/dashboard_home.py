"""GET /staff/dashboard: the hub of the dashboards, with the ones this person may open (dashboard_nav)
and the current alerts (the alerts part passes them; none until then). Technicians get 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .. import access
from ..access import Staff
from . import dashboard_alerts, dashboard_nav, dashboard_page, render
from .deps import require

router = APIRouter(include_in_schema=False)


@router.get("/staff/dashboard")
def hub(request: Request, person: Annotated[Staff, Depends(require(access.can_see_dashboards))]) -> Response:
    context = dashboard_page.frame_context(request, person)
    context.update(dashboards=dashboard_nav.items(person),
                   alerts=dashboard_alerts.rows(dashboard_alerts.todays(request, person), render.language(request)),
                   alert_limit=dashboard_alerts.HUB_LIMIT)
    return render.page(request, "staff/dashboard_home.html", context)
