"""One complaint: GET /staff/complaints/{code}, its workflow buttons (POST .../act) and the identity
behind "Tampilkan identitas" (POST .../identity, so a view is never a prefetch or a link in a log).

Thin: inbox.detail and inbox.show_identity read, complaints.act writes; NotFound (also for a complaint
of another agency) is 404, a role that may not act is 403, refused input re-renders the page with an
error summary and the message beside the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import access
from .. import complaints as C
from .. import inbox as I
from .. import notify, pii, response_templates
from ..access import Staff
from ...domain.rating import FACES
from ...errors import NotFound
from .deps import actor, require
from .inbox import _agency_label, _options, labels, message
from .render import language, page, translate

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(access.can_read_complaints))]
FIELDS = ("agency_id", "text", "note", "internal_note")
# Msgids for the page: the face's own words (as the citizen saw them), the e-mails' kinds and states,
# and the actors that are no staff account.
RATING_WORDS = {value: en for value, _id, en in FACES}
MAIL_KINDS = {notify.FORWARDED: "Forwarded to an agency", notify.ANSWERED: "Answer given"}
MAIL_STATUSES = {notify.PENDING: ("Waiting to be sent", "info"), notify.SENT: ("Sent", "ok"),
                 notify.FAILED: ("Failed", "late"), notify.SKIPPED: ("Not sent: no address", "neutral")}
ACTOR_LABELS = {"citizen": "the citizen", "system": "automatic"}


def _not_found() -> HTTPException:
    return HTTPException(status_code=404)


def detail_context(request: Request, staff: Staff, code: str, **extra: Any) -> dict[str, Any]:
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        d = I.detail(engine, staff, code, settings=settings)
    except NotFound:
        raise _not_found() from None
    lang = language(request)
    agencies = [(a[0], _agency_label(lang, a)) for a in I.filter_choices(engine, staff).agencies] \
        if "forward" in d.actions else []
    templates = response_templates.for_agency(engine, d.handling_agency_id) if "respond" in d.actions else []
    done = request.query_params.get("done")
    flash = None
    if done in C.ACTION_LABELS:
        flash = translate(lang)("Done: {action}.", action=translate(lang)(C.ACTION_LABELS[done]))
    return {
        **labels(),
        "d": d,
        "action_labels": C.ACTION_LABELS,
        "agencies": agencies,
        "templates": templates,
        "options": _options(translate(lang)),
        "errors": {},
        "values": {},
        "failed_action": None,
        "identity": None,
        "findings": (),
        "kind_labels": pii.KIND_LABELS,
        "rating_words": RATING_WORDS,
        "mail_kinds": MAIL_KINDS,
        "mail_statuses": MAIL_STATUSES,
        "actor_labels": ACTOR_LABELS,
        "flash": flash,
        **extra,
    }


@router.get("/staff/complaints/{code}", response_class=HTMLResponse)
def complaint_page(request: Request, code: str, staff: Reader) -> HTMLResponse:
    return page(request, "staff/complaints/detail.html", detail_context(request, staff, code))


@router.post("/staff/complaints/{code}/act", response_model=None)
async def act(request: Request, code: str, staff: Reader) -> HTMLResponse | RedirectResponse:
    engine, settings = request.app.state.engine, request.app.state.settings
    form = await request.form()
    action = str(form.get("action") or "")
    # Several action forms share the page, so their fields are named "<action>-<field>" (unique ids).
    values = {k: str(form.get(f"{action}-{k}") or "") for k in FIELDS}
    t = translate(language(request))
    try:
        result = C.act(
            engine, code, action, by=actor(request, staff), staff=staff, settings=settings,
            agency_id=values["agency_id"] or None, text=values["text"], note=values["note"],
            internal_note=values["internal_note"], confirmed=form.get("confirmed") == "1",
        )
    except NotFound:
        raise _not_found() from None
    except C.NotAllowed:
        raise HTTPException(status_code=403, detail=C.MSG_ROLE) from None
    except C.PersonalDataInAnswer as exc:
        ctx = detail_context(request, staff, code, values=values, failed_action=action, findings=exc.findings,
                             errors={"respond-text": t(exc.message, kinds=", ".join(t(pii.KIND_LABELS[k]) for k in sorted({f.kind for f in exc.findings})))})
        return page(request, "staff/complaints/detail.html", ctx, status=400)
    except C.ActionRefused as exc:
        field = exc.field if exc.field in FIELDS else "action-" + (action if action in C.ACTION_LABELS else "none")
        ctx = detail_context(request, staff, code, values=values, failed_action=action,
                             errors={_field_id(action, field): message(t, exc)})
        return page(request, "staff/complaints/detail.html", ctx, status=400)
    return RedirectResponse(f"/staff/complaints/{result.tracking_code}?done={action}", status_code=303)


def _field_id(action: str, field: str) -> str:
    """Each action's form has its own field ids (several forms on one page)."""
    return field if field.startswith("action-") else f"{action}-{field}"


@router.post("/staff/complaints/{code}/identity", response_class=HTMLResponse)
def identity(request: Request, code: str, staff: Reader) -> HTMLResponse:
    engine = request.app.state.engine
    try:
        ident = I.show_identity(engine, staff, code, actor(request, staff))
    except NotFound:
        raise _not_found() from None
    except I.IdentityDenied:
        raise HTTPException(status_code=403, detail=I.MSG_IDENTITY_DENIED) from None
    return page(request, "staff/complaints/detail.html", detail_context(request, staff, code, identity=ident))
