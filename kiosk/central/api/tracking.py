"""Looking up a tracking code: JSON for kiosks and apps (the receipt's QR page is web/public.py and uses
``lookup`` too).

Lookups are rate-limited per client address (and per device for enrolled kiosks), and lookups of
codes that do not exist are limited harder, so codes cannot be enumerated. Responses are never cached
and never send a Referer onward: the code in the URL is the citizen's secret.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request

from ...domain import tracking
from ...domain.errors import ValidationError
from ...sync import wire
from .. import citizen, complaints, errors, security, workdays
from ..deps import ClientDep, EngineDep, SettingsDep
from ..models import ProblemOut, TrackOut

router = APIRouter(tags=["tracking"])

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
CodeParam = Annotated[str, Path(max_length=64, description="The tracking code as printed, e.g. K7PM-Q2HX-9RT")]


def _limit(request: Request, key: str, device: bool) -> None:
    state = request.app.state
    limiter = state.device_track_limiter if device else state.track_limiter
    wait = limiter.take(key)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise errors.Problem(
            errors.TOO_MANY_REQUESTS, {"retry_after": seconds}, headers={"Retry-After": str(seconds), **PRIVATE_HEADERS}
        )


def _miss(request: Request, key: str) -> None:
    wait = request.app.state.track_miss_limiter.take(key)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise errors.Problem(
            errors.TOO_MANY_REQUESTS, {"retry_after": seconds}, headers={"Retry-After": str(seconds), **PRIVATE_HEADERS}
        )


def lookup(request: Request, engine, settings, client: str, code_text: str, authorization: str | None) -> dict:
    device_key = None
    token = security.bearer_token(authorization)
    if authorization is not None:
        device_key = "device:" + request.app.state.auth.device(token).id
    key = device_key or client
    _limit(request, key, device_key is not None)
    # A miss is charged before the answer, so a flood of bad codes is stopped even between refills.
    try:
        code = tracking.parse(code_text)
    except ValidationError:
        _miss(request, key)
        raise errors.Problem(errors.BAD_TRACKING_CODE, headers=PRIVATE_HEADERS) from None
    view = complaints.public_view(engine, code, calendar=workdays.calendar(settings), tz=settings.tz)
    if view is None:
        _miss(request, key)
        raise errors.Problem(errors.TRACKING_NOT_FOUND, headers=PRIVATE_HEADERS)
    return view


@router.get(
    wire.TRACK_PATH + "/{code}",
    response_model=TrackOut,
    response_model_by_alias=True,
    responses={400: {"model": ProblemOut}, 401: {"model": ProblemOut}, 404: {"model": ProblemOut}, 429: {"model": ProblemOut}},
    summary="The public view of a complaint (no personal data)",
)
def track_json(
    code: CodeParam,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    client: ClientDep,
    authorization: Annotated[str | None, Header(description="Optional: an enrolled kiosk's Bearer token")] = None,
):
    view = lookup(request, engine, settings, client, code, authorization)
    if authorization is None:  # not an enrolled kiosk: a confidential report's text stays out
        view = citizen.without_confidential_text(view)
    from fastapi.responses import JSONResponse

    return JSONResponse(TrackOut.model_validate(view).model_dump(by_alias=True), headers=PRIVATE_HEADERS)
