"""``GET /staff/reports/skm.pdf|.xlsx|.csv?unit=<kind>:<id>&period=<key>&lang=id|en``: the SKM report
of one unit for one period, as a download.

Who may: anyone who reads results (access.can_see_agency_results on the unit's agency). An officer
asking for another agency's unit gets 404, as if it did not exist; a unit or period that cannot be read
gets 400 with the reason. Each download writes an audit row (``audit.EXPORT``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from ...domain.errors import ValidationError
from .. import access, skm_export
from ..access import Staff
from ..analytics import periods
from ..reports import skm_pdf, skm_tables
from .deps import actor, require
from .error_pages import error_page
from .render import language

router = APIRouter(include_in_schema=False)

MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
MSG_FORMAT = "The report comes as PDF, XLSX or CSV."

Param = Annotated[str | None, Query(max_length=200)]


def _write(source: skm_export.SkmSource, fmt: str, lang: str, tz) -> bytes:
    if fmt == "pdf":
        return skm_pdf.skm_pdf(source.figure, lang=lang, province=source.province, demo=source.demo,
                               generated_at=skm_export.now(tz))
    if fmt == "xlsx":
        return skm_tables.skm_xlsx(source.figure, lang)
    return skm_tables.skm_csv(source.figure, lang).encode("utf-8")


@router.get("/staff/reports/skm.{fmt}")
def skm_report(fmt: str, request: Request, person: Annotated[Staff, Depends(require(access.can_see_dashboards))],
               unit: Param = None, period: Param = None) -> Response:
    if fmt not in skm_export.FORMATS:
        return error_page(request, 404, MSG_FORMAT)
    lang = language(request)  # ?lang=en is read by the language middleware, which also remembers it
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        kind, unit_id = skm_export.parse_unit(unit)
        chosen = periods.from_key(period or "")
        found = skm_export.find_unit(engine, kind, unit_id)
    except skm_export.BadUnit as exc:
        return error_page(request, 400, exc.msgid)
    except ValidationError as exc:
        return error_page(request, 400, exc.message)
    if not access.can_see_agency_results(person, found.agency_id):
        raise HTTPException(status_code=404)
    source = skm_export.skm_source(engine, settings, found, chosen)
    body = _write(source, fmt, lang, settings.tz)
    skm_export.record_export(engine, actor(request, person), found, chosen, fmt, lang)
    name = skm_export.file_name(found, chosen, fmt)
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
