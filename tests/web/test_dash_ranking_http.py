"""The compliance and award ranking dashboards over HTTP (the real server in a subprocess, on a SQLite
file): who sees what, the JSON twins' figures, bad input. Scores worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from catalog_samples import catalog, standard, two_agencies
from central.pagekit import session_for

from kiosk.central import catalog as central_catalog
from kiosk.central.analytics import compliance
from kiosk.central.settings import Settings

ASPECTS = ["standar_pelayanan", "maklumat", "sistem_informasi", "sarana_prasarana", "pelayanan_khusus",
           "pengelolaan_pengaduan", "penilaian_kinerja", "visi_misi_motto", "atribut"]


def items(statuses):
    return [{"aspect": a, "status": s, "evidence": f"Bukti {a}"} for a, s in zip(ASPECTS, statuses)]


@pytest.fixture(scope="module")
def seeded(web_server):
    engine = web_server.engine()
    services = [{"id": "bappenda-pkb", "agency_id": "bappenda", "name": "Pembayaran Pajak Kendaraan Bermotor",
                 "name_en": "Motor vehicle tax payment", "keywords": ["samsat"], "standard": standard(0)}]
    for version, bappenda, dinkes in (
        # bappenda 9 ada = 100.00 hijau; dinkes 4 ada + 1 sebagian = 4.5 / 9 x 100 = 50.00 merah
        ("h-1", ["ada"] * 9, ["ada"] * 4 + ["sebagian"]),
        # dinkes 6 ada + 2 sebagian = 7 / 9 x 100 = 77.777... = 77.78 kuning
        ("h-2", ["ada"] * 9, ["ada"] * 6 + ["sebagian"] * 2),
    ):
        agencies = two_agencies()
        agencies[0]["compliance"], agencies[1]["compliance"] = items(bappenda), items(dinkes)
        central_catalog.publish(engine, catalog(version, agencies, services))
    compliance.refresh(engine, Settings(), now=datetime.now(UTC))
    yield engine
    engine.dispose()


def test_compliance_json_for_the_province_and_for_an_officer(web_server, seeded):
    admin, _, _ = session_for(web_server, seeded, "admin")
    body = admin.get(f"{web_server.url}/staff/dashboard/compliance.json?agency=dinkes").json()
    assert [(a["agency_id"], a["score"], a["zone"]) for a in body["agencies"]] == [
        ("bappenda", 100.0, "hijau"), ("dinkes", 77.78, "kuning")]
    assert body["selected"] == "dinkes"
    assert [(h["score"], h["zone"]) for h in body["history"]] == [(50.0, "merah"), (77.78, "kuning")]
    assert body["agencies"][1]["aspects"][7] == {"aspect": "visi_misi_motto", "label": "Visi, misi, dan motto layanan",
                                                 "status": "sebagian", "evidence": "Bukti visi_misi_motto"}

    officer, _, _ = session_for(web_server, seeded, "officer", "dinkes")
    mine = officer.get(f"{web_server.url}/staff/dashboard/compliance.json").json()
    assert [a["agency_id"] for a in mine["agencies"]] == ["dinkes"] and mine["selected"] == "dinkes"
    # another agency's figures: the same 404 as an agency that does not exist, page and JSON alike
    for path in ("compliance.json?agency=bappenda", "compliance?agency=bappenda", "compliance?agency=nope"):
        assert officer.get(f"{web_server.url}/staff/dashboard/{path}").status_code == 404
    page = officer.get(f"{web_server.url}/staff/dashboard/compliance")
    assert page.status_code == 200 and "Dinas Kesehatan" in page.text and "Badan Pendapatan Daerah" not in page.text
    assert "Zona kuning" in page.text and "77,78" in page.text  # the zone in words, the decimal comma


def test_ranking_is_for_the_province_and_refuses_a_bad_period(web_server, seeded):
    officer, _, _ = session_for(web_server, seeded, "officer", "dinkes")
    technician, _, _ = session_for(web_server, seeded, "technician")
    viewer, _, _ = session_for(web_server, seeded, "viewer")
    assert officer.get(f"{web_server.url}/staff/dashboard/ranking").status_code == 403
    assert officer.get(f"{web_server.url}/staff/dashboard/ranking.json").status_code == 403
    assert technician.get(f"{web_server.url}/staff/dashboard/compliance").status_code == 403
    bad = viewer.get(f"{web_server.url}/staff/dashboard/ranking?period=2026-Q7")
    assert bad.status_code == 400 and "2026-Q1" in bad.text
    bad = viewer.get(f"{web_server.url}/staff/dashboard/ranking.json?from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["to"]
    assert viewer.get(f"{web_server.url}/staff/dashboard/ranking?from=31-12-2026&to=x").status_code == 400
