"""Fixtures of the staff page tests: the central server in a subprocess, Debian's Chromium through
Playwright, axe-core for accessibility, screenshots to out/staff-screens/.

Every page test uses ``web_server`` (the real server on a loopback port, on a SQLite file) and, for
the browser, ``page``. ``frame_server`` is the same server with a test-only page of every form macro
(tests/web/frame_app.py), for the frame's own tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from central.serverkit import REPO, Server, start_server

CHROMIUM = os.environ.get("IPLIK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENS = REPO / "out" / "staff-screens"
WEB_ENV = {"IPLIK_CENTRAL_COOKIE_SECURE": "0"}


@pytest.fixture(scope="module")
def web_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    server = start_server(f"sqlite:///{tmp / 'central.db'}", tmp, **WEB_ENV)
    yield server
    server.stop()


class FrameServer(Server):
    """The central server started through tests/web/frame_app.py (adds the test-only pages)."""

    python_path = (REPO, REPO / "tests")

    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).with_name("frame_app.py")), "--db", self.db_url, "--port", str(self.port)]


@pytest.fixture(scope="module")
def frame_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("frame")
    server = FrameServer(f"sqlite:///{tmp / 'central.db'}", env=WEB_ENV, log_path=tmp / "server.log").start()
    yield server
    server.stop()


def chromium_missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install chromium; deploy/dev-system-deps.sh does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser():
    if reason := chromium_missing_reason():
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    p = context.new_page()
    # Anything the CSP blocks, a script error, or a stylesheet, script or image that fails to load is
    # a bug of the page: collected in page.console_errors for the tests. The page's own status (an
    # error page is a 404 on purpose) is not.
    p.console_errors = []

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            p.console_errors.append(msg.text)

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            p.console_errors.append(f"{response.status} {response.url}")

    p.on("console", on_console)
    p.on("response", on_response)
    p.on("pageerror", lambda exc: p.console_errors.append(str(exc)))
    yield p
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (id, impact, help, nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
        for v in results.response.get("violations", [])
        if v.get("impact") in ("serious", "critical")
    ]


def shot(page, name: str) -> Path:
    """A full-page screenshot to out/staff-screens/<name>.png (kept for people to look at)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="axe_violations")
def _axe_violations():
    return axe_violations


@pytest.fixture(name="shot")
def _shot():
    return shot
