"""The sign-in, account, users and audit pages in Debian's Chromium: a person signs in with a second
factor and changes their password, an administrator creates an officer; every page is axe-clean
(serious, critical) in Indonesian and English, on a desktop and a 390 px phone."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from central.staffkit import DEFAULT_PASSWORD, make_user, totp_now
from kiosk.central.db import staff_users
from kiosk.paths import DEMO_CATALOG

from .conftest import axe_violations, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def accounts(web_server):
    from kiosk.central import catalog

    engine = web_server.engine()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    _aid, admin_secret = make_user(engine, "ayu", "admin", totp=True, display_name="Ayu Pratiwi")
    make_user(engine, "citra", "officer", agencies=["dinkes"], display_name="Citra Wulandari")
    yield {"engine": engine, "admin_secret": admin_secret}
    engine.dispose()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def sign_in(page, server, username, password=DEFAULT_PASSWORD, secret=None, next_path="/staff/account"):
    page.goto(f"{server.url}/staff/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit] >> text=Masuk")
    if secret:
        page.wait_for_url(re.compile(r".*/staff/sign-in/totp.*"))
        page.fill("#code", totp_now(secret))
        page.click("button[type=submit] >> text=Lanjutkan")
    page.wait_for_url(re.compile(".*" + re.escape(next_path) + "$"))


def test_sign_in_with_totp_then_change_password(page, web_server, accounts):
    engine = accounts["engine"]
    _uid, secret = make_user(engine, "dedi", "desk", totp=True, display_name="Dedi Kurniawan")
    page.goto(f"{web_server.url}/staff/sign-in")
    assert axe_violations(page) == []
    # A wrong password: the form comes back with the message, linked from the error summary.
    page.fill("#username", "dedi")
    page.fill("#password", "bukan kata sandinya")
    page.click("button[type=submit] >> text=Masuk")
    assert page.locator(".error-summary").inner_text().count("tidak benar") == 1
    assert axe_violations(page) == []
    sign_in(page, web_server, "dedi", secret=secret)
    assert page.locator("h1").inner_text() == "Akun Anda"
    page.fill("#current_password", DEFAULT_PASSWORD)
    page.fill("#new_password", "sate rembiga pedas 77 malam")
    page.fill("#confirm_password", "sate rembiga pedas 77 malam")
    page.click("button >> text=Ganti kata sandi")
    page.wait_for_url(re.compile(r".*/staff/account\?done=password$"))
    assert "sudah diganti" in page.locator(".flash").inner_text()
    assert axe_violations(page) == []
    assert page.console_errors == []
    # Signed out, the new password (and a fresh code) signs in; the old one does not.
    page.click("button >> text=Keluar")
    page.wait_for_url(re.compile(r".*/staff/sign-in$"))
    sign_in(page, web_server, "dedi", "sate rembiga pedas 77 malam", secret)


def test_first_sign_in_sets_up_the_second_factor(page, web_server, accounts):
    import pyotp

    make_user(accounts["engine"], "eko", "desk", display_name="Eko Saputra")
    page.goto(f"{web_server.url}/staff/sign-in?next=/staff/account")
    page.fill("#username", "eko")
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit] >> text=Masuk")
    page.wait_for_url(re.compile(r".*/staff/sign-in/totp.*"))
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert axe_violations(page) == []
    shot(page, "auth-totp-setup-id")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit] >> text=Lanjutkan")
    page.wait_for_url(re.compile(r".*/staff/account$"))
    assert "Aktif" in page.locator("main").inner_text()


def test_admin_creates_an_officer(page, web_server, accounts):
    sign_in(page, web_server, "ayu", secret=accounts["admin_secret"], next_path="/staff/users/new")
    page.fill("#username", "fajar")
    page.fill("#display_name", "Fajar Hidayat")
    page.check("input[name=role][value=officer]")
    page.locator("input[name=agencies]").first.check()
    page.fill("#password", "gili trawangan senja 4 biru")
    page.click("button >> text=Buat akun")
    page.wait_for_url(re.compile(r".*/staff/users/\d+\?done=created$"))
    assert "Akun sudah dibuat" in page.locator(".flash").inner_text()
    with accounts["engine"].connect() as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.username == "fajar")).one()
    assert row.role == "officer" and row.must_change_password
    page.goto(f"{web_server.url}/staff/users")
    assert "fajar" in page.locator("table").inner_text()


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_pages_are_accessible(page, web_server, accounts, lang, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, web_server, "ayu", secret=accounts["admin_secret"])
    for name, path in [("account", "/staff/account"), ("users", "/staff/users"), ("user-new", "/staff/users/new"),
                       ("user-edit", "/staff/users/1"), ("audit", "/staff/audit"),
                       ("audit-errors", "/staff/audit?code=ZZ&from=x")]:
        page.goto(f"{web_server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert axe_violations(page) == [], path
        assert no_horizontal_scroll(page), path
        shot(page, f"auth-{name}-{lang}-{'phone' if viewport else 'desktop'}")
    assert page.console_errors == []
    page.goto(f"{web_server.url}/staff/sign-in?lang={lang}")
    assert axe_violations(page) == []
