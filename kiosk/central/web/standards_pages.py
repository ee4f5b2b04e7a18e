"""The standards editor: the agencies a person may edit with their drafts (and the desk's review queue),
an agency's draft (its record, its services), one service's standard; start, save, add, remove, submit,
discard, rebase. The rules are kiosk/central/standards/drafts.py's; docs/standards-editor.md."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...domain.catalog import INTERNAL_COMPONENTS, PUBLIC_COMPONENTS
from .. import access
from ..access import Staff
from ..complaints import ActionRefused
from ..standards import document as Doc
from ..standards import drafts as D
from ..standards import fields as F
from ..standards import publishing as P
from ..standards.preview import service_preview
from .deps import actor
from .render import language, page
from .standards_common import STATUS_LABELS, Reader, agency_or_404, call, field_errors, flash, message

router = APIRouter(include_in_schema=False)
FORM_LIMIT = 150_000  # characters of one posted form, all fields together (the fields' own limits add to ~97,000)


def _see_other(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


async def _values(request: Request, names) -> dict[str, str]:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in names}
    if sum(len(v) for v in values.values()) > FORM_LIMIT:
        raise HTTPException(status_code=413)
    return values


@router.get("/staff/standards", response_class=HTMLResponse)
def index(request: Request, staff: Reader) -> HTMLResponse:
    engine = request.app.state.engine
    latest = P.newest(engine)
    drafts = D.all_drafts(engine)
    agencies = [a for a in (latest[1]["agencies"] if latest else []) if D.may_read(staff, a["id"])]
    queue = [d for d in drafts.values() if d.status == D.REVIEW] if access.can_publish_catalog(staff) else []
    names = {a["id"]: a["name"] for a in (latest[1]["agencies"] if latest else [])}
    return page(request, "staff/standards/index.html", {
        "agencies": agencies, "drafts": drafts, "queue": queue, "names": names, "status_labels": STATUS_LABELS,
        "version": latest[1].get("version") if latest else None, "flash": flash(request),
        "can_publish": access.can_publish_catalog(staff),
    })


def agency_context(request: Request, staff: Staff, agency_id: str) -> dict[str, Any]:
    engine = request.app.state.engine
    latest = P.newest(engine)
    part = Doc.part_of(latest[1], agency_id) if latest else None
    draft = D.get(engine, agency_id)
    if part is None and draft is None:
        raise HTTPException(status_code=404)
    agency, services = (draft.agency, draft.services) if draft else part
    stale = bool(draft and latest and Doc.digest(latest[1], agency_id) != draft.base_digest)
    return {
        "agency_id": agency_id, "agency": agency, "services": services, "draft": draft, "stale": stale,
        "editable": bool(draft and draft.status in D.EDITABLE and access.can_edit_standards(staff, agency_id)),
        "can_edit": access.can_edit_standards(staff, agency_id), "can_publish": access.can_publish_catalog(staff),
        "fields": F.AGENCY_FIELDS, "labels": F.labels(language(request)), "values": F.agency_values(agency),
        "errors": {}, "status_labels": STATUS_LABELS, "flash": flash(request),
    }


@router.get("/staff/standards/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: str, staff: Reader) -> HTMLResponse:
    agency_or_404(staff, agency_id)
    return page(request, "staff/standards/agency.html", agency_context(request, staff, agency_id))


@router.post("/staff/standards/{agency_id}", response_model=None)
async def save_agency(request: Request, agency_id: str, staff: Reader) -> Response:
    agency_or_404(staff, agency_id)
    values = await _values(request, [f[0] for f in F.AGENCY_FIELDS])
    try:
        await call(D.save_agency, request.app.state.engine, staff, actor(request, staff), agency_id, values)
    except F.FieldError as exc:
        ctx = agency_context(request, staff, agency_id)
        return page(request, "staff/standards/agency.html", {**ctx, "values": values,
                                                              "errors": field_errors(request, exc)}, status=400)
    except ActionRefused as exc:
        ctx = agency_context(request, staff, agency_id)
        return page(request, "staff/standards/agency.html",
                    {**ctx, "values": values, "flash": {"text": message(request, exc), "kind": "warn"}}, status=409)
    return _see_other(f"/staff/standards/{agency_id}", "saved")


async def _step(request: Request, staff: Staff, agency_id: str, action, done: str, *args: Any) -> Response:
    """A button on the agency page (start, submit, discard, rebase): back to the page, or its refusal."""
    agency_or_404(staff, agency_id)
    try:
        await call(action, request.app.state.engine, staff, actor(request, staff), agency_id, *args)
    except ActionRefused as exc:
        ctx = agency_context(request, staff, agency_id)
        return page(request, "staff/standards/agency.html",
                    {**ctx, "flash": {"text": message(request, exc), "kind": "warn"}}, status=409)
    return _see_other(f"/staff/standards/{agency_id}", done)


@router.post("/staff/standards/{agency_id}/draft", response_model=None)
async def start_draft(request: Request, agency_id: str, staff: Reader) -> Response:
    return await _step(request, staff, agency_id, D.start, "started")


@router.post("/staff/standards/{agency_id}/submit", response_model=None)
async def submit(request: Request, agency_id: str, staff: Reader) -> Response:
    return await _step(request, staff, agency_id, D.submit, "submitted")


@router.post("/staff/standards/{agency_id}/discard", response_model=None)
async def discard(request: Request, agency_id: str, staff: Reader) -> Response:
    return await _step(request, staff, agency_id, D.discard, "discarded")


@router.post("/staff/standards/{agency_id}/rebase", response_model=None)
async def rebase(request: Request, agency_id: str, staff: Reader) -> Response:
    return await _step(request, staff, agency_id, D.rebase, "rebased")


# --- one service ------------------------------------------------------------------------------------------


def _service_context(request: Request, staff: Staff, agency_id: str, service_id: str | None) -> dict[str, Any]:
    ctx = agency_context(request, staff, agency_id)
    if service_id is None:
        if not ctx["editable"]:
            raise HTTPException(status_code=404)
        service: dict[str, Any] = {"standard": {"fee_idr": 0}}
    else:
        service = next((s for s in ctx["services"] if s.get("id") == service_id), None)
        if service is None:
            raise HTTPException(status_code=404)
    preview = None
    if service_id is not None:
        # What a kiosk would show for the service as the draft has it (the catalogio part's preview).
        preview = service_preview(D.as_catalog(request.app.state.engine, agency_id), service_id, language(request))
    return {**ctx, "service_id": service_id, "preview": preview, "service": service, "values": F.service_values(service),
            "public": [k for k, _, _ in PUBLIC_COMPONENTS], "internal": [k for k, _, _ in INTERNAL_COMPONENTS],
            "head": [f[0] for f in F.SERVICE_HEAD], "tail": [f[0] for f in F.SERVICE_TAIL],
            "lists": F.LIST_COMPONENTS}


@router.get("/staff/standards/{agency_id}/services/{service_id}", response_class=HTMLResponse)
def service_page(request: Request, agency_id: str, service_id: str, staff: Reader) -> HTMLResponse:
    agency_or_404(staff, agency_id)
    return page(request, "staff/standards/service.html", _service_context(request, staff, agency_id, service_id))


@router.get("/staff/standards/{agency_id}/new-service", response_class=HTMLResponse)
def new_service_page(request: Request, agency_id: str, staff: Reader) -> HTMLResponse:
    agency_or_404(staff, agency_id)
    return page(request, "staff/standards/service.html", _service_context(request, staff, agency_id, None))


async def _save_service(request: Request, staff: Staff, agency_id: str, service_id: str | None) -> Response:
    agency_or_404(staff, agency_id)
    values = await _values(request, F.SERVICE_FIELDS)
    try:
        saved = await call(D.save_service, request.app.state.engine, staff, actor(request, staff), agency_id,
                           service_id, values)
    except F.FieldError as exc:
        ctx = _service_context(request, staff, agency_id, service_id)
        return page(request, "staff/standards/service.html",
                    {**ctx, "values": values, "errors": field_errors(request, exc)}, status=400)
    except ActionRefused as exc:
        ctx = _service_context(request, staff, agency_id, service_id)
        return page(request, "staff/standards/service.html",
                    {**ctx, "values": values, "flash": {"text": message(request, exc), "kind": "warn"}}, status=409)
    return _see_other(f"/staff/standards/{agency_id}/services/{saved}", "added" if service_id is None else "saved")


@router.post("/staff/standards/{agency_id}/new-service", response_model=None)
async def add_service(request: Request, agency_id: str, staff: Reader) -> Response:
    return await _save_service(request, staff, agency_id, None)


@router.post("/staff/standards/{agency_id}/services/{service_id}", response_model=None)
async def save_service(request: Request, agency_id: str, service_id: str, staff: Reader) -> Response:
    return await _save_service(request, staff, agency_id, service_id)


@router.post("/staff/standards/{agency_id}/services/{service_id}/remove", response_model=None)
async def remove_service(request: Request, agency_id: str, service_id: str, staff: Reader) -> Response:
    return await _step(request, staff, agency_id, D.remove_service, "removed", service_id)
