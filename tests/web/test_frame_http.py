"""The frame over real HTTP: security headers, language choice, HTML error pages for people and JSON
for kiosks, the macros' markup. The server runs in a subprocess (tests/web/frame_app.py adds a
test-only page that uses every macro)."""

from __future__ import annotations

import re

import pytest
import requests

from kiosk.central.web import headers

pytestmark = pytest.mark.usefixtures("frame_server")


@pytest.fixture
def get(frame_server):
    def _get(path: str, **kw) -> requests.Response:
        kw.setdefault("allow_redirects", False)
        return requests.get(frame_server.url + path, timeout=10, **kw)

    return _get


# --- headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/_frame", "/staff/no-such-page", "/api/v1/health", "/static/css/staff.css"])
def test_security_headers_on_every_response(get, path):
    r = get(path)
    assert r.headers["Content-Security-Policy"] == headers.CSP
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_staff_pages_are_not_stored(get):
    assert get("/staff/_frame").headers["Cache-Control"] == "no-store"
    assert get("/staff").headers["Cache-Control"] == "no-store"
    assert get("/staff/no-such-page").headers["Cache-Control"] == "no-store"
    assert "no-store" not in get("/static/css/staff.css").headers.get("Cache-Control", "")


def test_a_route_keeps_its_own_csp(get):
    # The receipt's tracking page (public part) sets a stricter, page-specific policy; it is kept.
    r = get("/lacak/not-a-code")
    assert r.status_code == 400
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_static_files_and_vendored_htmx(get):
    r = get("/static/js/htmx.min.js")
    assert r.status_code == 200 and "javascript" in r.headers["Content-Type"]
    assert r.text.startswith("/*! htmx 2.") and "Zero-Clause BSD" in r.text.splitlines()[0]
    assert get("/static/css/staff.css").headers["Content-Type"].startswith("text/css")
    assert get("/static/../kiosk/central/app.py").status_code == 404


# --- language ---------------------------------------------------------------------------------------


def test_indonesian_first(get):
    r = get("/staff/no-such-page")
    assert '<html lang="id">' in r.text
    assert "Halaman tidak ditemukan" in r.text
    assert "set-cookie" not in {k.lower() for k in r.headers}


def test_lang_query_switches_and_is_remembered(frame_server):
    with requests.Session() as s:
        r = s.get(frame_server.url + "/staff/no-such-page?lang=en", timeout=10)
        assert '<html lang="en">' in r.text and "Page not found" in r.text
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("lang=en;") and "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie
        assert "Path=/" in cookie
        r = s.get(frame_server.url + "/staff/no-such-page", timeout=10)
        assert '<html lang="en">' in r.text and "Set-Cookie" not in r.headers
        r = s.get(frame_server.url + "/staff/no-such-page?lang=id", timeout=10)
        assert '<html lang="id">' in r.text and r.headers["Set-Cookie"].startswith("lang=id;")


@pytest.mark.parametrize("query", ["?lang=xx", "?lang=", "?lang=EN%3Cscript%3E"])
def test_unknown_language_falls_back_to_indonesian(get, query):
    r = get("/staff/no-such-page" + query)
    assert '<html lang="id">' in r.text and "Set-Cookie" not in r.headers


def test_bad_cookie_header_is_not_a_500(get):
    r = get("/staff/no-such-page", headers={"Cookie": 'lang="; =;;; \x7f'})
    assert r.status_code == 404 and '<html lang="id">' in r.text


def test_language_switch_links_keep_the_query(get):
    r = get("/staff/_frame?errors=1")
    assert 'href="/staff/_frame?errors=1&amp;lang=en"' in r.text


# --- error pages ------------------------------------------------------------------------------------


def test_api_errors_stay_json(get, frame_server):
    r = get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/json"
    assert r.json()["code"] == "404.1"
    r = requests.post(frame_server.url + "/api/v1/enroll", data="{not json", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "400.1"
    r = requests.get(frame_server.url + "/api/v1/enroll", timeout=10)
    assert r.status_code == 405 and r.json()["code"] == "405.1"


def test_staff_404_is_a_page(get):
    r = get("/staff/no-such-page")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    assert "<h1" in r.text and "Kode kesalahan: 404" in r.text
    assert '<main id="main"' in r.text


def test_lacak_404_is_a_page(get):
    r = get("/lacak/a/b")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")


def test_403_page_shows_only_a_translated_reason(get):
    r = get("/staff/_frame/forbidden")
    assert r.status_code == 403 and "Anda tidak boleh membuka halaman ini" in r.text
    assert "nobody translated" not in r.text  # English never leaks into an Indonesian page
    r = get("/staff/_frame/forbidden?known=1")
    assert r.status_code == 403 and "Formulir ini sudah tidak berlaku" in r.text
    assert "CSRF token" not in r.text
    r = get("/staff/_frame/forbidden?known=1&lang=en")
    assert "CSRF token missing or wrong" in r.text


def test_405_page_keeps_allow(get):
    r = get("/staff/_frame/post-only")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert "Tindakan ini tidak bisa dilakukan di sini" in r.text


def test_bad_query_is_a_400_page_without_the_input(get):
    r = get("/staff/_frame/needs-int?n=5271010101900003x")
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html")
    main = r.text[r.text.index('<main id="main"'):]
    assert "5271010101900003" not in main  # only the language links repeat the address, escaped


def test_crash_is_a_500_page_with_nothing_of_the_error(get, frame_server):
    r = get("/staff/_frame/crash")
    assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/html")
    assert "Terjadi gangguan di pihak kami" in r.text
    assert "must not reach" not in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text
    # It leaves outside the header middleware, so the page sets them itself.
    assert r.headers["Content-Security-Policy"] == headers.CSP and r.headers["Cache-Control"] == "no-store"
    r = requests.get(frame_server.url + "/api/v1/health", timeout=10)
    assert r.status_code == 200  # the server lives on


def test_3xx_http_exception_is_a_redirect(get):
    r = get("/staff/_frame/redirect")
    assert r.status_code == 303 and r.headers["Location"] == "/staff/sign-in?next=/staff/_frame"


def test_home_sends_a_signed_out_visitor_to_sign_in(get):
    r = get("/staff")
    assert r.status_code == 303 and r.headers["Location"].startswith("/staff/sign-in?next=/staff")


# --- layout and macros ------------------------------------------------------------------------------


def test_layout_frame(get):
    html = get("/staff/_frame").text
    assert re.search(r'<a class="skip-link" href="#main">Langsung ke isi utama</a>', html)
    assert 'action="/staff/sign-out"' in html
    assert '<input type="hidden" name="csrf_token" value="test-csrf-token">' in html
    assert '<meta name="csrf-token" content="test-csrf-token">' in html
    assert 'href="/staff/account">Dewi Lestari</a>' in html
    for href in ("/staff/complaints", "/staff/templates", "/staff/users", "/staff/audit"):
        assert f'href="{href}"' in html  # an admin's menu
    assert 'class="flash flash--ok" role="status"' in html
    assert "/static/css/staff.css?v=" in html and "/static/js/htmx.min.js?v=" in html


def test_signed_out_frame_has_no_account_controls(get):
    html = get("/staff/_frame?signed_in=0").text
    assert "sign-out" not in html and "/staff/users" not in html
    assert 'name="csrf-token"' not in html


def test_values_are_escaped(get):
    html = get("/staff/_frame").text
    assert 'value="Dewi &lt;b&gt;Lestari&lt;/b&gt;"' in html
    assert "<b>Lestari" not in html


def test_error_summary_links_to_fields_that_describe_their_error(get):
    html = get("/staff/_frame?errors=1").text
    assert 'class="error-summary" role="alert"' in html
    for name in ("display_name", "role", "agencies"):
        assert f'<a href="#{name}">' in html
        assert f'id="{name}-error"' in html
    assert re.search(r'<input[^>]*id="display_name"[^>]*aria-describedby="display_name-hint display_name-error"'
                     r'[^>]*aria-invalid="true"', html)
    assert re.search(r'<select[^>]*id="role"[^>]*aria-describedby="role-error"', html)
    assert re.search(r'<input[^>]*type="checkbox" id="agencies"', html)  # the summary's target exists
    assert "Ada masalah" in html
    assert "error-summary" not in get("/staff/_frame").text


def test_choices_keep_the_selection(get):
    html = get("/staff/_frame").text
    assert re.search(r'<option value="desk" selected>', html)
    assert re.search(r'id="privacy-2" name="privacy" value="rahasia" checked', html)
    assert re.search(r'id="agencies-2" name="agencies" value="dinkes" checked', html)
    assert not re.search(r'value="bappenda" checked', html)
    assert re.search(r'<strong class="tag tag--late">Overdue</strong>', html)


def test_dates_in_the_server_time_zone_and_language(get):
    html = get("/staff/_frame?errors=1").text
    assert '<span id="dt">7 Desember 2026, 09.30</span>' in html
    assert '<span id="d">17 Agustus 2026</span>' in html
    assert '<span id="u">/staff/_frame?page=2</span>' in html
    html = get("/staff/_frame?lang=en&errors=1").text
    assert '<span id="dt">7 December 2026, 09:30</span>' in html
    assert '<span id="u">/staff/_frame?lang=en&amp;page=2</span>' in html
