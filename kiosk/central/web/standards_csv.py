"""The catalog as a spreadsheet: download the published catalog or an agency's draft as CSV, and upload an
agency's CSV into its draft. The file's rules are kiosk/central/standards/csv_io.py's (docs/catalog-csv.md);
this module only wires them: an upload on an agency's page may change that agency alone, whoever sends it,
and becomes its draft (drafts.replace: started if need be, refused while in review).

Its fixed path (/staff/standards/export.csv) is registered before the pages of one agency."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...domain.errors import ValidationError
from ..complaints import ActionRefused
from ..standards import csv_io
from ..standards import document as Doc
from ..standards import drafts as D
from ..standards import publishing as P
from .deps import actor
from .render import language, page, translate
from .standards_common import Reader, agency_or_404, call, message
from .standards_pages import agency_context

router = APIRouter(include_in_schema=False)


def _csv(data: bytes, filename: str) -> Response:
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/staff/standards/export.csv")
def published_csv(request: Request, staff: Reader) -> Response:
    latest = P.newest(request.app.state.engine)
    if latest is None:
        raise HTTPException(status_code=404)
    return _csv(csv_io.export_csv(latest[1], None), "catalog.csv")


@router.get("/staff/standards/{agency_id}/draft.csv")
def draft_csv(request: Request, agency_id: str, staff: Reader) -> Response:
    agency_or_404(staff, agency_id)
    doc = D.as_catalog(request.app.state.engine, agency_id)
    if doc is None or Doc.part_of(doc, agency_id) is None:
        raise HTTPException(status_code=404)
    return _csv(csv_io.export_csv(doc, frozenset({agency_id})), f"standards-{agency_id}.csv")


def _apply(engine, staff, by, agency_id: str, data: bytes):
    doc = D.as_catalog(engine, agency_id)
    if doc is None:
        raise HTTPException(status_code=404)
    changed = csv_io.apply_csv(doc, data, frozenset({agency_id}))
    return D.replace(engine, staff, by, agency_id, changed, "csv")


@router.post("/staff/standards/{agency_id}/csv", response_model=None)
async def upload_csv(request: Request, agency_id: str, staff: Reader) -> Response:
    agency_or_404(staff, agency_id)
    form = await request.form()
    upload = form.get("csv_file")
    data = await upload.read(csv_io.MAX_BYTES + 1) if hasattr(upload, "read") else b""
    try:
        await call(_apply, request.app.state.engine, staff, actor(request, staff), agency_id, data)
    except (ValidationError, ActionRefused) as exc:
        text = translate(language(request))(exc.message, **exc.params) if isinstance(exc, ValidationError) \
            else message(request, exc)
        ctx = await run_in_threadpool(agency_context, request, staff, agency_id)
        return page(request, "staff/standards/agency.html", {**ctx, "errors": {"csv_file": text}}, status=400)
    return RedirectResponse(f"/staff/standards/{agency_id}?done=csv", status_code=303)
