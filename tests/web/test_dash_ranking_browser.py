"""The compliance and award ranking dashboards in Debian's Chromium, on the small province of
tests/central/ranking_seed.py: the charts drew, every chart's table holds the figures of the page's .json
twin, axe finds nothing serious or critical, in Indonesian and English; screenshots at 1366x768 and
390x844 in out/staff-screens/."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest
from central.pagekit import session_for
from central.ranking_seed import seed

from kiosk.central.settings import Settings

from .conftest import axe_violations, shot
from .dashkit import chart_drew, table_rows

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def engine(web_server):
    e = web_server.engine()
    seed(e, Settings(database_url=web_server.db_url))
    yield e
    e.dispose()


def as_person(page, server, engine, role, *agencies):
    session, _, _ = session_for(server, engine, role, *agencies)
    page.context.add_cookies([{"name": "iplik_staff", "value": session.cookies.get("iplik_staff"),
                               "domain": urlparse(server.url).hostname, "path": "/staff"}])
    return session


def shown(text: str) -> Decimal | None:
    """A number as the page shows it (decimal comma in Indonesian; "–" for none) back to a Decimal."""
    return None if text == "–" else Decimal(text.replace(",", "."))


def exact(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def looks_right(page, name: str) -> None:
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, name)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_violations(page) == []
    shot(page, name + "-phone")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compliance_page(page, web_server, engine, lang):
    session = as_person(page, web_server, engine, "viewer")
    url = f"{web_server.url}/staff/dashboard/compliance?agency=dinkes&lang={lang}"
    twin = session.get(url.replace("compliance?", "compliance.json?"), timeout=10).json()
    page.goto(url)
    assert chart_drew(page, "compliance-overview") and chart_drew(page, "compliance-history")
    rows = table_rows(page, "compliance-overview")
    assert [(r[0], shown(r[1])) for r in rows] == [(a["agency"], exact(a["score"])) for a in twin["agencies"]]
    assert len(rows) == 4
    # Dinkes: 83.33 in the 2025 catalog, 0.00 in the 2026 one (it states no aspect there)
    history = table_rows(page, "compliance-history")
    assert [shown(r[1]) for r in history] == [exact(h["score"]) for h in twin["history"]] == [
        Decimal("83.33"), Decimal("0.00")]
    assert page.locator("#compliance-aspects tbody tr").count() == 9
    looks_right(page, f"dash-compliance-{lang}")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_ranking_page(page, web_server, engine, lang):
    session = as_person(page, web_server, engine, "viewer")
    url = f"{web_server.url}/staff/dashboard/ranking?period=2025&lang={lang}"
    twin = session.get(url.replace("ranking?", "ranking.json?"), timeout=10).json()
    page.goto(url)
    assert chart_drew(page, "ranking")
    rows = table_rows(page, "ranking")
    # agency | rank | IKM | on time | rating | compliance | composite | note
    assert [[r[0], int(r[1]), *[shown(v) for v in r[2:7]]] for r in rows] == [
        [x["agency"] if lang == "id" else x["agency_en"], x["rank"], exact(x["ikm"]), exact(x["on_time"]),
         exact(x["citizen_rating"]), exact(x["compliance"]), exact(x["composite"])] for x in twin["ranked"]]
    assert [shown(r[6]) for r in rows] == [Decimal("93.75"), Decimal("78.57")]
    apart = page.locator("#ranking-apart tbody tr")
    assert apart.count() == len(twin["apart"]) == 2
    # The worked example is the first row's: 40 + 15 + 8.75 + 30 = 93.75
    example = page.locator("#ranking-example").inner_text()
    assert ("93,75" if lang == "id" else "93.75") in example and ("8,75" if lang == "id" else "8.75") in example
    looks_right(page, f"dash-ranking-{lang}")
