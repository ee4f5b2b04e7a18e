"""The public tracking page the receipt's QR code opens: ``GET /lacak/{code}``, and its two forms,
``POST /lacak/{code}/rating`` (four faces and a comment) and ``POST /lacak/{code}/reopen``.

No session: holding the code is the permission, lookups and posts share the tracking rate limits of
the JSON lookup (per client address, misses harder), and each form carries a signed token for this
code and this form (``formtokens.py``). A post that succeeds redirects back to the page (303), so a
reload does not post again; one that fails shows the page with an error summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ...domain import tracking
from ...domain.complaint import (
    CLASS_LABELS,
    PRIVACY_LABELS,
    TOPIC_LABELS,
    ComplaintClass,
    Privacy,
    Topic,
)
from ...domain.errors import ValidationError
from ...domain.rating import FACES
from ...domain.workflow import STATUS_EXPLANATIONS, STATUS_LABELS, Status
from ...errors import NotFound
from .. import citizen, errors, formtokens
from ..api.tracking import MISSES, PRIVATE_HEADERS, lookup, refuse_if
from ..deps import ClientDep, EngineDep, SettingsDep
from .error_pages import MESSAGES
from .render import language, page, translate

router = APIRouter(include_in_schema=False)

CodeParam = Annotated[str, Path(max_length=64)]
# The page is the citizen's secret: never cached, never indexed, never sent on as a Referer.
# Stricter than the staff pages' policy: nothing but this server's own style, script, images and forms.
HEADERS = {
    **PRIVATE_HEADERS,
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
}
DONE = {"rated": "Thank you. Your rating of the answer has been saved.",
        "reopened": "Your report has been sent back to the agency. It must answer again within 5 working days."}
MSG_BAD_TOKEN = "This form is too old or did not come from this page. It has been loaded again: please send it once more."
MSG_PROBLEM = {
    "400.4": "That is not a tracking code. Please check it against your receipt.",
    "404.2": ("No report has this tracking code. A report filed at a kiosk that is offline appears here once the "
              "kiosk has sent it."),
    "429.1": "Too many lookups from this connection. Please wait a few minutes and try again.",
}
# Many codes that do not exist came from this address (perhaps someone else behind the same network).
MSG_TOO_MANY_MISSES = ("Too many tracking codes that do not exist were tried from this connection, so mistyped codes "
                       "must wait a few minutes. The code on your receipt still opens: type it carefully.")


def _problem_page(request: Request, p: errors.Problem) -> Response:
    # The error page of the frame, with this page's headers (error_page() keeps only a few of its own).
    headers = {**HEADERS, **{k: v for k, v in (p.headers or {}).items() if k == "Retry-After"}}
    status = p.ptype.status
    heading, explanation = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    return page(request, "error.html", {"status": status, "heading": heading, "explanation": explanation,
                                        "detail": MSG_TOO_MANY_MISSES if p.details == MISSES else MSG_PROBLEM.get(p.ptype.code)},
                status=status, headers=headers)


def _take(request: Request, client: str) -> None:
    """A post costs a lookup from the same budget as reading the page."""
    refuse_if(request.app.state.track_limiter.take(client))


def _label(table: dict, enum_type: type, value: str | None) -> str:
    try:
        return table[enum_type(value)]
    except (ValueError, KeyError):
        return value or "-"


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _presentable(view: dict) -> dict:
    """Labels (msgids) and datetimes for the template, from the public view's ids and ISO strings."""
    return {
        "status_explanation": _label(STATUS_EXPLANATIONS, Status, view["status"]),
        "status_at": _when(view["status_at"]),
        "response_at": _when(view.get("response_at")),
        "labels": {"class": _label(CLASS_LABELS, ComplaintClass, view["class"]),
                   "topic": _label(TOPIC_LABELS, Topic, view["topic"]),
                   "privacy": _label(PRIVACY_LABELS, Privacy, view["privacy"])},
        "timeline": [{"label": _label(STATUS_LABELS, Status, e["status"]), "at": _when(e["at"]), "note": e.get("note")}
                     for e in view["timeline"]],
    }


def _render(request: Request, engine, settings, full_view: dict, *, errors_: dict | None = None, form: dict | None = None,
            done: str | None = None, status: int = 200) -> Response:
    # A confidential report's text never reaches the template, whatever the template does.
    view = citizen.without_confidential_text(full_view)
    code = tracking.parse(view["tracking_code"])
    state = citizen.answer_state(engine, settings, code)
    if state is None:  # pragma: no cover - the view was just read
        raise NotFound("No report has this tracking code.")
    context = {
        **_presentable(view),
        "view": view,
        "state": state,
        "deadline": citizen.deadline_info(view, settings),
        "confidential": view["privacy"] == "rahasia",
        "faces": [(str(value), en) for value, _id, en in FACES],
        "errors": errors_ or {},
        "form": form or {},
        "done": DONE.get(done or ""),
        "rating_token": formtokens.issue(engine, code, "rating") if state.can_rate else None,
        "reopen_token": formtokens.issue(engine, code, "reopen") if state.reopen_refusal is None else None,
        "action_base": f"/lacak/{tracking.display(code)}",
        "comment_limit": citizen.COMMENT_LIMIT,
        "reason_limit": citizen.REASON_LIMIT,
    }
    return page(request, "public/tracking.html", context, status=status, headers=HEADERS)


@router.get("/lacak/{code}")
def track_page(code: CodeParam, request: Request, engine: EngineDep, settings: SettingsDep, client: ClientDep,
               done: str | None = None):
    try:
        view = lookup(request, engine, settings, client, code, None)
    except errors.Problem as p:
        return _problem_page(request, p)
    return _render(request, engine, settings, view, done=done)


def _post(request: Request, engine, settings, client: str, code: str, purpose: str, token: str | None, act,
          field: str, form: dict) -> Response:
    try:
        _take(request, client)
        view = lookup(request, engine, settings, client, code, None)
    except errors.Problem as p:
        return _problem_page(request, p)
    canonical = tracking.parse(view["tracking_code"])
    t = translate(language(request))
    try:
        formtokens.check(engine, token, canonical, purpose)
    except formtokens.BadFormToken:
        return _render(request, engine, settings, view, errors_={field: t(MSG_BAD_TOKEN)}, form=form, status=400)
    try:
        act(canonical)
    except citizen.CitizenRefused as exc:
        status = 400 if exc.field else 409
        return _render(request, engine, settings, view, errors_={exc.field or field: t(exc.message).format(**exc.params)},
                       form=form, status=status)
    except ValidationError as exc:  # pragma: no cover - the code was parsed by lookup
        return _render(request, engine, settings, view, errors_={field: exc.render()}, form=form, status=400)
    done = "rated" if purpose == "rating" else "reopened"
    return RedirectResponse(f"/lacak/{tracking.display(canonical)}?done={done}#result", status_code=303, headers=HEADERS)


@router.post("/lacak/{code}/rating")
def rate(code: CodeParam, request: Request, engine: EngineDep, settings: SettingsDep, client: ClientDep,
         form_token: Annotated[str | None, Form(max_length=200)] = None,
         face: Annotated[str | None, Form(max_length=10)] = None,
         comment: Annotated[str | None, Form(max_length=4000)] = None):
    value = int(face) if face and face.isdigit() else 0  # 0: no face chosen; citizen.py says so by field

    def act(canonical: str) -> None:
        citizen.rate_answer(engine, canonical, value, comment)

    return _post(request, engine, settings, client, code, "rating", form_token, act, "face",
                 {"face": face, "comment": comment})


@router.post("/lacak/{code}/reopen")
def reopen(code: CodeParam, request: Request, engine: EngineDep, settings: SettingsDep, client: ClientDep,
           form_token: Annotated[str | None, Form(max_length=200)] = None,
           reason: Annotated[str | None, Form(max_length=8000)] = None):
    def act(canonical: str) -> None:
        citizen.request_reopen(engine, settings, canonical, reason)

    return _post(request, engine, settings, client, code, "reopen", form_token, act, "reason", {"reason": reason})
