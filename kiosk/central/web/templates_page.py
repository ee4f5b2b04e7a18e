"""Response templates: GET /staff/templates (list and a form to add one), POST /staff/templates (add),
POST /staff/templates/{id} (save or delete). Who may edit which agency's templates is access.py's
``can_edit_templates``; the writes are response_templates.save / delete (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import access
from .. import response_templates as RT
from ..access import Staff
from ...errors import NotFound
from .. import complaints as C
from .. import inbox as I
from .deps import actor, require
from .inbox import _agency_label, _options
from .menu import _templates as may_use_templates
from .render import language, page, translate

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(require(may_use_templates))]


def _context(request: Request, staff: Staff, **extra: Any) -> dict[str, Any]:
    engine = request.app.state.engine
    lang = language(request)
    agencies = [(a[0], _agency_label(lang, a)) for a in I.filter_choices(engine, staff).agencies]
    general = [("", translate(lang)("Every agency"))] if staff.sees_all_agencies else []
    names = dict(agencies)
    done = request.query_params.get("done")
    flash = translate(lang)("Saved.") if done == "saved" else translate(lang)("Deleted.") if done == "deleted" else None
    return {
        "templates": RT.visible(engine, staff),
        "agency_options": general + agencies,
        "agency_names": names,
        "options": _options(translate(lang)),
        "errors": {}, "values": {}, "editing": None, "flash": flash,
        "can_edit": lambda agency_id: access.can_edit_templates(staff, agency_id),
        **extra,
    }


@router.get("/staff/templates", response_class=HTMLResponse)
def templates_page(request: Request, staff: Editor) -> HTMLResponse:
    return page(request, "staff/templates.html", _context(request, staff))


async def _save(request: Request, staff: Staff, template_id: int | None):
    form = await request.form()
    t = translate(language(request))
    prefix = f"t{template_id}-" if template_id else "new-"
    values = {k: str(form.get(prefix + k) or "") for k in ("agency_id", "title", "body")}
    try:
        if template_id is not None and form.get("delete") == "1":
            RT.delete(request.app.state.engine, staff, actor(request, staff), template_id)
            return RedirectResponse("/staff/templates?done=deleted", status_code=303)
        RT.save(request.app.state.engine, staff, actor(request, staff), template_id=template_id, **values)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except C.NotAllowed:
        raise HTTPException(status_code=403, detail=C.MSG_ROLE) from None
    except C.ActionRefused as exc:
        ctx = _context(request, staff, values=values, editing=template_id or "new",
                       errors={prefix + (exc.field or "title"): t(exc.message, **exc.params)})
        return page(request, "staff/templates.html", ctx, status=400)
    return RedirectResponse("/staff/templates?done=saved", status_code=303)


@router.post("/staff/templates", response_model=None)
async def add_template(request: Request, staff: Editor) -> HTMLResponse | RedirectResponse:
    return await _save(request, staff, None)


@router.post("/staff/templates/{template_id}", response_model=None)
async def change_template(request: Request, template_id: int, staff: Editor) -> HTMLResponse | RedirectResponse:
    return await _save(request, staff, template_id)
