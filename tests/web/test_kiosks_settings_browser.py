"""The kiosk settings and enrollment pages in Debian's Chromium (issue 15): a technician makes an
enrollment code, the QR on the page (as the browser drew it) decodes to the code, which enrolls one kiosk
once; the technician sets an office's survey mode and sees it as that kiosk's value; axe finds nothing
serious; an officer is refused. Screenshots: out/staff-screens/kiosks-*.png."""

from __future__ import annotations

import io

import pytest
import requests
from central.inboxkit import ensure_catalog
from central.staffkit import make_user

from kiosk.sync import wire

from .conftest import axe_violations, shot
from .dashkit import sign_in

pytestmark = pytest.mark.browser
OFFICE = "Kantor Samsat Mataram"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def people(web_server):
    engine = web_server.engine()
    ensure_catalog(engine, "dinkes", "bappenda")
    make_user(engine, "tekno", "technician", display_name="Tekno Kios")
    make_user(engine, "okta", "officer", agencies=["dinkes"], display_name="Okta Dinkes")
    yield engine
    engine.dispose()


def _decode(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    return found[0].text


def test_a_code_made_on_the_page_is_in_its_qr_and_enrolls_a_kiosk_once(web_server, people, page):
    sign_in(page, web_server, "tekno", next_path="/staff/kiosks/settings")
    assert page.locator("nav a[href='/staff/kiosks/settings']").count() == 1  # the menu entry
    page.goto(web_server.url + "/staff/kiosks/enroll")
    page.fill("#office", OFFICE)
    page.select_option("#agency_id", "bappenda")
    page.click("main form[action='/staff/kiosks/enroll'] button[type=submit]")
    page.wait_for_selector("#enroll-code")
    code = page.inner_text("#enroll-code").strip()
    assert _decode(page.locator("img.qr").screenshot()) == code
    assert f"--code {code}" in page.inner_text("main")
    assert axe_violations(page) == []
    shot(page, "kiosks-enroll-code-1366")

    first = requests.post(web_server.url + "/api/v1/enroll", json={"code": code, "name": "Kios lobi"}, timeout=10)
    assert first.status_code == 200 and first.json()["office"] == OFFICE and first.json()["agency_id"] == "bappenda"
    again = requests.post(web_server.url + "/api/v1/enroll", json={"code": code, "name": "x"}, timeout=10)
    assert again.status_code >= 400
    device = first.json()

    # The office's settings: quick survey for every kiosk of the office; the kiosk's page shows where from.
    page.goto(web_server.url + "/staff/kiosks/settings")
    page.click(f"text={OFFICE}")
    page.select_option("#survey_mode", "quick")
    page.fill("#screen_off", "21:00")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url("**done=saved**")
    assert "Tersimpan." in page.inner_text("main")
    page.goto(f"{web_server.url}/staff/kiosks/{device['device_id']}/settings")
    assert "Sekarang: quick (Diatur untuk kantornya)" in page.inner_text("main")
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, "kiosks-settings-kiosk-1366")
    page.set_viewport_size(PHONE)
    shot(page, "kiosks-settings-kiosk-390")
    got = requests.get(web_server.url + wire.CATALOG_PATH, timeout=10,
                       headers={"Authorization": f"Bearer {device['token']}"}).json()
    assert got["settings"]["values"] == {"survey_mode": "quick", "screen_off": "21:00"}

    # A bad value: the message in Indonesian beside the field, nothing changed.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.fill("#idle_timeout_s", "5")
    page.click("main form[method=post] button[type=submit]")
    assert "Harus bilangan bulat dari 15 sampai 3600." in page.inner_text("main")
    assert page.locator("#idle_timeout_s[aria-invalid=true]").count() == 1
    page.goto(web_server.url + "/staff/kiosks/settings")
    assert axe_violations(page) == []
    shot(page, "kiosks-settings-list-1366")


def test_an_officer_gets_403_and_no_menu_entry(web_server, people, page):
    sign_in(page, web_server, "okta", next_path="/staff/complaints")
    assert page.locator("a[href='/staff/kiosks/settings']").count() == 0
    for path in ("/staff/kiosks/settings", "/staff/kiosks/enroll"):
        assert page.goto(web_server.url + path).status == 403
