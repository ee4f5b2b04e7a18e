"""/staff/audit: the audit log, filtered by user, action, complaint code and dates, 50 rows a page.
Who may read it: access.can_read_audit."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .. import access, audit_view
from ..access import Staff
from . import render
from .deps import require

router = APIRouter(include_in_schema=False)


@router.get("/staff/audit")
def audit_page(request: Request, person: Annotated[Staff, Depends(require(access.can_read_audit))]) -> Response:
    t = render.translate(render.language(request))
    params = {k: v for k, v in request.query_params.items()}
    filt, problems = audit_view.parse_filter(params)
    result = audit_view.search(request.app.state.engine, filt, tz=request.app.state.settings.tz)
    errors = {field: t(msgid) for field, msgid in problems.items() if field != "cursor"}
    return render.page(request, "staff/audit.html", {
        "result": result,
        "errors": errors,
        "flash": {"text": t(problems["cursor"]), "kind": "warn"} if "cursor" in problems else None,
        "values": {"user": params.get("user", ""), "action": params.get("action", ""), "code": params.get("code", ""),
                   "from": params.get("from", ""), "to": params.get("to", "")},
        "actions": [("", t("All actions"))] + [(k, t(v)) for k, v in audit_view.ACTIONS.items()],
        "action_labels": {k: t(v) for k, v in audit_view.ACTIONS.items()},
        "detail_text": lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True) if d else "",
        "first_page": filt.before_id is not None,
    }, status=400 if errors else 200)
