"""The HTML side of the central server: staff pages under /staff and the public's pages.

``install(app)`` runs at the end of ``app.create_app``. Each page module lives here and is listed in
``ROUTERS``, one per line, so parts added in parallel merge by adding lines. A listed module that does
not exist stops the server at start, not at the first click.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import error_pages, headers, language

STATIC = Path(__file__).resolve().parents[1] / "static"

ROUTERS = (
    "home",
    "inbox",
    "complaint_page",
    "templates_page",
    "auth",
    "users",
    "audit_page",
    "public",
    "dashboard_home",
    "reports_page",
    "transparency",
    "dashboard_complaints",
    "dashboard_ikm",
    "dashboard_compliance",
    "dashboard_ranking",
    "dashboard_alerts",
    "dashboard_quick",
    "evidence_pages",
    "evidence_kiosk",
    "fleet_page",
    "kiosks_settings",
    "kiosks_enroll",
    "standards_history",  # before standards_pages: its fixed paths win over /staff/standards/{agency_id}
    "standards_csv",  # as standards_history
    "standards_pages",
    "standards_review",
)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in ROUTERS:
        module = importlib.import_module(f"{__name__}.{name}")
        app.include_router(module.router)
    error_pages.install(app)
    # Middleware added last runs first: the language is known before the headers are written.
    headers.install(app)
    language.install(app)
