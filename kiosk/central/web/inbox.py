"""The complaint inbox: GET /staff/complaints (filters, rows, pages) and POST /staff/complaints/bulk.

Thin: the query string becomes an inbox.InboxFilter, the list comes from inbox.inbox (which applies
the officer's scope in SQL), bulk actions go to complaints.act_many. No SQL here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from .. import access
from .. import complaints as C
from .. import inbox as I
from ..access import Staff
from ...domain.complaint import CLASS_LABELS, PRIVACY_LABELS, TOPIC_LABELS
from ...domain.workflow import STATUS_LABELS, Status
from .deps import actor, require
from .render import language, page, translate

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(access.can_read_complaints))]

STATUS_OPTIONS_EXTRA = ((I.OPEN, "Open (work left)"),)


def deadline(days_left: int | None, status: str) -> tuple[str, dict[str, Any], str]:
    """(msgid, params, tag kind) for a row's deadline: a word and a colour, never colour alone."""
    if days_left is None:
        if status in (Status.CLOSED.value, Status.NOT_AUTHORITY.value):
            return "Finished", {}, "neutral"
        return "No deadline running", {}, "neutral"
    if days_left < 0:
        return "{n} working days late", {"n": -days_left}, "late"
    if days_left == 0:
        return "Due today", {}, "warn"
    if days_left == 1:
        return "1 working day left", {}, "warn"
    return "{n} working days left", {"n": days_left}, "ok"


def status_kind(status: str) -> str:
    return {
        Status.SENT.value: "info", Status.VERIFIED.value: "info", Status.FORWARDED.value: "info",
        Status.FOLLOWED_UP.value: "ok", Status.ON_HOLD.value: "warn",
    }.get(status, "neutral")


def labels() -> dict[str, Any]:
    """Label tables for the templates (values are msgids, translated there)."""
    return {
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "class_labels": {c.value: label for c, label in CLASS_LABELS.items()},
        "topic_labels": {c.value: label for c, label in TOPIC_LABELS.items()},
        "privacy_labels": {c.value: label for c, label in PRIVACY_LABELS.items()},
        "deadline": deadline,
        "status_kind": status_kind,
    }


def message(t, exc) -> str:
    """A refusal's text in the page's language, with a status named by its label, not its code."""
    params = dict(getattr(exc, "params", {}) or {})
    if "status" in params:
        try:
            params["status"] = t(STATUS_LABELS[Status(params["status"])])
        except ValueError:
            pass
    return t(exc.message, **params)


def _agency_label(lang: str, row: tuple[str, str, str]) -> str:
    ident, name, name_en = row
    return (name_en if lang == "en" and name_en else name) or ident


def _options(t):
    def options(pairs, first: str | None = None, *, translated: bool = True) -> list[tuple[str, str]]:
        """Select options with translated labels, after an empty "any" choice when ``first`` is given."""
        out = [("", t(first))] if first else []
        return out + [(value, t(label) if translated else label) for value, label in pairs]

    return options


def inbox_context(request: Request, staff: Staff, *, filt: I.InboxFilter | None, errors: dict[str, str] | None = None,
                  result: I.InboxPage | None = None) -> dict[str, Any]:
    engine = request.app.state.engine
    choices = I.filter_choices(engine, staff)
    lang = getattr(request.state, "lang", "id")
    agencies = [(a[0], _agency_label(lang, a)) for a in choices.agencies]
    return {
        **labels(),
        "filt": filt or I.InboxFilter(),
        "page_result": result,
        "errors": errors or {},
        "agencies": agencies,
        "offices": [(o, o) for o in choices.offices],
        "devices": choices.devices,
        "statuses": [*STATUS_OPTIONS_EXTRA, *((s.value, STATUS_LABELS[s]) for s in Status if s is not Status.RECEIVED_AT_KIOSK)],
        "options": _options(translate(lang)),
        "can_bulk_forward": access.can_act(staff, "forward"),
        "can_bulk_close": access.can_act(staff, "close"),
    }



@router.get("/staff/complaints", response_class=HTMLResponse)
def inbox_page(request: Request, staff: Reader) -> HTMLResponse:
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        filt = I.InboxFilter.from_params(request.query_params)
    except I.BadFilter as exc:
        field = exc.field or "status"
        errors = {field: translate(language(request))(exc.message, **exc.params)}
        return page(request, "staff/complaints/inbox.html",
                    inbox_context(request, staff, filt=None, errors=errors), status=400)
    result = I.inbox(engine, staff, filt, settings=settings)
    return page(request, "staff/complaints/inbox.html", inbox_context(request, staff, filt=filt, result=result))


@router.post("/staff/complaints/bulk", response_class=HTMLResponse)
async def bulk(request: Request, staff: Reader) -> HTMLResponse:
    engine, settings = request.app.state.engine, request.app.state.settings
    form = await request.form()
    codes = [c for c in form.getlist("code") if isinstance(c, str) and c.strip()][:200]
    action = form.get("bulk_action")
    agency_id = form.get("agency_id") or None
    t = translate(language(request))
    errors: dict[str, str] = {}
    if not codes:
        errors["code"] = t("Choose at least one complaint.")
    if action not in C.BULK_ACTIONS:
        errors["bulk_action"] = t("Choose what to do with the chosen complaints.")
    result = None
    if not errors:
        try:
            result = C.act_many(engine, codes, str(action), by=actor(request, staff), staff=staff, settings=settings,
                                agency_id=str(agency_id) if agency_id else None)
        except C.NotAllowed:
            raise HTTPException(status_code=403, detail="Your role may not do this.") from None
        except C.ActionRefused as exc:
            errors[exc.field or "bulk_action"] = message(t, exc)
    if errors:
        ctx = inbox_context(request, staff, filt=I.InboxFilter(),
                            result=I.inbox(engine, staff, I.InboxFilter(), settings=settings), errors=errors)
        return page(request, "staff/complaints/inbox.html", ctx, status=400)
    assert result is not None
    return page(request, "staff/complaints/bulk_result.html", {
        "result": result, "action": action, "action_labels": C.ACTION_LABELS,
        "failed": [(code, message(t, exc)) for code, exc in result.failed],
    })
