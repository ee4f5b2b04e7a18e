"""Running the central server: ``kiosk central serve`` and ``python -m kiosk.central serve``.

The second needs nothing of the kiosk side (no Kivy, no printer libraries): it is what systemd and the
tests start.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .settings import Settings, from_env, to_env

log = logging.getLogger("kiosk.central")


def run(settings: Settings, *, host: str = "127.0.0.1", port: int = 8080, log_level: str = "warning",
        workers: int = 1) -> None:
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.WARNING))
    options = {"host": host, "port": port, "log_level": log_level, "access_log": False, "proxy_headers": False,
               "timeout_keep_alive": 30}
    if workers <= 1:
        app = create_app(settings)  # migrations run here, before the socket is opened
        uvicorn.run(app, **options)
        return
    if settings.is_sqlite:
        log.warning("%d workers on SQLite: the database has one writer, so pushes still take turns; "
                    "the workers help reads and validation only (PostgreSQL scales writes)", workers)
    # Migrate once here; each worker process then builds its app from the same settings, passed down as
    # IPLIK_CENTRAL_* variables (the one way uvicorn's workers get configuration).
    from .db import open_database

    open_database(settings).dispose()
    os.environ.update(to_env(settings))
    uvicorn.run("kiosk.central.serve:app_from_env", factory=True, workers=workers, **options)


def app_from_env():
    """The app of one uvicorn worker process."""
    from .app import create_app

    return create_app(from_env())


def write_openapi(path: Path | None) -> str:
    from .app import openapi_document

    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 64")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.central")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve", help="run the server")
    p.add_argument("--db", help="database URL (default: IPLIK_CENTRAL_DATABASE_URL or sqlite:///var/central.db)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--workers", type=_workers, default=1, help="uvicorn worker processes (default 1)")
    p = sub.add_parser("openapi", help="print the OpenAPI spec (or write it with --out)")
    p.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "openapi":
        text = write_openapi(args.out)
        if args.out is None:
            sys.stdout.write(text)
        return 0
    settings = from_env(database_url=args.db)
    run(settings, host=args.host, port=args.port, log_level=args.log_level, workers=args.workers)
    return 0
