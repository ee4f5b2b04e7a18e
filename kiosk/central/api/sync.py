"""The kiosk's sync API: push records, pull the catalog, pull status changes of its complaints."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...domain.workflow import Status
from ...sync import wire
from .. import catalog, complaints, errors, identity_keys, ingest, kiosk_settings, workdays
from ..deps import DeviceDep, EngineDep, SettingsDep
from ..models import LIMITS_DOC, CatalogOut, ProblemOut, PushIn, PushOut, UpdatesOut
from ..pushgate import PushGate

router = APIRouter(tags=["sync"])
AUTH_ERRORS = {401: {"model": ProblemOut}}


@router.post(
    wire.PUSH_PATH,
    response_model=PushOut,
    response_model_exclude_none=True,
    responses={**AUTH_ERRORS, 400: {"model": ProblemOut}, 413: {"model": ProblemOut}, 415: {"model": ProblemOut},
               429: {"model": ProblemOut}},
    summary="Push a batch of records",
    description=(
        "One transaction per batch and one result per record UUID: `stored` or `replay` acknowledge it; "
        "`conflict` (409.x) and `rejected` (422.x) are final for that record. A record time that is not "
        "a time, or lies outside 2020..2100, is rejected (422.1); one more than a day ahead of the "
        "server's clock is stored with the server's receive time. Each device has a quota of records "
        "(a burst, then a rate) and one push at a time: over either it gets 429.1 with `Retry-After` "
        "in seconds. " + LIMITS_DOC
    ),
)
def push(body: PushIn, device: DeviceDep, engine: EngineDep, settings: SettingsDep, request: Request) -> Response:
    if len(body.records) > settings.max_batch_records:
        raise errors.Problem(errors.TOO_MANY_RECORDS, {"limit": settings.max_batch_records})
    lease = _gate(request, engine, settings).enter(device.id, len(body.records))
    try:
        results = ingest.push(
            engine, device.id, [{"uuid": r.uuid, "kind": r.kind, "body": r.body} for r in body.records],
            first_due=lambda at: workdays.due_on(Status.SENT, at, at, workdays.calendar(settings), settings.tz),
            max_skew=timedelta(seconds=settings.max_clock_skew_s),
            inside=lease.release_in,
        )
    finally:
        lease.release()
    # The results are ours and already in PushOut's shape: validating them again was a tenth of a push.
    # (exclude_none: a record without a usable uuid gets no "uuid" key, as response_model_exclude_none did.)
    return JSONResponse({"device_id": device.id,
                         "results": [{k: v for k, v in r.items() if v is not None} for r in results]})


def _gate(request: Request, engine, settings) -> PushGate:
    gate = getattr(request.app.state, "push_gate", None)
    if gate is None:
        gate = request.app.state.push_gate = PushGate(engine, settings)
    return gate


@router.get(
    wire.CATALOG_PATH,
    response_model=CatalogOut,
    responses={**AUTH_ERRORS, 400: {"model": ProblemOut}},
    summary="The newest catalog, if it differs from the kiosk's cursor",
)
def pull_catalog(
    device: DeviceDep,
    engine: EngineDep,
    settings: SettingsDep,
    since: Annotated[str | None, Query(max_length=40, description="The cursor of the kiosk's catalog")] = None,
) -> CatalogOut:
    answer = catalog.for_kiosk(engine, since, ikm_refresh_s=settings.ikm_refresh_s)
    # Not part of the cursor: a new decree or a local holiday must reach kiosks whose catalog is current.
    answer["holidays"] = workdays.holidays_around(settings)
    # Likewise the settings set for this kiosk or its office, and the staff PIN that applies to it (its
    # own, else its office's): only this device's, found from its token (docs/kiosk-settings.md).
    answer.update(kiosk_settings.for_device(engine, device.id, device.office))
    answer["identity_public_key"] = identity_keys.current(engine).public_key
    return CatalogOut.model_validate(answer)


@router.get(
    wire.UPDATES_PATH,
    response_model=UpdatesOut,
    responses={**AUTH_ERRORS, 400: {"model": ProblemOut}},
    summary="Status changes and responses for the complaints filed at this kiosk",
)
def pull_updates(
    device: DeviceDep,
    engine: EngineDep,
    since: Annotated[str | None, Query(max_length=40, description="The last cursor this kiosk applied")] = None,
    limit: Annotated[int, Query(ge=1, le=wire.MAX_UPDATES_PAGE)] = 500,
) -> UpdatesOut:
    return UpdatesOut.model_validate(complaints.updates_for_device(engine, device.id, since, limit))
