"""The complaint handling dashboard on the real server: per role over HTTP (the JSON twin holds the
numbers counted by hand, an officer sees their agency only, bad input is a 400), and in Debian's
Chromium (every chart draws, each table equals the JSON, axe finds nothing serious).

Four complaints in the second quarter of 2026, on Indonesia's real calendar (Good Friday 3 April;
the working days after Thursday 2 April are 6, 7, 8, 9, 10, 13 ...); the rollup runs on 20 May:

  a  dinkes    received Wed 1 Apr, verified and forwarded Thu 2 Apr (1 working day: on time), answered
               Fri 10 Apr (5: on time), rated 4; pengaduan, pungli, fees
  b  dinkes    received Thu 2 Apr, verified and forwarded Thu 9 Apr (4: late), answered Mon 13 Apr (2: on
               time), closed, rated 1, reopened once; aspirasi, lambat, completion time
  c  dinkes    received Thu 2 Apr, never verified (due Wed 8 Apr: late), open, marked overdue; pengaduan,
               pungli, completion time
  d  bappenda  received Mon 4 May, verified and forwarded Tue 5 May (1: on time), not answered (due Tue
               12 May: late), open, overdue; permintaan_informasi, sarana, procedure

Province: received 4; verified on time 2/4 (a, d) = 50,0%; answered on time 2/3 (a, b; c never
forwarded is undecided) = 66,7%; median days to verify of 1, 1, 4 = 1; to answer of 2, 5 = 3,5;
backlog 2 (c, d), overdue 2; reopened 1/4 = 25,0%; rating (4 + 1) / 2 = 2,50 from 2.
Officer of dinkes: received 3; verified on time 1/3 = 33,3%; answered 2/2 = 100,0%; median to verify of
1, 4 = 2,5; backlog 1, overdue 1; reopened 1/3 = 33,3%.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
import requests
from central import complaintrows as rows
from central.inboxkit import ensure_catalog
from central.staffkit import make_user, web_sign_in

from kiosk.central.analytics import handling
from kiosk.central.settings import Settings

from .conftest import axe_violations, shot
from .dashkit import chart_drew, sign_in, table_columns, table_rows

WITA = ZoneInfo("Asia/Makassar")
PAGE = "/staff/dashboard/complaints"
Q2 = "?period=2026-Q2"
CHARTS = ("complaints-by-topic", "complaints-by-class", "complaints-by-agency-time", "complaints-per-agency",
          "complaints-standard")


def local(m, d, hh=9):
    return datetime(2026, m, d, hh, 0, tzinfo=WITA)


@pytest.fixture(scope="module")
def people(web_server):
    engine = web_server.engine()
    settings = Settings(database_url=web_server.db_url)
    ensure_catalog(engine)

    def add(agency, received, **extra):
        rows.add(engine, settings, received_at=received, agency_id=agency, handling_agency_id=agency, **extra)

    add("dinkes", local(4, 1), status="followed_up", status_at=local(4, 10), verified_at=local(4, 2),
        forwarded_at=local(4, 2), citizen_rating=4, citizen_rated_at=local(4, 10, 12), standard_part="biaya")
    add("dinkes", local(4, 2), status="closed", status_at=local(4, 14), verified_at=local(4, 9),
        forwarded_at=local(4, 9), response_at=local(4, 13), closed_at=local(4, 14), citizen_rating=1,
        citizen_rated_at=local(4, 13, 12), reopened_count=1, standard_part="waktu", topic="lambat",
        **{"class": "aspirasi"})
    add("dinkes", local(4, 2), status="sent", status_at=local(4, 2), overdue_at=local(4, 9), standard_part="waktu")
    add("bappenda", local(5, 4), status="forwarded", status_at=local(5, 5), verified_at=local(5, 5),
        forwarded_at=local(5, 5), overdue_at=local(5, 13), standard_part="prosedur", topic="sarana",
        **{"class": "permintaan_informasi"})
    handling.refresh(engine, settings, now=local(5, 20, 10))
    make_user(engine, "vina", "viewer", display_name="Vina Inspektorat")
    make_user(engine, "citra", "officer", agencies=["dinkes"], display_name="Citra Wulandari")
    make_user(engine, "teguh", "technician", display_name="Teguh Teknisi")
    yield
    engine.dispose()


def as_shown(value: float | None, places: int = 1, suffix: str = "%", scale: int = 100) -> str:
    """A share or mean from the JSON the way the page writes it in Indonesian: rounded half up, comma."""
    if value is None:
        return "–"
    q = (Decimal(repr(value)) * scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q}".replace(".", ",") + suffix


def days_shown(value: float | None) -> str:
    """A median of working days: whole, or with its half."""
    if value is None or value == int(value):
        return as_shown(value, 0, "", 1)
    return as_shown(value, 1, "", 1)


def test_the_json_twin_holds_the_numbers_counted_by_hand(web_server, people):
    viewer = web_sign_in(web_server, "vina")
    data = viewer.get(web_server.url + PAGE + ".json" + Q2, timeout=10).json()
    total = data["total"]
    assert data["period"]["key"] == "2026-Q2"
    assert total["received"] == 4
    assert total["by_class"] == {"aspirasi": 1, "pengaduan": 2, "permintaan_informasi": 1}
    assert total["by_standard_part"] == {"biaya": 1, "prosedur": 1, "waktu": 2}
    assert total["verified_on_time"] == 0.5
    assert total["answered_on_time"] == pytest.approx(2 / 3)
    assert (total["median_days_to_verify"], total["median_days_to_answer"]) == (1, 3.5)
    assert (total["backlog"], total["overdue"], total["reopened"]) == (2, 2, 0.25)
    assert (total["citizen_rating"], total["citizen_ratings"]) == (2.5, 2)
    assert [a["unit"]["id"] for a in data["agencies"]] == ["bappenda", "dinkes"]  # the catalog's order
    assert data["series"]["topic"]["counts"]["pungli"][0] == 2  # a and c, in the week of 1 April


def test_the_page_shows_the_headline_and_says_what_is_now(web_server, people):
    viewer = web_sign_in(web_server, "vina")
    page = viewer.get(web_server.url + PAGE + Q2, timeout=10)
    assert page.status_code == 200
    assert "<h1>Penanganan pengaduan</h1>" in page.text
    for text in ("Diverifikasi tepat waktu", "50,0%", "66,7%", "3,5", "2,50 / 4", "2 penilaian",
                 "Tunggakan dan yang terlambat dihitung saat ini"):
        assert text in page.text, text
    english = viewer.get(web_server.url + PAGE + Q2 + "&lang=en", timeout=10).text
    assert "66.7%" in english and "Backlog and overdue are counted now" in english
    hub = viewer.get(web_server.url + "/staff/dashboard", timeout=10).text
    assert f'href="{PAGE}"' in hub


def test_an_officer_sees_only_their_agency(web_server, people):
    officer = web_sign_in(web_server, "citra")
    data = officer.get(web_server.url + PAGE + ".json" + Q2, timeout=10).json()
    total = data["total"]
    assert total["received"] == 3 and [a["unit"]["id"] for a in data["agencies"]] == ["dinkes"]
    assert total["verified_on_time"] == pytest.approx(1 / 3) and total["answered_on_time"] == 1
    assert total["median_days_to_verify"] == 2.5 and (total["backlog"], total["overdue"]) == (1, 1)
    assert list(data["series"]["agency"]["counts"]) == ["dinkes"]
    assert set(data["series"]["topic"]["counts"]) == {"pungli", "lambat"}  # not bappenda's "sarana"
    page = officer.get(web_server.url + PAGE + Q2, timeout=10).text
    assert "Badan Pendapatan Daerah" not in page and "Perangkat daerah Anda" in page


def test_bad_input_is_a_400_with_the_message_and_technicians_get_403(web_server, people):
    viewer = web_sign_in(web_server, "vina")
    r = viewer.get(web_server.url + PAGE + "?from=2026-05-01&to=2026-04-01", timeout=10)
    assert r.status_code == 400 and "Tanggal awal tidak boleh sesudah tanggal akhir." in r.text
    r = viewer.get(web_server.url + PAGE + ".json?period=2026-Q9&lang=en", timeout=10)
    assert r.status_code == 400 and "Choose a period such as 2026-Q1" in r.json()["errors"]["period"]
    r = viewer.get(web_server.url + PAGE + ".json?from=tomorrow", timeout=10)
    assert r.status_code == 400
    tech = web_sign_in(web_server, "teguh")
    assert tech.get(web_server.url + PAGE, timeout=10).status_code == 403
    assert tech.get(web_server.url + PAGE + ".json", timeout=10).status_code == 403
    assert requests.get(web_server.url + PAGE + ".json", allow_redirects=False, timeout=10).status_code == 303


@pytest.mark.browser
def test_the_charts_draw_and_every_table_equals_the_json(page, web_server, people):
    sign_in(page, web_server, "vina", next_path=PAGE + Q2)
    data = page.request.get(web_server.url + PAGE + ".json" + Q2).json()
    for chart_id in CHARTS:
        assert chart_drew(page, chart_id), chart_id

    # Over time by topic: one row per week, a column per topic (largest first), then the total.
    topics = data["series"]["topic"]
    shown = table_rows(page, "complaints-by-topic")
    assert len(shown) == len(topics["buckets"]) == 14
    keys = list(topics["counts"])
    assert [[int(c) for c in r[1:]] for r in shown] == [
        [topics["counts"][k][i] for k in keys] + [sum(topics["counts"][k][i] for k in keys)]
        for i in range(len(shown))]
    assert table_columns(page, "complaints-by-topic")[1:3] == ["Pungutan liar (pungli)", "Pelayanan lambat"]

    # Per agency: every figure of the JSON as the page writes it, then the province's row.
    expected = []
    for fig, name in [(a, a["unit"]["name_id"]) for a in data["agencies"]] + [(data["total"], "Semua perangkat daerah")]:
        expected.append([name, str(fig["received"]), as_shown(fig["verified_on_time"]),
                         as_shown(fig["answered_on_time"]), days_shown(fig["median_days_to_verify"]),
                         days_shown(fig["median_days_to_answer"]),
                         str(fig["backlog"]), str(fig["overdue"]), as_shown(fig["reopened"]),
                         as_shown(fig["citizen_rating"], 2, "", 1), str(fig["citizen_ratings"])])
    assert table_rows(page, "complaints-per-agency") == expected
    assert expected[-1] == ["Semua perangkat daerah", "4", "50,0%", "66,7%", "1", "3,5", "2", "2", "25,0%", "2,50", "2"]

    # The standard breached: agency x part, in the standard's order, with the total.
    columns = table_columns(page, "complaints-standard")
    assert columns[:6] == ["Instansi", "Persyaratan", "Prosedur", "Jangka waktu penyelesaian", "Biaya/tarif",
                           "Produk pelayanan"]
    parts = ["persyaratan", "prosedur", "waktu", "biaya", "produk", "sarana", "kompetensi", "pengaduan"]
    expected = [[a["unit"]["name_id"]] + [str(a["by_standard_part"].get(p, 0)) for p in parts]
                + [str(sum(a["by_standard_part"].values()))] for a in data["agencies"]]
    expected.append(["Semua perangkat daerah"] + [str(data["total"]["by_standard_part"].get(p, 0)) for p in parts]
                    + ["4"])
    assert table_rows(page, "complaints-standard") == expected
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "dashboard-complaints-desktop")


@pytest.mark.browser
def test_the_phone_layout_keeps_the_page_from_scrolling_sideways(browser, web_server, people):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    p = context.new_page()
    sign_in(p, web_server, "citra", next_path=PAGE + Q2)
    assert chart_drew(p, "complaints-standard")
    assert p.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_violations(p) == []
    shot(p, "dashboard-complaints-phone")
    context.close()
