"""Staff accounts for tests: make one in the database, sign in through the real pages, make TOTP codes.

Used by every back-office test (and bench/bench_backoffice.py). ``web_sign_in`` goes through the
sign-in pages exactly as a browser does (form token, password, code), so a test that signs in this
way also proves the sign-in works.
"""

from __future__ import annotations

import re
import threading
import time
from html import unescape

import requests

DEFAULT_PASSWORD = "correct horse battery 9"

_CSRF_RE = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>', re.I)
_VALUE_RE = re.compile(r'\bvalue="([^"]*)"', re.I)


def make_user(engine, username: str, role: str, *, agencies=(), password: str = DEFAULT_PASSWORD,
              totp: bool = False, display_name: str | None = None) -> tuple[int, str | None]:
    """An account written through staff.create_user; returns (user id, TOTP secret or None)."""
    from kiosk.central import audit, staff

    secret = staff.new_totp_secret() if totp else None
    user_id = staff.create_user(
        engine, username=username, display_name=display_name or f"Test {role} {username}", role=role,
        password=password, agencies=tuple(agencies), by=audit.SYSTEM, totp_secret=secret,
    )
    return user_id, secret


def csrf_of(html: str) -> str:
    """The value of the first hidden ``csrf_token`` input of a page."""
    m = _CSRF_RE.search(html)
    if not m or not (v := _VALUE_RE.search(m.group(0))):
        raise AssertionError("no csrf_token field on the page")
    return unescape(v.group(1))


# A code is accepted once per 30-second step, and a step may run ahead of the clock by one; the
# steps handed out so far, per secret, so that two sign-ins in one step still get fresh codes.
_used: dict[str, int] = {}
_lock = threading.Lock()


def totp_now(secret: str) -> str:
    """A code for ``secret`` that the server has not seen yet (waits for the next step if need be)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    with _lock:
        while True:
            current = totp.timecode(_utcnow())
            step = max(current, _used.get(secret, -1) + 1)
            if step <= current + 1:
                _used[secret] = step
                return totp.generate_otp(step)
            time.sleep(1)


def _utcnow():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def web_sign_in(server, username: str, password: str = DEFAULT_PASSWORD,
                totp_secret: str | None = None) -> requests.Session:
    """A requests.Session signed in through /staff/sign-in (and /staff/sign-in/totp); ``.csrf`` holds
    the session's CSRF token for posts."""
    s = requests.Session()
    r = s.get(server.url + "/staff/sign-in", timeout=10)
    assert r.status_code == 200, r.status_code
    r = s.post(server.url + "/staff/sign-in", data={
        "username": username, "password": password, "csrf_token": csrf_of(r.text), "next": "/staff/account",
    }, allow_redirects=False, timeout=30)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    location = r.headers["location"]
    if location.startswith("/staff/sign-in/totp"):
        if totp_secret is None:
            raise AssertionError(f"{username} needs a second factor and no TOTP secret was given")
        page = s.get(server.url + location, timeout=10)
        assert page.status_code == 200, page.status_code
        r = s.post(server.url + "/staff/sign-in/totp", data={
            "code": totp_now(totp_secret), "csrf_token": csrf_of(page.text), "next": "/staff/account",
        }, allow_redirects=False, timeout=30)
        assert r.status_code == 303, (r.status_code, r.text[:500])
    account = s.get(server.url + "/staff/account", timeout=10)
    assert account.status_code == 200, account.status_code
    s.csrf = csrf_of(account.text)  # type: ignore[attr-defined]
    return s
