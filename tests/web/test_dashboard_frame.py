"""The dashboard frame on the real server: the hub per role (HTTP), and the test-only demo dashboard
(tests/web/frame_app.py) in Debian's Chromium: every chart kind draws under the CSP with no console
error, its table holds the numbers given, axe finds nothing serious, the period picker works from the
keyboard, screenshots on a desktop and a phone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import requests
from central.staffkit import make_user, web_sign_in

from kiosk.paths import DEMO_CATALOG

from .conftest import axe_violations, shot
from .dashkit import chart_drew, chart_ink, sign_in, table_columns, table_rows

PHONE = {"width": 390, "height": 844}
DEMO = "/staff/_dashboard"


@pytest.fixture(scope="module")
def people(frame_server):
    from kiosk.central import catalog
    from kiosk.central.analytics import rollup

    engine = frame_server.engine()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    # Figures as of 7 Dec 2026 01:30 UTC = 09.30 WITA (UTC+8), the server's zone.
    with engine.begin() as conn:
        rollup.set_mark(conn, "demo", datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 1, 30, tzinfo=UTC))
    _id, admin_secret = make_user(engine, "ayu", "admin", totp=True, display_name="Ayu Pratiwi")
    make_user(engine, "citra", "officer", agencies=["dinkes", "bappenda"], display_name="Citra Wulandari")
    make_user(engine, "vina", "viewer", display_name="Vina Inspektorat")
    make_user(engine, "teguh", "technician", display_name="Teguh Teknisi")
    yield {"admin_secret": admin_secret}
    engine.dispose()


def hub_links(html: str) -> list[str]:
    """The hub's links to the test app's two demo entries (the real dashboards have tests of their own)."""
    links = re.findall(r'class="dashboard-list__link" href="([^"]+)"', html)
    return [href for href in links if href.startswith("/staff/_dashboard")]


# --- the hub, per role (HTTP) ----------------------------------------------------------------------


def test_hub_lists_what_each_role_may_see(frame_server, people):
    admin = web_sign_in(frame_server, "ayu", totp_secret=people["admin_secret"])
    page = admin.get(frame_server.url + "/staff/dashboard", timeout=10)
    assert page.status_code == 200
    assert "<h1>Kinerja pelayanan</h1>" in page.text
    assert hub_links(page.text) == ["/staff/_dashboard", "/staff/_dashboard?period=2026"]
    assert "Semua perangkat daerah" in page.text
    assert "7 Desember 2026, 09.30" in page.text  # the rollup mark, in WITA
    assert 'href="/staff/dashboard"' in page.text  # the menu entry "Kinerja"

    viewer = web_sign_in(frame_server, "vina")
    assert hub_links(viewer.get(frame_server.url + "/staff/dashboard", timeout=10).text) == [
        "/staff/_dashboard", "/staff/_dashboard?period=2026"]

    # An officer: no province ranking, and the scope names their agencies (catalog names in the page's
    # language), sorted by name.
    officer = web_sign_in(frame_server, "citra")
    page = officer.get(frame_server.url + "/staff/dashboard", timeout=10)
    assert hub_links(page.text) == ["/staff/_dashboard"]
    assert ("Perangkat daerah Anda: Badan Pendapatan Daerah Provinsi Nusa Tenggara Barat, "
            "Dinas Kesehatan Provinsi Nusa Tenggara Barat") in page.text
    page = officer.get(frame_server.url + "/staff/dashboard?lang=en", timeout=10)
    assert ("Your agencies: Health Office of West Nusa Tenggara Province, "
            "Regional Revenue Agency of West Nusa Tenggara Province") in page.text


def test_technician_gets_403_and_no_menu_entry(frame_server, people):
    tech = web_sign_in(frame_server, "teguh")
    assert tech.get(frame_server.url + "/staff/dashboard", timeout=10).status_code == 403
    account = tech.get(frame_server.url + "/staff/account", timeout=10)
    assert account.status_code == 200 and 'href="/staff/dashboard"' not in account.text


def test_hub_needs_sign_in(frame_server):
    r = requests.get(frame_server.url + "/staff/dashboard", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in")


def test_bad_period_is_a_400_with_the_message_not_a_500(frame_server):
    r = requests.get(frame_server.url + DEMO + "?from=2026-03-01&to=2026-02-01", timeout=10)
    assert r.status_code == 400
    assert "Tanggal awal tidak boleh sesudah tanggal akhir." in r.text
    r = requests.get(frame_server.url + DEMO + "?period=2026-Q7&lang=en", timeout=10)
    assert r.status_code == 400 and "Choose a period such as 2026-Q1" in r.text


def test_the_data_island_holds_the_option_as_given(frame_server):
    html = requests.get(frame_server.url + DEMO, timeout=10).text
    island = re.search(r'<figure class="chart" id="ikm".*?<script type="application/json" class="chart__data">(.*?)</script>',
                       html, re.DOTALL).group(1)
    data = json.loads(island)
    assert data["title"] == "IKM per perangkat daerah"
    assert data["option"]["series"][0]["data"] == [88.25, 76.5, 61.0]
    assert data["aria"]["general"]["withTitle"] == "Grafik: {title}."


# --- the demo dashboard in Chromium ------------------------------------------------------------------

# The demo's numbers (tests/web/frame_app.py), as the table must show them in Indonesian.
IKM_ROWS = [["Dinas Kesehatan", "88,25"], ["Dinas Kependudukan dan Pencatatan Sipil", "76,50"],
            ["Badan Pendapatan Daerah", "61,00"]]
TREND_ROWS = [["Q1 2026", "80,00", "70,00"], ["Q2 2026", "82,50", "66,00"], ["Q3 2026", "–", "63,50"],
              ["Q4 2026", "88,25", "61,00"]]
HEAT_ROWS = [["Sen", "08", "3"], ["Sen", "09", "12"], ["Sel", "08", "5"], ["Sel", "09", "0"], ["Rab", "09", "7"]]
PIE_ROWS = [["Pungutan liar", "4"], ["Pelayanan lambat", "9"], ["Informasi", "7"]]


@pytest.mark.browser
def test_every_chart_kind_draws_with_its_table(page, frame_server):
    page.goto(frame_server.url + DEMO)
    for chart_id in ("ikm", "trend", "heat", "topics"):
        assert chart_drew(page, chart_id), chart_id
    assert table_columns(page, "ikm") == ["Perangkat daerah", "IKM"]
    assert table_rows(page, "ikm") == IKM_ROWS
    assert table_columns(page, "trend") == ["Triwulan", "Dinas Kesehatan", "Badan Pendapatan Daerah"]
    assert table_rows(page, "trend") == TREND_ROWS
    assert table_rows(page, "heat") == HEAT_ROWS
    assert table_rows(page, "topics") == PIE_ROWS
    assert table_rows(page, "empty") == [["Tidak ada data untuk periode ini."]]
    assert page.locator("#empty .chart__canvas").count() == 0  # no rows, no empty axes
    # The chart is an image named by its title (ECharts adds its description of the data), the table
    # wrapper a focusable, labelled region.
    canvas = page.locator("#ikm .chart__canvas")
    assert canvas.get_attribute("role") == "img"
    assert canvas.get_attribute("aria-label").startswith("Grafik: IKM per perangkat daerah.")
    wrapper = page.locator("#ikm .table-scroll")
    assert wrapper.get_attribute("tabindex") == "0"
    assert wrapper.get_attribute("aria-label") == "Tabel grafik: IKM per perangkat daerah"
    # Numbers on the chart are written the Indonesian way (charts.js formatters): 88,25 not 88.25.
    assert "88,25%" not in page.content()  # drawn on the canvas, not in the DOM ...
    assert page.evaluate("echarts.getInstanceByDom(document.querySelector('#ikm .chart__canvas'))"
                         ".getOption().series[0].label.formatter({value: 88.25})") == "88,25%"
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "dashboard-frame-desktop")


@pytest.mark.browser
def test_blank_canvas_is_told_apart(page, frame_server):
    """chart_drew must be able to say no: a chart whose canvas is wiped has no ink."""
    page.goto(frame_server.url + DEMO)
    assert chart_ink(page, "ikm") > 1000
    page.evaluate("""() => { const c = document.querySelector('#ikm .chart__canvas canvas');
                             c.getContext('2d').clearRect(0, 0, c.width, c.height); }""")
    assert chart_ink(page, "ikm") == 0


@pytest.mark.browser
def test_phone_layout_has_no_page_scroll_and_charts_fill_the_width(browser, frame_server):
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.goto(frame_server.url + DEMO + "?lang=en")
    for chart_id in ("ikm", "trend", "heat", "topics"):
        assert chart_drew(p, chart_id), chart_id
    assert p.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    width = p.evaluate("document.querySelector('#ikm .chart__canvas').getBoundingClientRect().width")
    main = p.evaluate("document.querySelector('main .container').clientWidth")
    assert width >= main - 40  # the container's padding aside, the full width
    assert table_rows(p, "ikm")[0] == ["Dinas Kesehatan", "88,25"]  # the page's own strings
    assert axe_violations(p) == []
    assert errors == []
    shot(p, "dashboard-frame-phone")
    context.close()


def tab_to(page, element_id: str, most: int = 40) -> None:
    """Tab from where the focus is until ``element_id`` has it (no mouse, no .focus())."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} is not reachable with Tab")


@pytest.mark.browser
def test_period_picker_works_from_the_keyboard(page, frame_server):
    page.goto(frame_server.url + DEMO)
    options = page.eval_on_selector_all("#period option", "os => os.map(o => [o.value, o.selected])")
    current = next(i for i, (_v, selected) in enumerate(options) if selected)
    wanted = options[current + 1][0] if current + 1 < len(options) else options[current - 1][0]
    tab_to(page, "period")
    page.keyboard.press("ArrowDown" if current + 1 < len(options) else "ArrowUp")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Tampilkan"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*[?&]period=" + re.escape(wanted) + "$"))
    assert page.locator("#period option:checked").get_attribute("value") == wanted
    # A range: type into the date fields, Enter submits; the page keeps the dates and names the range.
    tab_to(page, "period-from")
    page.fill("#period-from", "2026-01-05")
    page.fill("#period-to", "2026-02-04")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*from=2026-01-05&to=2026-02-04$"))
    assert page.locator(".dashboard-meta__period").inner_text() == "Periode: 2026-01-05 – 2026-02-04"
    assert page.input_value("#period-from") == "2026-01-05"
    assert page.console_errors == []
    # A wrong range comes back with the message at the field, and axe is still content.
    page.fill("#period-from", "2026-03-01")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*from=2026-03-01&to=2026-02-04$"))
    assert "Tanggal awal tidak boleh sesudah tanggal akhir." in page.locator(".period-picker").inner_text()
    assert axe_violations(page) == []


@pytest.mark.browser
def test_hub_in_the_browser_after_sign_in_with_a_second_factor(page, frame_server, people):
    _id, secret = make_user(frame_server.engine(), "adi", "admin", totp=True, display_name="Adi Saputra")
    sign_in(page, frame_server, "adi", secret=secret)
    assert page.locator("h1").inner_text() == "Kinerja pelayanan"
    assert page.locator(".site-nav a[aria-current=page]").inner_text() == "Kinerja"
    entries = page.locator(".dashboard-list__link").all_inner_texts()
    assert {"Demo dashboard", "Demo province ranking"} <= set(entries)
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "dashboard-hub-desktop")
