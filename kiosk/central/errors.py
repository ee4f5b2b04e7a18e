"""The numbered catalogue of problems the central server reports, after ODK Central's ``Problem``.

Every error leaves the server as ``{"code": "409.1", "message": "...", "message_id": "..."}`` (plus
``details`` when there is more to say). The code is stable: the kiosk decides what to do from it (give
up on a record, re-enroll, back off), and staff can search for it. ``message`` is English;
``message_id`` keys the translations in ``assets/locale/*/LC_MESSAGES/sync.po``, where the English
text is the msgid.

Bad input always gets a 4xx. A 5xx means the server itself failed, and is the only kind a kiosk
retries as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    message_id: str
    message: str  # English msgid, with {named} placeholders

    def __call__(self, **params: Any) -> Problem:
        return Problem(self, params)


CATALOGUE: dict[str, ProblemType] = {}


def _p(code: str, message_id: str, message: str) -> ProblemType:
    pt = ProblemType(code, int(code.split(".")[0]), message_id, message)
    assert code not in CATALOGUE, code
    CATALOGUE[code] = pt
    return pt


MALFORMED_JSON = _p("400.1", "malformed_json", "The request body is not valid JSON.")
INVALID_REQUEST = _p("400.2", "invalid_request", "The request does not have the expected shape: {reason}")
BAD_CURSOR = _p("400.3", "bad_cursor", "The since cursor {cursor} is not one this server gave out.")
BAD_TRACKING_CODE = _p("400.4", "bad_tracking_code", "That is not a tracking code. Please check it.")
TOKEN_MISSING = _p("401.1", "token_missing", "This kiosk is not enrolled: the request carries no device token.")
TOKEN_UNKNOWN = _p("401.2", "token_unknown", "The server does not know this kiosk's token. Enroll the kiosk again.")
TOKEN_REVOKED = _p("401.3", "token_revoked", "This kiosk's token was revoked at the server. Enroll the kiosk again.")
ENROLL_CODE_INVALID = _p(
    "403.1", "enroll_code_invalid", "The enrollment code is wrong, already used or expired. Ask for a new one."
)
NOT_FOUND = _p("404.1", "not_found", "There is nothing at this address.")
TRACKING_NOT_FOUND = _p("404.2", "tracking_not_found", "No report has this tracking code.")
METHOD_NOT_ALLOWED = _p("405.1", "method_not_allowed", "This address does not accept that method.")
RECORD_CONFLICT = _p(
    "409.1", "record_conflict", "A different record was already received under this id; this one was not stored."
)
TRACKING_CODE_TAKEN = _p(
    "409.2", "tracking_code_taken", "Another report already uses tracking code {code}; this one was not stored."
)
DUPLICATE_IN_BATCH = _p(
    "409.3", "duplicate_in_batch", "The same record id appears twice in this batch with different contents."
)
TOO_LARGE = _p("413.1", "too_large", "The request is larger than {limit} bytes. Send fewer records at once.")
TOO_MANY_RECORDS = _p("413.2", "too_many_records", "A batch may hold at most {limit} records.")
NOT_JSON = _p("415.1", "not_json", "The request body must be JSON (Content-Type: application/json).")
RECORD_INVALID = _p("422.1", "record_invalid", "The record breaks a rule and was not stored: {reason}")
UNKNOWN_KIND = _p("422.2", "unknown_kind", "Unknown record kind {kind}.")
BAD_UUID = _p("422.3", "bad_uuid", "A record id must be a UUID in lowercase hex, like 0b8f...-....")
CATALOG_INVALID = _p("422.4", "catalog_invalid", "The catalog is not valid: {reason}")
TOO_MANY_REQUESTS = _p("429.1", "too_many_requests", "Too many requests. Please wait {retry_after} seconds.")
INTERNAL = _p("500.1", "internal", "The server failed. The problem has been logged.")
BUSY = _p("503.1", "busy", "The server is busy. Please try again shortly.")


class Problem(Exception):
    """Raise from a route; the handler below turns it into the JSON error."""

    def __init__(self, ptype: ProblemType, params: dict[str, Any] | None = None, *, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        self.ptype = ptype
        self.params = params or {}
        self.details = details
        self.headers = headers
        super().__init__(self.message)

    @property
    def message(self) -> str:
        try:
            return self.ptype.message.format(**self.params)
        except (KeyError, IndexError):
            return self.ptype.message

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.ptype.code, "message": self.message, "message_id": self.ptype.message_id}
        if self.details is not None:
            out["details"] = self.details
        return out

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.ptype.status, headers=self.headers)


def too_many(wait_s: float, *, details: Any = None, headers: dict[str, str] | None = None) -> Problem:
    """429.1 for a limiter that said to wait ``wait_s`` seconds, with ``Retry-After`` in whole seconds."""
    seconds = max(1, math.ceil(wait_s))
    return Problem(TOO_MANY_REQUESTS, {"retry_after": seconds}, details=details,
                   headers={"Retry-After": str(seconds), **(headers or {})})


def problem_entry(ptype: ProblemType, **params: Any) -> dict[str, Any]:
    """The error fields of one record in a push acknowledgement."""
    return Problem(ptype, params).body()


# --- exception handlers ----------------------------------------------------------------------------


async def on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.response()


def _reason(errors: list[Any]) -> str:
    parts = []
    for err in errors[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid"


async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return MALFORMED_JSON().response()
    # The echo of the input is left out: it may be megabytes, and it may hold personal data.
    details = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors[:20]]
    return Problem(INVALID_REQUEST, {"reason": _reason(errors)}, details=details).response()


async def on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return NOT_FOUND().response()
    if exc.status_code == 405:
        return Problem(METHOD_NOT_ALLOWED, headers=dict(exc.headers or {})).response()
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body" (e.g. JSON nested too deeply to parse).
        return MALFORMED_JSON().response()
    if exc.status_code == 413:
        return TOO_LARGE(limit="?").response()
    if exc.status_code == 415:
        return NOT_JSON().response()
    if 400 <= exc.status_code < 500:
        return JSONResponse(
            {"code": f"{exc.status_code}.0", "message": str(exc.detail), "message_id": "http_error"},
            status_code=exc.status_code,
            headers=dict(exc.headers or {}),
        )
    return INTERNAL().response()


def install(app) -> None:
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
