"""Compliance evidence pages: GET /staff/evidence (the agencies one may see, and the desk's queue),
GET /staff/evidence/{agency_id} (the nine aspects; a form per aspect with an upload for those who may
edit), POST /staff/evidence/{agency_id}/{aspect} (save or submit), POST .../review (approve or return),
GET /staff/evidence/file/{sha256} (a file, to staff who may see an agency holding it).

Who may do what is access.py (can_see_evidence, can_edit_evidence, can_approve_evidence); the writes are
evidence.save / review (audited); files are checked and kept by evidence_files. docs/compliance-evidence.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...domain.catalog import COMPLIANCE_LABELS, ComplianceAspect, ComplianceStatus
from .. import access
from .. import catalog as catalog_mod
from .. import evidence as E
from .. import evidence_files as F
from ..access import Staff
from ..complaints import ActionRefused, NotAllowed
from ..evidence_catalog import published_items
from .deps import StaffDep, actor
from .render import language, page, translate

router = APIRouter(include_in_schema=False)

STATUS_WORDS = {
    ComplianceStatus.ADA: "In place",
    ComplianceStatus.SEBAGIAN: "Partly in place",
    ComplianceStatus.BELUM: "Not yet in place",
}
STATE_WORDS = {E.DRAFT: "Draft", E.SUBMITTED: "Waiting for the desk", E.APPROVED: "Approved", E.RETURNED: "Returned"}
STATE_TAGS = {E.DRAFT: "neutral", E.SUBMITTED: "info", E.APPROVED: "ok", E.RETURNED: "warn"}
FLASHES = {"saved": "Saved as a draft.", "submitted": "Submitted to the desk.", "approved": "Approved.",
           "returned": "Returned to the agency."}
SUFFIX = {F.JPEG: "jpg", F.PNG: "png", F.PDF: "pdf"}


def may_use(staff: Staff) -> bool:
    """The menu's and the overview's check: someone who may see at least one agency's evidence."""
    return any(access.can_see_evidence(staff, a) for a in (None, *staff.agencies))


def _visible_agencies(request: Request, staff: Staff) -> list[catalog_mod.AgencyName]:
    return [a for a in catalog_mod.agencies(request.app.state.engine) if access.can_see_evidence(staff, a.id)]


def _agency_or_404(request: Request, staff: Staff, agency_id: str) -> catalog_mod.AgencyName:
    # An agency one may not see answers as one that does not exist: no probing for agency ids.
    for agency in catalog_mod.agencies(request.app.state.engine):
        if agency.id == agency_id and access.can_see_evidence(staff, agency_id):
            return agency
    raise HTTPException(status_code=404)


def _labels(lang: str) -> dict[str, str]:
    return {a.value: COMPLIANCE_LABELS[a][0 if lang == "id" else 1] for a in ComplianceAspect}


@router.get("/staff/evidence", response_class=HTMLResponse)
def overview(request: Request, staff: StaffDep) -> HTMLResponse:
    if not may_use(staff):
        raise HTTPException(status_code=403, detail="Not allowed for this role")
    engine = request.app.state.engine
    lang = language(request)
    agencies = _visible_agencies(request, staff)
    names = {a.id: (a.name if lang == "id" else a.name_en) for a in agencies}
    queue = E.waiting(engine, [a.id for a in agencies]) if access.can_approve_evidence(staff) else []
    return page(request, "staff/evidence/overview.html", {
        "agencies": agencies, "names": names, "counts": E.state_counts(engine, [a.id for a in agencies]),
        "queue": queue, "labels": _labels(lang), "status_words": STATUS_WORDS, "aspect_total": len(ComplianceAspect),
        "flash": _flash(request),
    })


def _flash(request: Request) -> str | None:
    done = request.query_params.get("done")
    return translate(language(request))(FLASHES[done]) if done in FLASHES else None


def _agency_context(request: Request, staff: Staff, agency, *, errors: dict | None = None,
                    values: dict | None = None) -> dict[str, Any]:
    lang = language(request)
    saved = E.for_agency(request.app.state.engine, agency.id)
    rows = [(a, saved.get(a)) for a in ComplianceAspect]
    return {
        # What kiosks show now, for an aspect nobody has saved here yet: shown, and the form starts from it.
        "published": published_items(request.app.state.engine, agency.id),
        "agency": agency, "agency_name": agency.name if lang == "id" else agency.name_en, "rows": rows,
        "labels": _labels(lang), "status_words": STATUS_WORDS, "state_words": STATE_WORDS, "state_tags": STATE_TAGS,
        "can_edit": access.can_edit_evidence(staff, agency.id), "can_approve": access.can_approve_evidence(staff),
        "errors": errors or {}, "values": values or {}, "flash": _flash(request),
        "max_mb": F.mb(request.app.state.settings.evidence_max_bytes),
        "max_bytes": request.app.state.settings.evidence_max_bytes,
        "too_large": translate(lang)(F.MSG_TOO_LARGE, limit=F.mb(request.app.state.settings.evidence_max_bytes)),
    }


@router.get("/staff/evidence/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: str, staff: StaffDep) -> HTMLResponse:
    agency = _agency_or_404(request, staff, agency_id)
    return page(request, "staff/evidence/agency.html", _agency_context(request, staff, agency))


@router.post("/staff/evidence/{agency_id}/{aspect}", response_model=None)
async def save_aspect(request: Request, agency_id: str, aspect: str, staff: StaffDep) -> HTMLResponse | RedirectResponse:
    agency = await run_in_threadpool(_agency_or_404, request, staff, agency_id)
    if not access.can_edit_evidence(staff, agency_id):
        raise HTTPException(status_code=403, detail="Not allowed for this role")
    if aspect not in {a.value for a in ComplianceAspect}:
        raise HTTPException(status_code=404)
    form = await request.form()  # already read (and bounded) for the CSRF check
    p = f"{aspect}-"
    values = {
        "status": str(form.get(p + "status") or ""), "evidence": str(form.get(p + "evidence") or ""),
        "public": form.get(p + "public") == "1",
    }
    upload = form.get(p + "file")
    settings = request.app.state.settings
    try:
        stored = None
        E.check(aspect=aspect, status=values["status"], evidence=values["evidence"])
        if isinstance(upload, UploadFile) and (upload.filename or upload.size):
            # Read one byte past the limit: enough to know it is too large, never more.
            data = await upload.read(settings.evidence_max_bytes + 1)
            cleaned, kind = await run_in_threadpool(F.clean, data, max_bytes=settings.evidence_max_bytes)
            stored = await run_in_threadpool(F.store, F.directory(settings), cleaned, kind)
        await run_in_threadpool(
            lambda: E.save(request.app.state.engine, staff, actor(request, staff), agency_id=agency_id, aspect=aspect,
                           status=values["status"], evidence=values["evidence"], public=values["public"],
                           new_file=stored, remove_file=form.get(p + "remove_file") == "1",
                           submit=form.get("submit") == "1"))
    except NotAllowed:
        raise HTTPException(status_code=403, detail="Not allowed for this role") from None
    except ActionRefused as exc:
        t = translate(language(request))
        errors = {p + (exc.field or "status"): t(exc.message, **exc.params)}
        ctx = await run_in_threadpool(lambda: _agency_context(request, staff, agency, errors=errors,
                                                              values={aspect: values}))
        return page(request, "staff/evidence/agency.html", ctx, status=400)
    done = "submitted" if form.get("submit") == "1" else "saved"
    return RedirectResponse(f"/staff/evidence/{agency_id}?done={done}#{aspect}", status_code=303)


@router.post("/staff/evidence/{agency_id}/{aspect}/review", response_model=None)
async def review_aspect(request: Request, agency_id: str, aspect: str, staff: StaffDep) -> HTMLResponse | RedirectResponse:
    agency = await run_in_threadpool(_agency_or_404, request, staff, agency_id)
    if not access.can_approve_evidence(staff):
        raise HTTPException(status_code=403, detail="Not allowed for this role")
    form = await request.form()
    approve = form.get("decision") == "approve"
    note = str(form.get(f"{aspect}-note") or "")
    seen = _parse_seen(str(form.get("seen") or ""))
    try:
        await run_in_threadpool(lambda: E.review(request.app.state.engine, staff, actor(request, staff),
                                                 agency_id=agency_id, aspect=aspect, approve=approve, note=note,
                                                 seen_at=seen))
    except NotAllowed:
        raise HTTPException(status_code=403, detail="Not allowed for this role") from None
    except ActionRefused as exc:
        t = translate(language(request))
        errors = {f"{aspect}-{exc.field or 'note'}": t(exc.message, **exc.params)}
        ctx = await run_in_threadpool(lambda: _agency_context(request, staff, agency, errors=errors))
        return page(request, "staff/evidence/agency.html", ctx, status=400)
    back = "/staff/evidence" if form.get("back") == "queue" else f"/staff/evidence/{agency_id}"
    return RedirectResponse(f"{back}?done={'approved' if approve else 'returned'}", status_code=303)


def _parse_seen(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/staff/evidence/file/{sha256}", response_model=None)
def evidence_file(request: Request, sha256: str, staff: StaffDep) -> FileResponse:
    if not may_use(staff):
        raise HTTPException(status_code=403, detail="Not allowed for this role")
    engine, settings = request.app.state.engine, request.app.state.settings
    holders = E.agencies_holding(engine, sha256) if len(sha256) == 64 else set()
    path = F.path_of(F.directory(settings), sha256)
    kind = E.file_type(engine, sha256)
    if not any(access.can_see_evidence(staff, a) for a in holders) or path is None or kind not in SUFFIX:
        raise HTTPException(status_code=404)
    disposition = "attachment" if kind == F.PDF else "inline"
    return FileResponse(path, media_type=kind, headers={
        "Content-Disposition": f'{disposition}; filename="evidence-{sha256[:12]}.{SUFFIX[kind]}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-store",  # the staff paths get no-store anyway (headers.py)
    })
