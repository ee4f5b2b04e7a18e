"""Errors as pages for people, JSON for machines.

On ``/staff/*`` and ``/lacak/*`` an HTTP error (404, 403, 400, 405, 500 ...) renders ``error.html`` in
the visitor's language; everywhere else (``/api``) the JSON catalogue of ``errors.py`` answers as before.
An ``HTTPException`` with a 3xx status and a ``Location`` header is a redirect on every path: that is
how a dependency (the sign-in check) sends a browser elsewhere.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...i18n import messages
from .. import errors
from . import headers as security_headers
from .render import page

log = logging.getLogger("kiosk.central.web")

HTML_PREFIXES = ("/staff", "/lacak")

# status -> (heading msgid, explanation msgid). Kept short and free of technical words.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("The request was not understood", "Something in the form or the address was not valid. Go back and try again."),
    403: ("You may not open this page", "Your account does not have access to this page. Ask an administrator if you need it."),
    404: ("Page not found", "There is nothing at this address. Check the address, or go back to the start."),
    405: ("This action is not possible here", "This address does not accept that kind of request. Go back and use the buttons on the page."),
    413: ("The request is too large", "What you sent is larger than the server accepts. Send less at once."),
    429: ("Too many requests", "Please wait a moment and try again."),
    500: ("Something went wrong on our side", "The server failed. The problem has been logged. Please try again later."),
    503: ("The server is busy", "The server is busy. Please try again shortly."),
}


def wants_html(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in HTML_PREFIXES)


def error_page(request: Request, status: int, detail: str | None = None, headers: dict | None = None) -> Response:
    heading, explanation = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    extra = {k: v for k, v in (headers or {}).items() if k.lower() in ("allow", "retry-after", "www-authenticate")}
    try:
        return page(request, "error.html", {"status": status, "heading": heading, "explanation": explanation,
                                            "detail": detail}, status=status, headers=extra)
    except Exception:  # the error page itself must never turn a 404 into a 500 loop
        log.exception("error page failed to render")
        return Response(f"{status}", status_code=status, media_type="text/plain")


def _detail(exc: StarletteHTTPException) -> str | None:
    """A route's own reason, when it is a msgid with an Indonesian translation (auth's "CSRF token
    missing or wrong"); anything else (Starlette's "Not Found", a developer's English) is left out, so
    untranslated English never reaches an Indonesian page. The heading already says what happened."""
    detail = exc.detail if isinstance(exc.detail, str) else None
    if detail and detail in messages("id"):
        return detail
    return None


def _html_or(previous, html):
    """A handler that renders a page on the HTML paths and leaves the rest to the API's handler."""

    async def handler(request: Request, exc: Exception) -> Response:
        if wants_html(request.url.path):
            return html(request, exc)
        return await previous(request, exc)

    return handler


def _http_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return error_page(request, exc.status_code, _detail(exc), dict(exc.headers or {}))


def _validation_page(request: Request, exc: Exception) -> Response:
    # What was wrong stays out of the page and the log: the input may hold personal data.
    return error_page(request, 400)


def _problem_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.Problem)
    # The catalogue's message is an English msgid; one with parameters would not match the catalogs.
    return error_page(request, exc.ptype.status, None if exc.params else exc.ptype.message, exc.headers)


def _busy_page(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_page(request, 503, headers={"Retry-After": "5"})


def _crash_page(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = error_page(request, 500)
    # A crash leaves through Starlette's outermost middleware, outside the one that adds these.
    for name, value in security_headers.headers_for(request.url.path, set()):
        response.headers[name.decode()] = value.decode()
    return response


def install(app) -> None:
    previous = app.exception_handlers
    http = _html_or(previous[StarletteHTTPException], _http_page)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        location = (exc.headers or {}).get("Location") or (exc.headers or {}).get("location")
        if 300 <= exc.status_code < 400 and location:
            rest = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "location"}
            return RedirectResponse(location, status_code=exc.status_code, headers=rest)
        return await http(request, exc)

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, _html_or(previous[RequestValidationError], _validation_page))
    app.add_exception_handler(errors.Problem, _html_or(previous[errors.Problem], _problem_page))
    for exc_class in (sa.exc.OperationalError, sa.exc.DBAPIError):
        if exc_class in previous:
            app.add_exception_handler(exc_class, _html_or(previous[exc_class], _busy_page))
    app.add_exception_handler(Exception, _html_or(previous[Exception], _crash_page))
