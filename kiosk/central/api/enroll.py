"""POST /api/v1/enroll: a one-time code becomes a device id and token, and the kiosk learns the key
it seals identities with. A retry with the same nonce gets the same device (``devices.enroll``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...sync import wire
from .. import devices, errors, identity_keys
from ..deps import ClientDep, EngineDep
from ..models import EnrollIn, EnrollOut, ProblemOut

router = APIRouter(tags=["enrollment"])


def throttle(limiter, key: str) -> None:
    wait = limiter.take(key)
    if wait:
        raise errors.too_many(wait)


@router.post(
    wire.ENROLL_PATH,
    response_model=EnrollOut,
    responses={403: {"model": ProblemOut}, 429: {"model": ProblemOut}},
    summary="Enroll a kiosk with a one-time code",
)
def enroll(body: EnrollIn, engine: EngineDep, client: ClientDep, request: Request) -> EnrollOut:
    throttle(request.app.state.enroll_limiter, client)
    e = devices.enroll(engine, code=body.code, name=body.name, version=body.version, nonce=body.nonce)
    key = identity_keys.current(engine)
    return EnrollOut(device_id=e.device_id, token=e.token, office=e.office, agency_id=e.agency_id,
                     identity_key_id=key.key_id, identity_public_key=key.public_key)
