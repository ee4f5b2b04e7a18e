"""The public tracking page in Debian's Chromium, as a citizen on a phone uses it: read the answer,
choose a face, write a comment, send, see the thanks; a second try (another tab) is refused on the
page. No serious or critical axe finding in Indonesian or English, no sideways scrolling at 390 px,
no CSP violation."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
from central.inboxkit import desk_act
from central.serverkit import complaint_record, enroll

from kiosk.central.db import complaints
from kiosk.domain import tracking

from .conftest import axe_violations, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def answered(web_server):
    """Two answered complaints (one to rate, one for the accessibility pass) and a confidential one."""
    engine = web_server.engine()
    device = enroll(web_server, engine)
    codes = []
    for privacy in ("biasa", "anonim", "rahasia"):
        rec = complaint_record(privacy=privacy)
        r = requests.post(web_server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=10)
        assert r.status_code == 200, r.text
        code = rec["body"]["tracking_code"]
        desk_act(engine, code, "forward", agency_id="bappenda")
        desk_act(engine, code, "respond", text="Petugas sudah ditegur dan biaya tambahan dikembalikan.\nTerima kasih.")
        codes.append(tracking.display(code))
    yield codes, engine
    engine.dispose()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_citizen_rates_the_answer_once_on_a_phone(browser, page, web_server, answered):
    (code, _, _), engine = answered
    page.set_viewport_size(PHONE)
    url = f"{web_server.url}/lacak/{code}"
    # A second tab opened before rating: its form is still there, and must be refused after.
    other = page.context.new_page()
    other.goto(url)
    page.goto(url)
    assert page.get_by_text("Petugas sudah ditegur").is_visible()
    page.get_by_text("Puas", exact=True).click()  # the label is the target: the radio itself is hidden
    assert page.locator("input[name=face][value='3']").is_checked()
    page.get_by_label("Komentar (boleh dikosongkan)").fill("Biaya sudah dikembalikan, terima kasih.")
    shot(page, "public-tracking-rate-id-phone")
    page.get_by_role("button", name="Kirim penilaian saya").click()
    page.wait_for_url("**?done=rated*")
    assert page.get_by_role("status").inner_text().startswith("Terima kasih. Penilaian Anda")
    assert page.locator("form[action$='/rating']").count() == 0
    assert axe_violations(page) == [] and no_horizontal_scroll(page) and page.console_errors == []
    shot(page, "public-tracking-thanks-id-phone")

    other.get_by_text("Sangat tidak puas", exact=True).click()
    other.get_by_role("button", name="Kirim penilaian saya").click()
    other.wait_for_load_state()
    summary = other.locator(".error-summary")
    assert summary.is_visible() and "Anda sudah menilai jawaban ini" in summary.inner_text()
    other.close()
    with engine.connect() as conn:
        row = conn.execute(sa.select(complaints.c.citizen_rating, complaints.c.citizen_comment)
                           .where(complaints.c.tracking_code == tracking.parse(code))).one()
    assert tuple(row) == (3, "Biaya sudah dikembalikan, terima kasih.")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_tracking_page_is_accessible(page, web_server, answered, lang, viewport):
    (_, code, secret), _engine = answered
    if viewport:
        page.set_viewport_size(viewport)
    name = f"{lang}-{'phone' if viewport else 'desktop'}"
    page.goto(f"{web_server.url}/lacak/{code}?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == [] and no_horizontal_scroll(page) and page.console_errors == []
    shot(page, f"public-tracking-{name}")
    # The error state: sent without a face; the summary takes focus and links to the first face.
    page.locator("form[action$='/rating'] button").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary a[href='#face']").is_visible()
    assert axe_violations(page) == [] and no_horizontal_scroll(page) and page.console_errors == []
    shot(page, f"public-tracking-error-{name}")
    page.goto(f"{web_server.url}/lacak/{secret}?lang={lang}")
    assert axe_violations(page) == [] and page.console_errors == []
    shot(page, f"public-tracking-confidential-{name}")
