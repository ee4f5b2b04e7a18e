"""GET /api/v1/evidence/{sha256}: an evidence file for an enrolled kiosk (device token), only when the
newest published catalog names it as a public, approved attachment (evidence_catalog.public_attachment).

It lives with the web routers (``ROUTERS``) rather than in ``api/`` so that the parts of issue 15 merge
by adding lines; it is a binary download, left out of the OpenAPI document like the pages.
docs/compliance-evidence.md, "What reaches the kiosk".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from .. import errors
from .. import evidence_files as F
from ..deps import DeviceDep
from ..evidence_catalog import public_attachment

router = APIRouter(include_in_schema=False)


@router.get("/api/v1/evidence/{sha256}", response_model=None)
def kiosk_evidence(request: Request, sha256: str, device: DeviceDep) -> FileResponse:
    engine, settings = request.app.state.engine, request.app.state.settings
    attachment = public_attachment(engine, sha256) if len(sha256) == 64 else None
    path = F.path_of(F.directory(settings), sha256) if attachment is not None else None
    if attachment is None or path is None:
        # Not public, not approved, not in the newest catalog, or not on this disk: all the same 404.
        raise errors.Problem(errors.NOT_FOUND)
    return FileResponse(path, media_type=attachment.type, headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, max-age=86400, immutable",  # named by its digest: it never changes
    })
