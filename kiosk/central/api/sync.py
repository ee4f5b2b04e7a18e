"""The kiosk's sync API: push records, pull the catalog, pull status changes of its complaints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...sync import wire
from ...domain.workflow import Status
from .. import catalog, complaints, errors, ingest, office_settings, workdays
from ..deps import DeviceDep, EngineDep, SettingsDep
from ..models import LIMITS_DOC, CatalogOut, ProblemOut, PushIn, PushOut, UpdatesOut

router = APIRouter(tags=["sync"])
AUTH_ERRORS = {401: {"model": ProblemOut}}


@router.post(
    wire.PUSH_PATH,
    response_model=PushOut,
    response_model_exclude_none=True,
    responses={**AUTH_ERRORS, 400: {"model": ProblemOut}, 413: {"model": ProblemOut}, 415: {"model": ProblemOut}},
    summary="Push a batch of records",
    description=(
        "One transaction per batch and one result per record UUID: `stored` or `replay` acknowledge it; "
        "`conflict` (409.x) and `rejected` (422.x) are final for that record. " + LIMITS_DOC
    ),
)
def push(body: PushIn, device: DeviceDep, engine: EngineDep, settings: SettingsDep) -> PushOut:
    if len(body.records) > settings.max_batch_records:
        raise errors.Problem(errors.TOO_MANY_RECORDS, {"limit": settings.max_batch_records})
    results = ingest.push(
        engine, device.id, [r.model_dump() for r in body.records],
        first_due=lambda at: workdays.due_on(Status.SENT, at, at, workdays.calendar(settings), settings.tz),
    )
    return PushOut.model_validate({"device_id": device.id, "results": results})


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
    # Likewise the office's staff PIN: only this device's own office's, found from its token.
    answer["staff_pin"] = office_settings.pin_for_office(engine, device.office)
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
