"""The IKM dashboard in Debian's Chromium: the charts draw under the CSP, each chart's table holds the
same numbers as the page's JSON twin, axe finds no serious or critical problem, in Indonesian and English;
screenshots at 1366x768 and 390x844 (out/staff-screens/ikm-*.png). The figures are those of
tests/central/test_ikm_pages_http.py (worked out there)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from central import ikmkit as kit
from central.pagekit import session_for

from .conftest import axe_violations, shot
from .dashkit import chart_drew, table_rows

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
BASE = "/staff/dashboard/ikm"


@pytest.fixture(scope="module")
def desk(web_server):
    engine = web_server.engine()
    kit.seed_dashboard(engine)
    s, _, _ = session_for(web_server, engine, "desk")
    engine.dispose()
    return s


def _open(page, server, s, path):
    page.context.add_cookies([{"name": "iplik_staff", "value": s.cookies.get("iplik_staff"),
                               "domain": urlparse(server.url).hostname, "path": "/staff"}])
    page.goto(server.url + path)


def _json(server, s, path) -> dict:
    r = s.get(server.url + path, timeout=10)
    assert r.status_code == 200
    return r.json()


def _id(text: str | None, lang: str) -> str:
    return "–" if text is None else (text.replace(".", ",") if lang == "id" else text)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_list_and_a_units_page_draw_and_match_their_json(page, web_server, desk, lang):
    _open(page, web_server, desk, f"{BASE}?kind=service&period=2026-Q4&lang={lang}")
    assert chart_drew(page, "ikm-units")
    data = _json(web_server, desk, f"{BASE}.json?kind=service&period=2026-Q4&lang={lang}")
    rows = table_rows(page, "ikm-units")
    assert [[r[0], r[1], r[3], r[4], r[6]] for r in rows] == [
        [u["name"], str(u["respondents"]), _id(u["ikm"], lang), u["mutu"], ", ".join(u["weakest"])]
        for u in data["units"]]
    assert [r[3] for r in rows] == (["72,22", "100,00"] if lang == "id" else ["72.22", "100.00"])
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, f"ikm-list-{lang}")

    page.click("#ikm-units table a >> nth=0")  # LAB
    page.wait_for_url(f"**{BASE}/service/lab?period=2026-Q4")
    for chart in ("ikm-elements", "profile-jenis-kelamin", "profile-usia", "profile-pendidikan", "profile-pekerjaan"):
        assert chart_drew(page, chart), chart
    unit = _json(web_server, desk, f"{BASE}/service/lab.json?period=2026-Q4&lang={lang}")
    assert table_rows(page, "ikm-elements") == [
        [f'{e["code"]} {e["name"]}', str(e["answers"]), _id(e["nrr"], lang), _id(e["nrr_weighted"], lang)]
        for e in unit["elements"]]
    assert table_rows(page, "profile-jenis-kelamin")[0][:2] == ["Perempuan" if lang == "id" else "Female", "2"]
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, f"ikm-unit-{lang}")
    page.set_viewport_size(PHONE)
    page.reload()
    assert chart_drew(page, "ikm-elements")
    # The page itself never scrolls sideways on a phone (wide tables scroll in their own box).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"ikm-unit-{lang}-phone")
