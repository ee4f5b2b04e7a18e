"""The IKM dashboard over real HTTP (the server in a subprocess, on a SQLite file): the list and a unit's
page agree with their JSON twins, an officer sees only their agencies' surveys and gets 404 for other
units, and the yearly-users form (CSRF, validation in Indonesian, who may, audit). The browser test is
tests/web/test_ikm_dashboard.py.

The surveys (Q4 2026, made 5 October, 10:00 WITA):
- service PKB (Bappenda) on kiosk "kb": 2 surveys, every answer 4: IKM 100.00, A;
- service LAB (Dinkes) on kiosk "mpp" (a Bappenda kiosk in the Mal Pelayanan Publik): 4 surveys answering
  3 to U1..U8 and 2 to U9: NRR 3 (tertimbang 3/9 = 0.333) and 2 (2/9 = 0.222); sum of NRR = 8 x 3 + 2 = 26,
  IKM = 26/9 x 25 = 72.222.. -> 72.22, C (Kurang Baik); weakest U9, then U1, U2 (ties in element order).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kiosk.central import audit
from kiosk.central.db import audit_log

from . import ikmkit as kit
from .pagekit import session_for

BASE = "/staff/dashboard/ikm"
Q4 = {"period": "2026-Q4"}


@pytest.fixture(scope="module")
def backend():
    return "sqlite"  # the queries' PostgreSQL run is in test_ikm_units.py; the pages add no SQL


@pytest.fixture(scope="module")
def people(server, engine):
    kit.seed_dashboard(engine)
    return {
        "desk": session_for(server, engine, "desk")[0],
        "dinkes": session_for(server, engine, "officer", "dinkes")[0],
        "bappenda": session_for(server, engine, "officer", "bappenda")[0],
        "tech": session_for(server, engine, "technician")[0],
    }


def _get(s, server, path, **params):
    return s.get(server.url + path, params={**Q4, **params}, timeout=10)


def test_the_list_and_its_json_show_the_hand_computed_figures(server, people):
    s = people["desk"]
    data = _get(s, server, BASE + ".json", kind="service").json()
    assert [(u["id"], u["respondents"], u["ikm"], u["mutu"], u["weakest"]) for u in data["units"]] == [
        ("lab", 4, "72.22", "C", ["U9", "U1", "U2"]),  # names LAB < PKB
        ("pkb", 2, "100.00", "A", ["U1", "U2", "U3"]),
    ]
    page = _get(s, server, BASE, kind="service")
    assert page.status_code == 200
    assert "72,22" in page.text and "100,00" in page.text and "Kurang Baik" in page.text
    assert f'href="{BASE}/service/lab?period=2026-Q4"' in page.text
    agencies = _get(s, server, BASE + ".json").json()
    assert [(u["id"], u["respondents"], u["ikm"]) for u in agencies["units"]] == [("bappenda", 2, "100.00"),
                                                                                ("dinkes", 4, "72.22")]
    assert _get(s, server, BASE, kind="planet").status_code == 404
    bad = _get(s, server, BASE, period="2026-Q9")
    assert bad.status_code == 400 and "2026-Q1" in bad.text


def test_an_officer_sees_only_their_agencys_surveys_and_404_elsewhere(server, people):
    d = people["dinkes"]
    for kind, expected in (("agency", [("dinkes", 4)]), ("service", [("lab", 4)]), ("office", [("Mal Pelayanan Publik", 4)]),
                           ("kiosk", [("mpp", 4)])):
        units = _get(d, server, BASE + ".json", kind=kind).json()["units"]
        assert [(u["id"], u["respondents"]) for u in units] == expected, kind
    assert "PKB" not in _get(d, server, BASE, kind="service").text
    assert _get(d, server, BASE + "/kiosk/mpp.json").json()["respondents"] == 4
    for path in ("/service/pkb", "/agency/bappenda", "/kiosk/kb", "/office/Kantor%20Bappenda", "/service/pkb.json",
                 "/service/no-such"):
        r = _get(d, server, BASE + path)
        assert r.status_code == 404 and "PKB" not in r.text, path
    b = people["bappenda"]
    # The Mal Pelayanan Publik kiosk is Bappenda's, but only Dinkes was rated on it: Bappenda sees 0.
    assert _get(b, server, BASE + "/kiosk/mpp.json").json()["respondents"] == 0
    assert _get(b, server, BASE + "/service/lab").status_code == 404
    assert _get(people["tech"], server, BASE).status_code == 403


def test_a_units_page_and_its_json(server, people):
    s = people["desk"]
    data = _get(s, server, BASE + "/service/lab.json").json()
    assert (data["respondents"], data["ikm"], data["mutu"], data["kinerja"]) == (4, "72.22", "C", "Kurang Baik")
    assert [(e["code"], e["answers"], e["nrr"], e["nrr_weighted"]) for e in data["elements"]] == (
        [(f"U{i}", 4, "3.000", "0.333") for i in range(1, 9)] + [("U9", 4, "2.000", "0.222")])
    assert data["profile"]["jenis_kelamin"] == {"P": 2, "": 2}
    assert data["profile"]["usia"] == {"30-39": 2, "": 2}
    page = _get(s, server, BASE + "/service/lab")
    assert page.status_code == 200
    for shown in ("72,22", "3,000", "0,333", "2,000", "0,222", "Kurang Baik", "Sarana dan Prasarana",
                  "/staff/reports/skm.pdf?unit=service%3Alab&amp;period=2026-Q4", 'name="yearly_users"'):
        assert shown in page.text, shown
    english = _get(s, server, BASE + "/service/lab", lang="en")
    assert "72.22" in english.text and "Less than good" in english.text and "Facilities and infrastructure" in english.text


def test_the_yearly_users_form(server, engine, people):
    s = people["desk"]
    url = server.url + BASE + "/service/lab/population?period=2026-Q4"
    bad = s.post(url, data={"yearly_users": "dua ribu", "csrf_token": s.csrf}, timeout=10)
    assert bad.status_code == 400 and "Tulis jumlah pengguna per tahun sebagai bilangan bulat" in bad.text
    assert s.post(url, data={"yearly_users": "1200"}, timeout=10).status_code == 403  # no CSRF token
    ok = s.post(url, data={"yearly_users": "1.200", "csrf_token": s.csrf}, timeout=10, allow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == BASE + "/service/lab?done=population&period=2026-Q4"
    # Q4 2026 = 92 of 365 days: ceil(1200 x 92/365 = 302.47) = 303 users; Krejcie-Morgan:
    # 3.841 x 303 x 0.25 / (0.0025 x 302 + 3.841 x 0.25) = 290.956 / 1.71525 = 169.63 -> 170.
    data = _get(s, server, BASE + "/service/lab.json").json()
    assert (data["yearly_users"], data["population"], data["min_sample"], data["sample_too_small"]) == (1200, 1200, 170, True)
    assert "Sampel terlalu kecil" in _get(s, server, BASE + "/service/lab").text
    assert _get(s, server, BASE + ".json").json()["units"][1]["min_sample"] == 170  # Dinkes: its one service
    b = people["bappenda"]
    assert b.post(url, data={"yearly_users": "5", "csrf_token": b.csrf}, timeout=10).status_code == 403
    d = people["dinkes"]
    cleared = d.post(url, data={"clear": "1", "csrf_token": d.csrf}, timeout=10, allow_redirects=False)
    assert cleared.status_code == 303
    assert _get(s, server, BASE + "/service/lab.json").json()["min_sample"] is None
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.target, audit_log.c.detail)
                            .where(audit_log.c.action == audit.POPULATION_SET).order_by(audit_log.c.id)).all()
    assert [r.target for r in rows] == ["lab", "lab"]
    assert '"to": 1200' in rows[0].detail and '"to": null' in rows[1].detail
