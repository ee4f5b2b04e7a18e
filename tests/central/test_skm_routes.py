"""The SKM downloads against the real server (subprocess, SQLite file and PostgreSQL): who may take which
unit's report, the 400s for a unit or period that cannot be read, the file names, the audit row, and
the numbers of a small hand-computed survey in the CSV and the PDF."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
import requests
import sqlalchemy as sa
from pypdf import PdfReader

from kiosk.central.analytics import periods, rollup
from kiosk.central.db import audit_log
from kiosk.central.settings import Settings

from .inboxkit import ensure_catalog
from .serverkit import enroll, rating_record
from .staffkit import make_user, web_sign_in

SERVICE = "bappenda-pkb-tahunan"


@pytest.fixture(scope="module")
def server_env():
    return {"IPLIK_CENTRAL_COOKIE_SECURE": "0"}


@pytest.fixture(scope="module")
def quarter(server, engine):
    """The current quarter, with three surveys of one Bappenda service in it: two answer 4 everywhere, one
    answers 3 everywhere. Each NRR = (4 + 4 + 3) / 3 = 11/3 = 3.667 (weighted 11/27 = 0.407), and
    IKM = 11/3 x 25 = 91.666... -> 91.67, grade A."""
    ensure_catalog(engine, "bappenda", "dinkes")
    dev = enroll(server, engine)
    records = [rating_record(service_id=SERVICE, score=s) for s in (4, 4, 3)]
    r = requests.post(server.url + "/api/v1/sync/push", json={"records": records}, headers=dev.headers, timeout=10)
    assert r.status_code == 200, r.text
    settings = Settings()
    rollup.refresh_all(engine, settings, now=datetime.now(UTC))
    return periods.containing(periods.Kind.QUARTER, datetime.now(settings.tz).date())


_n = 0


def signed_in(server, engine, role: str, *agencies: str) -> requests.Session:
    global _n
    _n += 1
    name = f"skm-{role}-{_n}"
    _uid, secret = make_user(engine, name, role, agencies=agencies, totp=True)  # admins must have a second factor
    session = web_sign_in(server, name, totp_secret=secret)
    session.username = name
    return session


def get(session, server, fmt: str, **params) -> requests.Response:
    return session.get(f"{server.url}/staff/reports/skm.{fmt}", params=params, allow_redirects=False, timeout=30)


def test_admin_downloads_the_three_formats_with_safe_names_and_an_audit_row(server, engine, quarter):
    s = signed_in(server, engine, "admin")
    for fmt, media in (("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats"), ("csv", "text/csv")):
        r = get(s, server, fmt, unit="service:" + SERVICE, period=quarter.key)
        assert r.status_code == 200, (fmt, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith(media)
        assert r.headers["content-disposition"] == f'attachment; filename="SKM_{SERVICE}_{quarter.key}.{fmt}"'
        assert r.headers["cache-control"] == "no-store"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.target, audit_log.c.detail).where(
            audit_log.c.action == "export", audit_log.c.username == s.username)).all()
    assert sorted(json.loads(d)["format"] for _t, d in rows) == ["csv", "pdf", "xlsx"]
    assert {t for t, _d in rows} == {f"skm:service:{SERVICE}"}
    assert {json.loads(d)["period"] for _t, d in rows} == {quarter.key}


def test_the_csv_and_the_pdf_hold_the_hand_computed_numbers(server, engine, quarter):
    s = signed_in(server, engine, "desk")
    r = get(s, server, "csv", unit="service:" + SERVICE, period=quarter.key)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    elements = {row[0]: row[2:] for row in rows if row and row[0] in {f"U{i}" for i in range(1, 10)}}
    assert elements["U1"] == ["3", "3.667", "0.407"] and elements["U9"] == ["3", "3.667", "0.407"]
    assert ["", "IKM (jumlah NRR tertimbang x 25)", "", "", "91.67"] in rows
    pdf = get(s, server, "pdf", unit="service:" + SERVICE, period=quarter.key, lang="en")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "91.67" in text and "3.667" in text and "Very good" in text
    assert "DEMO DATA" in text  # the demo catalog is published


def test_officers_see_their_own_agencies_only(server, engine, quarter):
    s = signed_in(server, engine, "officer", "dinkes")
    assert get(s, server, "csv", unit="agency:bappenda", period=quarter.key).status_code == 404
    assert get(s, server, "csv", unit="service:" + SERVICE, period=quarter.key).status_code == 404
    assert get(s, server, "csv", unit="agency:dinkes", period=quarter.key).status_code == 200
    own = signed_in(server, engine, "officer", "bappenda")
    assert get(own, server, "pdf", unit="service:" + SERVICE, period=quarter.key).status_code == 200


def test_technicians_and_strangers_get_nothing(server, engine):
    tech = signed_in(server, engine, "technician")
    assert get(tech, server, "pdf", unit="agency:bappenda", period="2026-Q1").status_code == 403
    r = get(requests.Session(), server, "pdf", unit="agency:bappenda", period="2026-Q1")
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in")


@pytest.mark.parametrize(("params", "message"), [
    ({"unit": "bappenda", "period": "2026-Q1"}, "Pilih unit seperti agency:bappenda"),
    ({"unit": "planet:bappenda", "period": "2026-Q1"}, "Pilih unit seperti agency:bappenda"),
    ({"unit": "agency:../../etc", "period": "2026-Q1"}, "Pilih unit seperti agency:bappenda"),
    ({"unit": "agency:tidak-ada", "period": "2026-Q1"}, "Unit itu tidak ada"),
    ({"unit": "agency:bappenda", "period": "2026-Q5"}, "Pilih periode seperti 2026-Q1"),
    ({"unit": "agency:bappenda"}, "Pilih periode seperti 2026-Q1"),
    ({"unit": "agency:bappenda", "period": "2026-03-01..2026-01-01"}, "Tanggal awal tidak boleh sesudah"),
])
def test_a_bad_unit_or_period_is_a_400_with_the_reason(server, engine, params, message):
    ensure_catalog(engine, "bappenda")
    s = signed_in(server, engine, "viewer")
    r = get(s, server, "pdf", **params)
    assert r.status_code == 400 and message in r.text


def test_an_unknown_format_is_a_404(server, engine):
    s = signed_in(server, engine, "admin")
    assert get(s, server, "docx", unit="agency:bappenda", period="2026-Q1").status_code == 404


def test_the_ikm_unit_page_links_to_the_three_files(server, engine, quarter):
    s = signed_in(server, engine, "viewer")
    r = s.get(f"{server.url}/staff/dashboard/ikm/service/{SERVICE}", params={"period": quarter.key}, timeout=30)
    assert r.status_code == 200
    links = re.findall(r'href="(/staff/reports/skm\.(?:pdf|xlsx|csv)\?[^"]+)"', r.text)
    assert len(links) == 3
    for href in links:
        got = s.get(server.url + unescape(href), timeout=30)
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"], href
