"""The kiosk settings and enrollment pages over HTTP, against the real server in a subprocess (SQLite and
PostgreSQL): who may use them, what a form stores, what the kiosk's pull then carries, bad input."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
from catalog_samples import catalog, standard, two_agencies

from kiosk.central import catalog as central_catalog
from kiosk.central.db import audit_log, kiosk_settings
from kiosk.sync import wire

from .pagekit import session_for
from .serverkit import enroll

OFFICE = "Kantor Samsat Selong"


@pytest.fixture(scope="module")
def published(engine):
    central_catalog.publish(engine, catalog("settings-test", two_agencies(), [
        {"id": "pkb", "agency_id": "bappenda", "name": "PKB", "name_en": "PKB", "keywords": [],
         "standard": standard(0)}]))


@pytest.fixture(scope="module")
def tech(server, engine, published):
    s, _uid, _name = session_for(server, engine, "technician")
    return s


def _post(server, s, path, data, csrf=True):
    return s.post(server.url + path, data={**data, **({"csrf_token": s.csrf} if csrf else {})},
                  allow_redirects=False, timeout=20)


@pytest.mark.parametrize("role,agencies", [("officer", ("bappenda",)), ("desk", ()), ("viewer", ())])
def test_only_admins_and_technicians_reach_the_pages(server, engine, published, role, agencies):
    kiosk = enroll(server, engine, office=OFFICE)
    s, _uid, _name = session_for(server, engine, role, *agencies)
    for path in ("/staff/kiosks/settings", f"/staff/kiosks/settings/office?office={OFFICE}",
                 f"/staff/kiosks/{kiosk.device_id}/settings", "/staff/kiosks/enroll"):
        assert s.get(server.url + path, allow_redirects=False, timeout=10).status_code == 403, path
    for path, data in ((f"/staff/kiosks/settings/office?office={OFFICE}", {"survey_mode": "quick"}),
                       (f"/staff/kiosks/{kiosk.device_id}/settings", {"survey_mode": "quick"}),
                       ("/staff/kiosks/enroll", {"office": OFFICE, "agency_id": "bappenda", "ttl": "24"}),
                       ("/staff/kiosks/enroll/0123456789ab/cancel", {})):
        assert _post(server, s, path, data).status_code == 403, path
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(kiosk_settings).where(
            kiosk_settings.c.target.in_([OFFICE, kiosk.device_id]))) == 0
    # Nor does the menu offer the page.
    assert "/staff/kiosks/settings" not in s.get(server.url + "/staff", timeout=10).text


def test_office_and_kiosk_values_set_on_the_pages_reach_the_pull(server, engine, tech):
    kiosk = enroll(server, engine, office=OFFICE)
    other = enroll(server, engine, office="Kantor Lain")
    r = _post(server, tech, f"/staff/kiosks/settings/office?office={OFFICE}",
              {"survey_mode": "quick", "idle_timeout_s": "120", "languages": "id,en",
               "office_hours": "sen-jum 07:30-16:00", "screen_on": "06:30"})
    assert r.status_code == 303, r.text[:500]
    r = _post(server, tech, f"/staff/kiosks/{kiosk.device_id}/settings",
              {"idle_timeout_s": "300", "agency_id": "dinkes", "unit": "Loket 2", "pin": "735194"})
    assert r.status_code == 303, r.text[:500]

    got = requests.get(server.url + wire.CATALOG_PATH, headers=kiosk.headers, timeout=10).json()
    assert got["settings"]["values"] == {
        "survey_mode": "quick", "idle_timeout_s": 300, "languages": ["id", "en"],
        "office_hours": "mon-fri 07:30-16:00", "screen_on": "06:30", "agency_id": "dinkes", "unit": "Loket 2"}
    assert got["settings"]["sources"] == {
        "survey_mode": "office", "idle_timeout_s": "kiosk", "languages": "office", "office_hours": "office",
        "screen_on": "office", "agency_id": "kiosk", "unit": "kiosk", "staff_pin": "kiosk"}
    assert got["staff_pin"]["pin_hash"].startswith("scrypt$")
    # Another office's kiosk gets none of it.
    got = requests.get(server.url + wire.CATALOG_PATH, headers=other.headers, timeout=10).json()
    assert got["settings"] == {"values": {}, "sources": {"staff_pin": "config"}} and got["staff_pin"] is None

    # The kiosk's page shows what applies and where from.
    page = tech.get(server.url + f"/staff/kiosks/{kiosk.device_id}/settings?lang=en", timeout=10).text
    assert "Now: quick (Set for its office)" in page and "Now: 300 (Set for this kiosk)" in page
    assert "Now: the kiosk&#39;s own config.toml" in page  # idle countdown: not set
    listing = tech.get(server.url + "/staff/kiosks/settings?lang=en", timeout=10).text
    assert OFFICE in listing and f"/staff/kiosks/{kiosk.device_id}/settings" in listing

    # Cleared on the office's page (an empty field): config.toml's again.
    r = _post(server, tech, f"/staff/kiosks/settings/office?office={OFFICE}", {"survey_mode": ""})
    assert r.status_code == 303
    got = requests.get(server.url + wire.CATALOG_PATH, headers=kiosk.headers, timeout=10).json()
    assert "survey_mode" not in got["settings"]["values"] and "office_hours" not in got["settings"]["values"]
    with engine.connect() as conn:
        actions = [a for (a,) in conn.execute(sa.select(audit_log.c.action).where(
            audit_log.c.target == f"office:{OFFICE}"))]
    assert actions.count("kiosk_setting_set") == 5 and actions.count("kiosk_setting_cleared") == 5


@pytest.mark.parametrize("field,value,message", [
    ("idle_timeout_s", "5", "Harus bilangan bulat dari 15 sampai 3600."),
    ("idle_timeout_s", "sembilan", "Harus bilangan bulat dari 15 sampai 3600."),
    ("languages", "en", "Bahasa Indonesia (id) harus tetap ada"),
    ("survey_mode", "turbo", "Harus \"full\" atau \"quick\"."),
    ("agency_id", "dishub", "Tidak ada instansi dishub dalam katalog yang terbit."),
    ("screen_off", "24:30", "Harus jam yang ditulis JJ:MM"),
    ("office_hours", "setiap hari", "Tulis setiap kelompok"),
    ("unit", "x" * 5000, "Terlalu panjang."),
    ("pin", "123456", None),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(server, engine, tech, field, value, message):
    kiosk = enroll(server, engine, office=OFFICE)
    r = _post(server, tech, f"/staff/kiosks/{kiosk.device_id}/settings", {"survey_mode": "quick", field: value})
    assert r.status_code == 400
    if message:
        assert message.replace('"', "&#34;") in r.text or message in r.text, re.findall(r"error-message[^<]*<[^>]*>([^<]*)", r.text)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(kiosk_settings).where(
            kiosk_settings.c.target == kiosk.device_id)) == 0


def test_a_post_without_the_csrf_token_is_refused_and_unknown_kiosks_are_404(server, engine, tech):
    kiosk = enroll(server, engine, office=OFFICE)
    assert _post(server, tech, f"/staff/kiosks/{kiosk.device_id}/settings", {"survey_mode": "quick"},
                 csrf=False).status_code == 403
    assert tech.get(server.url + "/staff/kiosks/no-such-kiosk/settings", timeout=10).status_code == 404
    assert _post(server, tech, "/staff/kiosks/no-such-kiosk/settings", {"survey_mode": "quick"}).status_code == 404


def test_a_code_made_on_the_page_enrolls_once_is_never_shown_again_and_can_be_cancelled(server, engine, tech):
    r = _post(server, tech, "/staff/kiosks/enroll", {"office": OFFICE, "agency_id": "bappenda", "ttl": "1"})
    assert r.status_code == 200
    code = re.search(r'id="enroll-code">([A-Z0-9-]+)<', r.text).group(1)
    assert "data:image/svg+xml;base64," in r.text
    listing = tech.get(server.url + "/staff/kiosks/enroll", timeout=10).text
    assert code not in listing and code.replace("-", "") not in listing
    # Enrolls once.
    first = requests.post(server.url + "/api/v1/enroll", json={"code": code, "name": "k"}, timeout=10)
    assert first.status_code == 200 and first.json()["office"] == OFFICE
    assert requests.post(server.url + "/api/v1/enroll", json={"code": code, "name": "k"}, timeout=10).status_code >= 400

    # Another code, cancelled on the page, no longer enrolls.
    r = _post(server, tech, "/staff/kiosks/enroll", {"office": OFFICE, "agency_id": "dinkes", "ttl": "24"})
    code2 = re.search(r'id="enroll-code">([A-Z0-9-]+)<', r.text).group(1)
    listing = tech.get(server.url + "/staff/kiosks/enroll", timeout=10).text
    ids = re.findall(r"/staff/kiosks/enroll/([0-9a-f]{12})/cancel", listing)
    assert ids
    for cid in ids:
        assert _post(server, tech, f"/staff/kiosks/enroll/{cid}/cancel", {}).status_code == 303
    assert requests.post(server.url + "/api/v1/enroll", json={"code": code2, "name": "k"}, timeout=10).status_code >= 400
    assert "/cancel" not in tech.get(server.url + "/staff/kiosks/enroll", timeout=10).text

    # Bad input: an agency not in the catalog, no office, a made-up validity.
    for data in ({"office": OFFICE, "agency_id": "dishub", "ttl": "24"}, {"office": "", "agency_id": "bappenda",
                 "ttl": "24"}, {"office": OFFICE, "agency_id": "bappenda", "ttl": "9999"}):
        assert _post(server, tech, "/staff/kiosks/enroll", data).status_code == 400
    assert _post(server, tech, "/staff/kiosks/enroll/zzz/cancel", {}).status_code == 303  # "no longer open"
    with engine.connect() as conn:
        details = [d for (d,) in conn.execute(sa.select(audit_log.c.detail).where(
            audit_log.c.action.in_(["enroll_code_created", "enroll_code_cancelled"])))]
    assert details and not any(code in (d or "") or code2 in (d or "") for d in details)
