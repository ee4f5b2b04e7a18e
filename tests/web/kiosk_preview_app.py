"""The central server plus one test-only page that includes the kiosk preview the standards editor shows
(templates/staff/standards/_kiosk_preview.html) for a service of the demo catalog. Run as a script by
tests/web/test_kiosk_preview_browser.py; never shipped. The page stands in for the editor's, which
includes the partial the same way, so the preview is checked under the real CSP, stylesheet and layout.
"""

from __future__ import annotations

import argparse
import json

from fastapi import APIRouter, HTTPException, Request
from jinja2 import ChoiceLoader, DictLoader

from kiosk.central.access import Role, Staff
from kiosk.central.standards.preview import service_preview
from kiosk.central.web import render
from kiosk.paths import DEMO_CATALOG

router = APIRouter()
DEMO_STAFF = Staff(user_id=1, username="dewi", display_name="Dewi Lestari", role=Role.ADMIN)
PAGE = """{% extends "staff/layout.html" %}
{% block title %}{{ preview.title }}{% endblock %}
{% block content %}
<h1 class="heading-l">{{ preview.title }}</h1>
<h2 class="heading-m">Preview</h2>
{% include "staff/standards/_kiosk_preview.html" %}
{% endblock %}
"""


@router.get("/staff/_kiosk_preview/{service_id}")
def preview_page(request: Request, service_id: str, lang: str = "id"):
    request.state.staff = DEMO_STAFF
    request.state.csrf = "test-csrf-token"
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    try:
        preview = service_preview(doc, service_id, lang)
    except KeyError:
        raise HTTPException(404) from None
    return render.page(request, "_test_kiosk_preview_page.html", {"preview": preview})


def create_app(db_url: str):
    from kiosk.central.app import create_app as central
    from kiosk.central.settings import from_env

    app = central(from_env(database_url=db_url))
    render.env.loader = ChoiceLoader([render.env.loader, DictLoader({"_test_kiosk_preview_page.html": PAGE})])
    app.include_router(router)
    return app


def main() -> None:
    import uvicorn

    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    uvicorn.run(create_app(args.db), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
