"""The frame's pure parts: who sees which menu entry, where /staff sends each role, the language rule,
which headers a response gets."""

from __future__ import annotations

import pytest

from kiosk.central.access import Role, Staff
from kiosk.central.web import headers, home, language, menu


def person(role: Role, agencies=()) -> Staff:
    return Staff(user_id=1, username="u", display_name="U", role=role, agencies=frozenset(agencies))


@pytest.mark.parametrize(("role", "agencies", "expected"), [
    (Role.ADMIN, (), ["/staff/complaints", "/staff/templates", "/staff/users", "/staff/audit", "/staff/dashboard",
                      "/staff/standards", "/staff/evidence", "/staff/fleet", "/staff/kiosks/settings"]),
    (Role.DESK, (), ["/staff/complaints", "/staff/templates", "/staff/dashboard", "/staff/standards", "/staff/evidence"]),
    (Role.OFFICER, ("dinkes",), ["/staff/complaints", "/staff/templates", "/staff/dashboard", "/staff/standards", "/staff/evidence"]),
    (Role.OFFICER, (), ["/staff/complaints", "/staff/dashboard"]),
    (Role.VIEWER, (), ["/staff/complaints", "/staff/dashboard", "/staff/standards", "/staff/evidence"]),
    (Role.TECHNICIAN, (), ["/staff/fleet", "/staff/kiosks/settings"]),
])
def test_menu_follows_access(role, agencies, expected):
    assert [href for href, _ in menu.items(person(role, agencies))] == expected


def test_menu_for_nobody_is_empty():
    assert menu.items(None) == []


@pytest.mark.parametrize(("role", "expected"), [
    (Role.ADMIN, "/staff/complaints"),
    (Role.VIEWER, "/staff/complaints"),
    (Role.TECHNICIAN, "/staff/fleet"),  # the fleet is the technician's whole view
])
def test_home_start_page(role, expected):
    assert home.start_page(person(role)) == expected


def test_home_start_page_is_the_first_menu_item_for_non_readers(monkeypatch):
    monkeypatch.setattr(menu, "ENTRIES", (("/staff/fleet", "Fleet", lambda s: True), *menu.ENTRIES))
    assert home.start_page(person(Role.TECHNICIAN)) == "/staff/fleet"


@pytest.mark.parametrize(("query", "cookie", "expected"), [
    (None, None, ("id", False)),
    ("en", None, ("en", True)),
    ("en", "en", ("en", False)),
    ("id", "en", ("id", True)),
    (None, "en", ("en", False)),
    ("fr", "en", ("en", False)),
    ("fr", "xx", ("id", False)),
])
def test_language_choice(query, cookie, expected):
    assert language.choose(query, cookie) == expected


def test_headers_for_paths():
    staff = dict(headers.headers_for("/staff/x", set()))
    assert staff[b"cache-control"] == b"no-store" and staff[b"content-security-policy"] == headers.CSP.encode()
    assert b"cache-control" not in dict(headers.headers_for("/staffing", set()))
    assert b"content-security-policy" not in dict(headers.headers_for("/docs", set()))
    assert b"content-security-policy" not in dict(headers.headers_for("/lacak/x", {b"content-security-policy"}))
