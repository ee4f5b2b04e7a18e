"""/staff/fleet: every kiosk's health and open incidents (access.can_see_fleet), revoking a kiosk with a
confirm step (access.can_manage_kiosks), and which offices each technician looks after
(access.can_manage_users). The rows come from fleet_view; the changes are fleet_staff's (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from .. import access, fleet_alerts, fleet_staff, fleet_view
from .. import fleet_health as H
from ..access import Staff
from ..db import now
from . import render
from .deps import actor, require

router = APIRouter(include_in_schema=False)

FleetDep = Annotated[Staff, Depends(require(access.can_see_fleet))]
ManagerDep = Annotated[Staff, Depends(require(access.can_manage_kiosks))]
AdminDep = Annotated[Staff, Depends(require(access.can_manage_users))]
# Device ids are made by security.new_device_id: short url-safe text. Anything else is a 422, never a query.
DeviceId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]

DONE = {
    "revoked": "The kiosk was revoked: its token is refused from now on, and it no longer sends alerts.",
    "already": "That kiosk was already revoked.",
    "technicians": "The technician's offices were saved.",
}
# Incident kinds as tags: the worst in the colour of lateness, the rest as warnings (and always in words).
TAG_KIND = {H.OFFLINE: "late", H.PAPER_OUT: "late", H.STUCK: "warn", H.CLOCK_SKEW: "warn", H.PAPER_LOW: "warn",
            H.VERSION_BEHIND: "info"}


def _t(request: Request):
    return render.translate(render.language(request))


@router.get("/staff/fleet")
def fleet(request: Request, person: FleetDep) -> Response:
    t = _t(request)
    engine = request.app.state.engine
    done = request.query_params.get("done")
    rows = fleet_view.kiosks(engine)
    may_assign = access.can_manage_users(person)
    return render.page(request, "staff/fleet/index.html", {
        "rows": rows,
        "now": now(),
        "labels": H.LABELS,
        "tag_kind": TAG_KIND,
        "duration": lambda seconds: H.duration(seconds, t),
        "detail_line": lambda kind, detail: H.detail_line(kind, detail, t, request.app.state.settings.tz),
        "printer_words": lambda state: H.printer_words(state, t),
        "disk_words": lambda mb: H.disk_words(mb, t),
        "no_recipient": fleet_alerts.NO_RECIPIENT,
        "open_count": sum(1 for r in rows if r.incidents and not r.revoked),
        "may_revoke": access.can_manage_kiosks(person),
        "may_assign": may_assign,
        "technicians": fleet_staff.technicians(engine) if may_assign else [],
        "offices": fleet_staff.kiosk_offices(engine) if may_assign else [],
        "flash": t(DONE[done]) if done in DONE else None,
    })


def _kiosk_or_404(request: Request, device_id: str) -> fleet_view.KioskRow:
    row = fleet_view.kiosk(request.app.state.engine, device_id)
    if row is None:
        raise HTTPException(status_code=404)
    return row


@router.get("/staff/fleet/{device_id}/revoke")
def revoke_confirm(request: Request, device_id: DeviceId, person: ManagerDep) -> Response:
    row = _kiosk_or_404(request, device_id)
    return render.page(request, "staff/fleet/revoke.html", {"kiosk": row})


@router.post("/staff/fleet/{device_id}/revoke")
def revoke(request: Request, device_id: DeviceId, person: ManagerDep,
           confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    if confirm != "yes":
        # The confirm page's button sends confirm=yes: a bare POST (a forged link) revokes nothing.
        return RedirectResponse(f"/staff/fleet/{device_id}/revoke", status_code=303)
    try:
        done = fleet_staff.revoke(request.app.state.engine, actor(request, person), device_id)
    except fleet_staff.NoSuchKiosk:
        raise HTTPException(status_code=404) from None
    return RedirectResponse("/staff/fleet?done=" + ("revoked" if done else "already"), status_code=303)


@router.post("/staff/fleet/technicians/{user_id}")
def technician_offices(request: Request, user_id: UserId, person: AdminDep,
                       offices: Annotated[list[str], Form(max_length=fleet_staff.MAX_OFFICES)] = []  # noqa: B006
                       ) -> Response:
    if any(len(o) > 200 for o in offices):
        raise HTTPException(status_code=400, detail="office name too long")
    try:
        fleet_staff.set_offices(request.app.state.engine, actor(request, person), user_id, offices)
    except fleet_staff.NoSuchTechnician:
        raise HTTPException(status_code=404) from None
    except fleet_staff.UnknownOffice:
        raise HTTPException(status_code=400, detail="unknown office") from None
    return RedirectResponse("/staff/fleet?done=technicians#technicians", status_code=303)
