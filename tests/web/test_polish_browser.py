"""Layout checks in Debian's Chromium for what the screenshots showed wrong: a tracking code broken over
lines in the inbox's table (and, once kept whole, the excerpt squeezed beside it), the table's caption
squeezed to one word a line on a phone."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from central.inbox_fixtures import push
from central.inboxkit import desk_act, ensure_catalog
from central.pagekit import session_for

from kiosk.domain import tracking

pytestmark = pytest.mark.browser

# Lines a element's text takes: one box per line for an inline element.
LINES = "els => els.map(e => e.getClientRects().length)"


@pytest.fixture(scope="module")
def engine(web_server):
    e = web_server.engine()
    ensure_catalog(e, "bappenda")
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def desk(web_server, engine):
    s, _uid, _name = session_for(web_server, engine, "desk")
    return s.cookies.get("iplik_staff")


@pytest.fixture(scope="module")
def inbox_url(web_server, engine):
    # Long descriptions and the long agency name squeeze the narrow columns, as on the real desk.
    dev, codes = push(web_server, engine, 3, description="Antrean sangat lama dan petugas meminta uang tambahan "
                      "di luar tarif resmi tanpa kuitansi. " * 3)
    desk_act(engine, codes[0], "forward", agency_id="bappenda")
    return f"{web_server.url}/staff/complaints?device={dev}", [tracking.display(c) for c in codes]


def sign_in(page, server, raw):
    page.context.add_cookies([{"name": "iplik_staff", "value": raw, "domain": urlparse(server.url).hostname,
                               "path": "/staff"}])


def test_codes_stay_on_one_line_and_the_excerpt_readable_on_a_laptop(page, web_server, desk, inbox_url):
    url, codes = inbox_url
    sign_in(page, web_server, desk)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url)
    links = page.locator("tbody td a[href^='/staff/complaints/']")
    assert sorted(links.all_inner_texts()) == sorted(codes)
    assert links.evaluate_all(LINES) == [1] * len(codes)
    # ... and the excerpt beside them is not squeezed to a few letters a line (nor the table past the page).
    widths = page.locator("tbody td.excerpt-cell").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) >= 200, widths
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # The table stays inside the page's column (the filter box above it has the column's width).
    assert page.evaluate("""(() => {
        const table = document.querySelector("table").getBoundingClientRect();
        const column = document.querySelector("form.filters").getBoundingClientRect();
        return table.right <= column.right + 1; })()""")


def test_the_caption_spans_the_phone_and_nothing_scrolls_sideways(page, web_server, desk, inbox_url):
    url, _codes = inbox_url
    sign_in(page, web_server, desk)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    caption, table = page.locator("table caption").bounding_box(), page.locator("table").bounding_box()
    assert caption["width"] >= 0.9 * table["width"], (caption, table)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
