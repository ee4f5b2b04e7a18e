"""The complaint pages in Debian's Chromium: citizen text stays text (no dialog fires), axe finds no
serious or critical problem in either language, bulk forward, the PII confirm step and the template
picker work as a person uses them."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from central.inbox_fixtures import push
from central.inboxkit import desk_act, ensure_catalog
from central.pagekit import session_for

from kiosk.central import audit, response_templates
from kiosk.central.access import Role, Staff
from kiosk.central.db import complaints
from kiosk.domain import tracking

from .conftest import axe_violations, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)> <b>tebal</b> Loket minta uang tambahan."


@pytest.fixture(scope="module")
def engine(web_server):
    e = web_server.engine()
    ensure_catalog(e, "dinkes", "bappenda")
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def desk(web_server, engine):
    s, uid, name = session_for(web_server, engine, "desk")
    return s.cookies.get("iplik_staff"), uid, name


@pytest.fixture(scope="module")
def data(web_server, engine, desk):
    """A few complaints in several states, a template, as the inbox and the detail page show them."""
    dev, codes = push(web_server, engine, 4, description=XSS)
    desk_act(engine, codes[0], "forward", agency_id="bappenda", internal_note="Prioritas minggu ini")
    desk_act(engine, codes[1], "hold", note="Menunggu dokumen dari pelapor")
    with engine.begin() as conn:  # one overdue row, for the "late" tag
        conn.execute(complaints.update().where(complaints.c.tracking_code == codes[2]).values(due_on=__import__("datetime").date(2020, 1, 6)))
    staff = Staff(desk[1], desk[2], desk[2], Role.DESK)
    response_templates.save(engine, staff, audit.Actor(desk[1], desk[2]), agency_id="bappenda",
                            title="Pajak kendaraan", body="Terima kasih. Pembayaran pajak Anda sudah kami periksa.")
    return dev, codes


def sign_in(page, server, raw):
    page.context.add_cookies([{"name": "iplik_staff", "value": raw, "domain": urlparse(server.url).hostname,
                               "path": "/staff"}])


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_citizen_html_is_shown_as_text_and_no_dialog_fires(page, web_server, desk, data):
    dev, codes = data
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, web_server, desk[0])
    page.goto(f"{web_server.url}/staff/complaints?device={dev}")
    assert "<script>alert(1)</script>" in page.locator("tbody .text-block").first.inner_text()
    page.goto(f"{web_server.url}/staff/complaints/{tracking.display(codes[0])}")
    assert "<b>tebal</b>" in page.locator("main .text-block").first.inner_text()
    assert page.locator("main b").count() == 0 and page.locator("main img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == [] and page.console_errors == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_have_no_serious_axe_finding_and_fit_a_phone(page, web_server, desk, data, lang):
    dev, codes = data
    sign_in(page, web_server, desk[0])
    pages = {
        "inbox": f"/staff/complaints?device={dev}",
        "inbox-error": "/staff/complaints?from=2026-02-30",
        "detail": f"/staff/complaints/{tracking.display(codes[0])}",
        "detail-new": f"/staff/complaints/{tracking.display(codes[3])}",
        "templates": "/staff/templates",
    }
    for name, path in pages.items():
        for viewport, label in ((None, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport or {"width": 1366, "height": 768})
            sep = "&" if "?" in path else "?"
            page.goto(f"{web_server.url}{path}{sep}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            assert axe_violations(page) == [], (name, label)
            assert no_horizontal_scroll(page), (name, label)
            shot(page, f"inbox-{name}-{lang}-{label}")
    assert page.console_errors == []


def test_bulk_forward_from_the_inbox(page, web_server, engine, desk):
    dev, codes = push(web_server, engine, 3)
    sign_in(page, web_server, desk[0])
    page.goto(f"{web_server.url}/staff/complaints?device={dev}")
    boxes = page.locator("input[name=code]")
    assert boxes.count() == 3
    chosen = [boxes.nth(0).get_attribute("value"), boxes.nth(2).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.check("input[name=bulk_action][value=forward]")
    page.select_option("#agency_id", "dinkes")
    page.locator(".bulk button[type=submit]").click()
    page.wait_for_load_state()
    assert "2" in page.locator(".flash__text").inner_text()
    with engine.connect() as conn:
        st = dict(conn.execute(sa.select(complaints.c.tracking_code, complaints.c.status)
                               .where(complaints.c.tracking_code.in_(codes))).all())
    assert sorted(st.values()) == ["forwarded", "forwarded", "sent"]
    assert {tracking.display(c) for c, v in st.items() if v == "forwarded"} == set(chosen)
    assert axe_violations(page) == []


def test_answer_with_a_template_and_the_personal_data_check(page, web_server, engine, desk, data):
    _, codes = data
    code = tracking.display(codes[0])
    sign_in(page, web_server, desk[0])
    page.goto(f"{web_server.url}/staff/complaints/{code}")
    page.select_option("#respond-template", label="Pajak kendaraan")
    assert page.input_value("#respond-text").startswith("Terima kasih. Pembayaran pajak")
    page.fill("#respond-text", "Hubungi petugas kami di 0812-3456-7890 untuk pengembalian uang.")
    page.locator("#action-respond button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".panel--warn").is_visible()
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert axe_violations(page) == []
    page.check("#confirmed")
    page.locator("#action-respond button[type=submit]").click()
    page.wait_for_url(f"**/staff/complaints/{code}?done=respond")
    assert page.locator(".flash__text").is_visible()
    with engine.connect() as conn:
        assert conn.scalar(sa.select(complaints.c.status).where(complaints.c.tracking_code == codes[0])) == "followed_up"
