"""What the standards editor's pages share: who may use them, the translated labels, the flash after a
redirect, and running an action off the event loop (a publish may wait for the publish lock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ...errors import NotFound
from .. import access
from ..access import Staff
from ..complaints import ActionRefused, NotAllowed
from ..standards import drafts as D
from ..standards import fields as F
from .deps import require
from .render import language, translate

Reader = Annotated[Staff, Depends(require(access.can_read_catalog_drafts))]
Publisher = Annotated[Staff, Depends(require(access.can_publish_catalog))]

# ?done=<key> after a redirect: the one-line confirmation shown on the next page.
DONE = {
    "started": "A draft was started from the published catalog.",
    "saved": "Saved in the draft.",
    "added": "The service was added to the draft.",
    "removed": "The service was removed from the draft.",
    "submitted": "The draft was sent to the desk for review.",
    "returned": "The draft was returned to the officer with your note.",
    "published": "Published. Kiosks get the new catalog at their next sync.",
    "discarded": "The draft was discarded.",
    "rebased": "The draft now starts from the newest catalog. Check it and submit it again.",
    "imported": "The catalog was imported and published.",
    "csv": "The spreadsheet was read into the draft.",
}
STATUS_LABELS = {
    D.DRAFT: ("Draft", "info"),
    D.REVIEW: ("Waiting for review", "warn"),
    D.RETURNED: ("Returned", "late"),
}


def flash(request: Request) -> str | None:
    key = request.query_params.get("done", "")
    return translate(language(request))(DONE[key]) if key in DONE else None


def agency_or_404(staff: Staff, agency_id: str) -> None:
    """Every page of one agency: an officer of another agency gets the answer an unknown one gets."""
    if not D.may_read(staff, agency_id):
        raise HTTPException(status_code=404)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run an action in the thread pool; a refusal by role is 403, something unknown (or not theirs) 404."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except NotAllowed:
        raise HTTPException(status_code=403, detail=D.MSG_ROLE) from None


def message(request: Request, exc: ActionRefused | F.FieldError) -> str:
    t = translate(language(request))
    return t(exc.message, **exc.params)


def field_errors(request: Request, exc: F.FieldError) -> dict[str, str]:
    """The form's errors for one refused value: the field's label and the catalog's message."""
    lang = language(request)
    label = F.labels(lang).get(exc.field, exc.field)
    return {exc.field: f"{label}: {message(request, exc)}"}
