"""The catalog's history (every published version: when, who, which agency, the note), the diff of a
version against the one before, downloads of any version (the catalog JSON) and of a draft's agency, and
the desk's import of a whole catalog file: checked, shown as a diff, then published with a note.

Its fixed paths (/staff/standards/history, /import, /export.json) are registered before the pages of one
agency (web/__init__.py lists this module first), so no agency id can shadow them."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...domain.errors import ValidationError
from ...errors import NotFound
from ...sync import wire
from ..complaints import ActionRefused
from ..standards import csv_io
from ..standards import diff as Diff
from ..standards import drafts as D
from ..standards import fields as F
from ..standards import publishing as P
from .deps import actor
from .render import language, page, translate
from .standards_common import Publisher, Reader, agency_or_404, call, flash, message

router = APIRouter(include_in_schema=False)


def _download(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/staff/standards/history", response_class=HTMLResponse)
def history_page(request: Request, staff: Reader) -> HTMLResponse:
    before = request.query_params.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) <= 12 else None
    versions = P.history(request.app.state.engine, before_id=before_id, limit=50)
    return page(request, "staff/standards/history.html", {
        "versions": versions, "flash": flash(request),
        "older": versions[-1].id if len(versions) == 50 else None,
    })


@router.get("/staff/standards/history/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: int, staff: Reader) -> HTMLResponse:
    try:
        version, doc, previous = P.version_with_previous(request.app.state.engine, version_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    return page(request, "staff/standards/version.html", {
        "version": version, "diff": Diff.catalog_diff(previous, doc) if previous else None, "first": previous is None,
        "labels": F.labels(language(request)),
    })


@router.get("/staff/standards/history/{version_id}/catalog.json")
def version_json(request: Request, version_id: int, staff: Reader) -> Response:
    try:
        _label, text = P.version_text(request.app.state.engine, version_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    return _download(text, f"catalog-{version_id}.json")


@router.get("/staff/standards/export.json")
def newest_json(request: Request, staff: Reader) -> Response:
    try:
        _label, text = P.version_text(request.app.state.engine, None)
    except NotFound:  # nothing published yet
        raise HTTPException(status_code=404) from None
    return _download(text, "catalog.json")


@router.get("/staff/standards/{agency_id}/draft.json")
def draft_json(request: Request, agency_id: str, staff: Reader) -> Response:
    """The draft's agency as a catalog of its own (passes the kiosk's gate): to keep, or to share."""
    agency_or_404(staff, agency_id)
    engine = request.app.state.engine
    draft, latest = D.get(engine, agency_id), P.newest(engine)
    if draft is None or latest is None:
        raise HTTPException(status_code=404)
    doc = {k: v for k, v in latest[1].items() if k not in ("agencies", "services")}
    doc.update(agencies=[draft.agency], services=draft.services)
    return _download(json.dumps(doc, ensure_ascii=False, indent=2), f"draft-{agency_id}.json")


# --- import -----------------------------------------------------------------------------------------------


@router.get("/staff/standards/import", response_class=HTMLResponse)
def import_page(request: Request, staff: Publisher) -> HTMLResponse:
    return page(request, "staff/standards/import.html", {"errors": {}, "checked": None})


@router.post("/staff/standards/import", response_model=None)
async def import_check(request: Request, staff: Publisher) -> Response:
    """Step 1: the uploaded file (catalog JSON, or a CSV of services applied to the published catalog),
    checked and shown as a diff against the published catalog."""
    form = await request.form()
    upload = form.get("file")
    data = await upload.read(P.IMPORT_LIMIT + 1) if hasattr(upload, "read") else b""
    latest = await run_in_threadpool(P.newest, request.app.state.engine)
    is_csv = str(getattr(upload, "filename", "") or "").lower().endswith(".csv")
    try:
        if is_csv:
            # A spreadsheet of any agencies' services, applied to the published catalog (docs/catalog-csv.md).
            doc = P.read_upload(wire.canonical_json(csv_io.apply_csv(latest[1] if latest else {}, data, None)))
        else:
            doc = P.read_upload(data)
    except (ActionRefused, ValidationError) as exc:
        text = translate(language(request))(exc.message, **exc.params) if isinstance(exc, ValidationError) \
            else message(request, exc)
        return page(request, "staff/standards/import.html", {"errors": {"file": text}, "checked": None}, status=400)
    return page(request, "staff/standards/import.html", {
        "errors": {}, "checked": {"doc": P.pack(doc), "against": latest[0] if latest else "",
                                  "diff": Diff.catalog_diff(latest[1] if latest else None, doc)},
        "labels": F.labels(language(request)),
    })


@router.post("/staff/standards/import/publish", response_model=None)
async def import_publish(request: Request, staff: Publisher) -> Response:
    """Step 2: publish the file shown in step 1 (carried in the form, checked again)."""
    form = await request.form()
    text, against = str(form.get("doc") or ""), str(form.get("against") or "")
    note = str(form.get("note") or "")
    try:
        doc = P.unpack(text)
        await call(P.import_catalog, request.app.state.engine, staff, actor(request, staff), doc,
                   checked_against=int(against) if against.isdigit() else None, note=note)
    except ActionRefused as exc:
        return page(request, "staff/standards/import.html", {"errors": {"file": message(request, exc)},
                                                              "checked": None}, status=409)
    return RedirectResponse("/staff/standards/history?done=imported", status_code=303)


