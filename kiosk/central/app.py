"""The central server as an ASGI app: ``create_app(settings)``.

Start-up opens the database and runs the Alembic migrations before the first request is accepted.
Every error leaves as catalogue JSON (``errors.py``); a database that is busy or gone answers 503.1
(the kiosk retries), anything unexpected 500.1 with the details only in the server log.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from .. import __version__
from . import errors, web
from .api import enroll, health, sync, tracking
from .db import open_database
from .devices import Authenticator
from .limits import BodyLimit
from .ratelimit import Rule
from .security import ClientLimiter
from .settings import Settings, validate

log = logging.getLogger("kiosk.central")

DESCRIPTION = """The central server of iPLiK Kiosk: kiosks enroll, push complaints, ratings and
heartbeats, and pull the catalog and the status of their complaints; citizens look up a tracking code.

Every error is JSON: `{"code": "409.1", "message": "...", "message_id": "..."}`; the code is stable."""


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    settings = validate(settings)
    engine = engine or open_database(settings)
    app = FastAPI(title="iPLiK Kiosk central server", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine
    app.state.auth = Authenticator(engine)
    # Kept in the database (rate_buckets): a limit holds across worker processes and restarts.
    app.state.track_limiter = ClientLimiter(engine, Rule("track", settings.track_burst, settings.track_per_minute))
    app.state.track_miss_limiter = ClientLimiter(
        engine, Rule("track-miss", settings.track_misses_per_10min, settings.track_misses_per_10min / 10))
    app.state.device_track_limiter = ClientLimiter(
        engine, Rule("track-device", settings.device_track_burst, settings.device_track_per_minute))
    app.state.enroll_limiter = ClientLimiter(engine, Rule("enroll", settings.enroll_burst, settings.enroll_per_minute))
    errors.install(app)
    app.add_exception_handler(sa.exc.OperationalError, _on_database_down)
    app.add_exception_handler(sa.exc.DBAPIError, _on_database_error)
    app.add_exception_handler(Exception, _on_crash)
    for module in (enroll, sync, tracking, health):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    _document_problems(app)
    web.install(app)  # the staff pages and the public's HTML pages
    return app


def _document_problems(app: FastAPI) -> None:
    """FastAPI documents request validation as 422 with its own schema; ours answer 400 with a Problem."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = original()
        for item in doc.get("paths", {}).values():
            for op in item.values():
                responses = op.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", {
                        "description": "Malformed request (400.1, 400.2)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
                    })
        schemas = doc.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


async def _on_database_down(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return errors.Problem(errors.BUSY, headers={"Retry-After": "5"}).response()


async def _on_database_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("database error", exc_info=exc)
    return errors.Problem(errors.BUSY, headers={"Retry-After": "5"}).response()


async def _on_crash(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return errors.INTERNAL().response()


def openapi_document(app: FastAPI | None = None) -> dict:
    """The OpenAPI spec as served at /openapi.json (docs/openapi.json holds a copy)."""
    if app is None:
        app = FastAPI(title="iPLiK Kiosk central server", version=__version__, description=DESCRIPTION)
        for module in (enroll, sync, tracking, health):
            app.include_router(module.router)
        _document_problems(app)
    return app.openapi()
