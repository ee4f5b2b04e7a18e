"""Pictures of every staff and public page, for people to look at: ``make staff-screenshots``.

Starts the central server on a throwaway SQLite file, runs the ``SEEDS`` (data for the pages to show),
signs in one account per role used, and saves every page of ``PAGES`` at 1366x768 and 390x844, in
Indonesian and English, to ``out/staff-screens/<name>-<lang>-<width>x<height>.png``.

Each part of the back office adds its pages and seeds, one line each. A page is (name, path, role):
role None is a signed-out visitor; "officer@bappenda,dinkes" is an officer of those agencies. A seed
is "module:function", called as ``function(engine, settings)`` after the server has migrated the
database. Sessions are written straight into the database (no password or code typed): this is a
development tool that never runs against a real server.

Needs the dev extras (Playwright) and Debian's chromium (``deploy/dev-system-deps.sh``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from . import inbox_seed as _inbox_seed  # noqa: E402 - the complaint pages' fixed tracking codes

PAGES: list[tuple[str, str, str | None]] = [
    ("error-404", "/staff/no-such-page", None),
    ("error-404-signed-in", "/staff/no-such-page", "admin"),
    ("inbox", "/staff/complaints", "desk"),
    ("inbox-officer", "/staff/complaints", "officer@bappenda"),
    ("inbox-bad-filter", "/staff/complaints?from=2026-02-30", "desk"),
    ("complaint-forwarded", f"/staff/complaints/{_inbox_seed.FORWARDED}", "officer@bappenda"),
    ("complaint-answered", f"/staff/complaints/{_inbox_seed.ANSWERED}", "desk"),
    ("complaint-new", f"/staff/complaints/{_inbox_seed.NEW}", "desk"),
    ("complaint-viewer", f"/staff/complaints/{_inbox_seed.ANONYMOUS}", "viewer"),
    ("templates", "/staff/templates", "desk"),
    ("sign-in", "/staff/sign-in", None),
    ("account", "/staff/account", "officer@dinkes"),
    ("users", "/staff/users", "admin"),
    ("user-new", "/staff/users/new", "admin"),
    ("audit", "/staff/audit", "admin"),
    ("public-tracking", "/lacak/RR9F-GADY-JCB", None),
    ("public-tracking-confidential", "/lacak/Z3NW-4QYD-RAB", None),
    ("public-tracking-closed", "/lacak/TJQ4-SFSD-EU5", None),
    ("kiosks-settings", "/staff/kiosks/settings", "technician"),
    ("kiosks-enroll", "/staff/kiosks/enroll", "technician"),
    ("standards", "/staff/standards", "desk"),
    ("standards-agency", "/staff/standards/dinkes", "officer@dinkes"),
    ("standards-service", "/staff/standards/dinkes/services/dinkes-izin-penelitian", "officer@dinkes"),
    ("standards-review", "/staff/standards/bappenda/review", "desk"),
    ("standards-history", "/staff/standards/history", "desk"),
]

SEEDS: list[str] = [
    "kiosk.central.web.inbox_seed:seed",
    "kiosk.central.demo:screenshot_seed",
    "kiosk.central.standards.screens_seed:seed",  # after the catalog is published
]

VIEWPORTS = ((1366, 768), (390, 844))
LANGS = ("id", "en")
CHROMIUM = os.environ.get("IPLIK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
# Names that read like real staff, so the pictures show how long names wrap.
DISPLAY_NAMES = {
    "admin": "Ayu Pratiwi",
    "desk": "Budi Santoso",
    "officer": "Citra Wulandari Kusumaningrum",
    "viewer": "Dedi Kurniawan",
    "technician": "Eko Saputra",
}
REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(db_url: str, port: int, log: Path) -> subprocess.Popen:
    import requests

    env = {**os.environ, "IPLIK_CENTRAL_COOKIE_SECURE": "0"}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.central", "serve", "--db", db_url, "--port", str(port)],
                                env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the central server exited with {proc.returncode}; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"the central server did not start; see {log}")


def run_seeds(engine, settings, seeds: Iterable[str] = SEEDS) -> None:
    for spec in seeds:
        module, _, func = spec.partition(":")
        getattr(importlib.import_module(module), func)(engine, settings)


def session_for_role(engine, settings, spec: str) -> str:
    """A signed-in session's cookie value for an account of ``spec`` ("desk", "officer@a,b")."""
    from .. import audit, staff

    role, _, agencies = spec.partition("@")
    username = "shot-" + spec.replace("@", "-").replace(",", "-")
    user_id = staff.user_id_of(engine, username)
    if user_id is None:
        user_id = staff.create_user(
            engine, username=username, display_name=DISPLAY_NAMES.get(role, role.title()), role=role,
            password=secrets.token_urlsafe(24), agencies=tuple(a for a in agencies.split(",") if a), by=audit.SYSTEM,
        )
    raw, _csrf = staff.start_session(engine, settings, user_id)
    return raw


def shoot(out: Path, pages: list[tuple[str, str, str | None]], *, seeds: Iterable[str] = SEEDS) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from ..db import make_engine
    from ..settings import Settings
    from .deps import COOKIE

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="iplik-shots-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'central.db'}"
        port = _free_port()
        proc = _start_server(db_url, port, Path(tmp) / "server.log")
        base = f"http://127.0.0.1:{port}"
        settings = Settings(database_url=db_url, cookie_secure=False)
        engine = make_engine(settings)
        try:
            run_seeds(engine, settings, seeds)
            cookies = {role: session_for_role(engine, settings, role) for role in {r for _n, _p, r in pages if r}}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                for name, path, role in pages:
                    for width, height in VIEWPORTS:
                        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
                        if role:
                            context.add_cookies([{"name": COOKIE, "value": cookies[role], "domain": "127.0.0.1",
                                                  "path": "/staff", "httpOnly": True, "sameSite": "Lax"}])
                        page = context.new_page()
                        for lang in LANGS:
                            sep = "&" if "?" in path else "?"
                            page.goto(f"{base}{path}{sep}lang={lang}")
                            target = out / f"{name}-{lang}-{width}x{height}.png"
                            page.screenshot(path=str(target), full_page=True)
                            written.append(target)
                        context.close()
                browser.close()
        finally:
            engine.dispose()
            proc.terminate()
            proc.wait(10)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.central.web.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "out" / "staff-screens")
    parser.add_argument("--only", action="append", metavar="NAME", help="only this page (repeatable)")
    args = parser.parse_args(argv)
    pages = [p for p in PAGES if not args.only or p[0] in args.only]
    if args.only and len(pages) != len(set(args.only)):
        known = ", ".join(n for n, _p, _r in PAGES)
        parser.error(f"unknown page name in {args.only}; known: {known}")
    for path in shoot(args.out, pages):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
