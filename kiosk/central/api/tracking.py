"""Looking up a tracking code: JSON for kiosks and apps (the receipt's QR page is web/public.py and uses
``lookup`` too).

Lookups are rate-limited per client address (IPv6 by /64; per device for enrolled kiosks) in the
database: misses (unknown codes, bad check symbols) are limited hard, so codes cannot be enumerated,
while a code that exists always answers within a generous overall limit (docs/tracking.md). Responses are never cached
and never send a Referer onward: the code in the URL is the citizen's secret.
"""

from __future__ import annotations

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


# The details of a 429 for misses: the page then says that a code from a receipt still opens.
MISSES = {"limit": "misses"}


def refuse_if(wait: float, details: dict | None = None) -> None:
    """429 with Retry-After when a limiter said to wait."""
    if wait:
        raise errors.too_many(wait, details=details, headers=PRIVATE_HEADERS)


def lookup(request: Request, engine, settings, client: str, code_text: str, authorization: str | None) -> dict:
    """The public view of one code, within the client's limits (a Problem otherwise).

    Two limits per client (an address, grouped by ``security.rate_key``, or an enrolled device):
    misses (codes that do not exist, or fail the check symbol) are few, so guessing is hopeless; all
    lookups together are many, only so that no address can keep the database busy. A code that exists
    is answered whatever the misses, so guessers behind the same office NAT cannot lock out a citizen
    holding a real receipt.
    """
    state = request.app.state
    if authorization is not None:
        key = "device:" + state.auth.device(security.bearer_token(authorization)).id
        total = state.device_track_limiter
    else:
        key, total = client, state.track_limiter
    try:
        code = tracking.parse(code_text)
    except ValidationError:
        # Known without the database (a typo, or a guess with a wrong check symbol): a miss all the same.
        refuse_if(state.track_miss_limiter.take(key), MISSES)
        raise errors.Problem(errors.BAD_TRACKING_CODE, headers=PRIVATE_HEADERS) from None
    refuse_if(total.take(key))
    view = complaints.public_view(engine, code, calendar=workdays.calendar(settings), tz=settings.tz)
    if view is None:
        refuse_if(state.track_miss_limiter.take(key), MISSES)
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
