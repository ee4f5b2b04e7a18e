"""Enrollment codes: GET /staff/kiosks/enroll (the form and the open codes), POST /staff/kiosks/enroll (make
one: the code and its QR are shown on this answer only, never again), POST /staff/kiosks/enroll/{code_id}/cancel.
access.can_manage_kiosks. The QR holds the code alone, exactly what `kiosk enroll --code` and
`deploy/provision.sh --code` take (docs/kiosk-settings.md); the page shows the server's address beside it.
Queries and writes: kiosk/central/enroll_codes.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...domain.errors import ValidationError
from .. import access, catalog
from .. import enroll_codes as EC
from ..access import Staff
from .auth import qr_data_uri
from .deps import actor, require
from .render import language, page, translate

router = APIRouter(include_in_schema=False)
Manager = Annotated[Staff, Depends(require(access.can_manage_kiosks))]
TTL_LABELS = {1: "1 hour", 24: "24 hours", 72: "3 days"}


def _context(request: Request, t, **extra: Any) -> dict[str, Any]:
    engine = request.app.state.engine
    en = language(request) == "en"
    agencies = catalog.agencies(engine)
    names = {a.id: (a.name_en if en else a.name) for a in agencies}
    done = request.query_params.get("done")
    return {
        "agency_options": [("", t("Choose an agency"))] + list(names.items()),
        "agency_names": names,
        "ttl_options": [(str(h), t(TTL_LABELS[h])) for h in EC.TTL_CHOICES_H],
        "codes": EC.open_codes(engine),
        "values": {"ttl": "24"}, "errors": {}, "made": None,
        "server_url": request.app.state.settings.public_url,
        "flash": t("The code was cancelled.") if done == "cancelled"
        else t("That code is no longer open.") if done == "gone" else None,
        **extra,
    }


@router.get("/staff/kiosks/enroll", response_class=HTMLResponse)
def enroll_page(request: Request, staff: Manager) -> HTMLResponse:
    return page(request, "staff/kiosks/enroll.html", _context(request, translate(language(request))))


@router.post("/staff/kiosks/enroll", response_class=HTMLResponse)
async def make_code(request: Request, staff: Manager) -> HTMLResponse:
    t = translate(language(request))
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:300] for k in ("office", "agency_id", "ttl")}
    try:
        ttl = int(values["ttl"]) if values["ttl"].isdigit() else 0
        code = EC.make(request.app.state.engine, office=values["office"], agency_id=values["agency_id"],
                       ttl_hours=ttl, by=actor(request, staff))
    except ValidationError as exc:
        ctx = _context(request, t, values=values, errors={exc.field or "office": t(exc.message, **exc.params)})
        return page(request, "staff/kiosks/enroll.html", ctx, status=400)
    # Shown on this answer only (no redirect to a page that could show it again; /staff is no-store).
    made = {"code": code.code, "office": code.office, "agency_id": code.agency_id, "expires_at": code.expires_at,
            "qr": qr_data_uri(code.code)}
    return page(request, "staff/kiosks/enroll.html", _context(request, t, made=made))


@router.post("/staff/kiosks/enroll/{code_id}/cancel")
def cancel_code(request: Request, code_id: str, staff: Manager) -> RedirectResponse:
    done = EC.cancel(request.app.state.engine, code_id[:64], by=actor(request, staff))
    return RedirectResponse(f"/staff/kiosks/enroll?done={'cancelled' if done else 'gone'}", status_code=303)
