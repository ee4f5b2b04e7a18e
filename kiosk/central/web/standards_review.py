"""Review of an agency's draft: the side-by-side diff against the published catalog; the desk returns it
with a note or publishes it (kiosk/central/standards/publishing.py). Everyone who may read the agency's
draft sees the diff; only access.can_publish_catalog sees and uses the buttons."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import access
from ..access import Staff
from ..complaints import ActionRefused
from ..standards import diff as Diff
from ..standards import document as Doc
from ..standards import drafts as D
from ..standards import fields as F
from ..standards import publishing as P
from .deps import actor
from .render import language, page
from .standards_common import STATUS_LABELS, Publisher, Reader, agency_or_404, call, message

router = APIRouter(include_in_schema=False)


def _context(request: Request, staff: Staff, agency_id: str, **extra) -> dict:
    engine = request.app.state.engine
    draft = D.get(engine, agency_id)
    latest = P.newest(engine)
    if draft is None or latest is None:
        raise HTTPException(status_code=404)
    old = Doc.part_of(latest[1], agency_id)
    # The compliance list is never the draft's (publishing takes the published one and the evidence).
    agency = {**draft.agency, "compliance": old[0].get("compliance", [])} if old else draft.agency
    changes = Diff.agency_diff(old[0] if old else None, old[1] if old else [], agency, draft.services)
    return {
        "agency_id": agency_id, "draft": draft, "agency": draft.agency, "diff": changes,
        "labels": F.labels(language(request)), "status_labels": STATUS_LABELS,
        "stale": Doc.digest(latest[1], agency_id) != draft.base_digest,
        "can_publish": access.can_publish_catalog(staff), "can_edit": access.can_edit_standards(staff, agency_id),
        "errors": {}, "values": {}, "flash": None, **extra,
    }


@router.get("/staff/standards/{agency_id}/review", response_class=HTMLResponse)
def review_page(request: Request, agency_id: str, staff: Reader) -> HTMLResponse:
    agency_or_404(staff, agency_id)
    return page(request, "staff/standards/review.html", _context(request, staff, agency_id))


async def _note(request: Request, name: str) -> str:
    form = await request.form()
    note = str(form.get(name) or "")
    if len(note) > 5000:
        raise HTTPException(status_code=413)
    return note


@router.post("/staff/standards/{agency_id}/return", response_model=None)
async def return_draft(request: Request, agency_id: str, staff: Publisher) -> Response:
    note = await _note(request, "note")
    try:
        await call(D.return_to_officer, request.app.state.engine, staff, actor(request, staff), agency_id, note)
    except ActionRefused as exc:
        field = exc.field or "note"
        ctx = _context(request, staff, agency_id, values={"note": note}, errors={field: message(request, exc)})
        return page(request, "staff/standards/review.html", ctx, status=400)
    return RedirectResponse("/staff/standards?done=returned", status_code=303)


@router.post("/staff/standards/{agency_id}/publish", response_model=None)
async def publish(request: Request, agency_id: str, staff: Publisher) -> Response:
    note = await _note(request, "publish-note")
    try:
        await call(P.publish_draft, request.app.state.engine, staff, actor(request, staff), agency_id, note)
    except ActionRefused as exc:
        ctx = _context(request, staff, agency_id, values={"publish_note": note})
        if exc.field:
            ctx["errors"] = {"publish-note": message(request, exc)}
        else:
            ctx["flash"] = {"text": message(request, exc), "kind": "warn"}
        return page(request, "staff/standards/review.html", ctx, status=409)
    return RedirectResponse("/staff/standards/history?done=published", status_code=303)
