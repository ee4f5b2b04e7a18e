"""The public transparency page in Debian's Chromium, at a desk (1366x768) and on a phone (390x844), in
both languages: no serious or critical axe finding, no sideways scrolling on the phone, no CSP error,
and the agency a QR names is the block the browser lands on."""

from __future__ import annotations

import pytest
from central.inboxkit import ensure_catalog

from .conftest import axe_violations, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def published(web_server):
    engine = web_server.engine()
    ensure_catalog(engine, "bappenda")
    yield
    engine.dispose()


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("size", "name"), [(DESK, "desk"), (PHONE, "phone")])
def test_the_page_reads_well_everywhere(page, web_server, published, lang, size, name):
    page.set_viewport_size(size)
    page.goto(f"{web_server.url}/transparansi?lang={lang}#dinkes")
    heading = "Kinerja pelayanan publik" if lang == "id" else "Public service performance"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    # The QR's anchor: the Dinkes block is the :target and is on screen.
    target = page.locator("section:target")
    assert target.get_attribute("id") == "dinkes"
    assert target.is_visible() and target.bounding_box()["y"] < size["height"]
    shot(page, f"transparency-{lang}-{name}")
    assert axe_violations(page) == []
    assert page.console_errors == []
    if name == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
