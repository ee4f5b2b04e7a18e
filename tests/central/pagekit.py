"""Signed-in HTTP sessions for page tests of the complaint pages.

Accounts are made with staffkit.make_user (staff.create_user); the session is started with
staff.start_session and put in the browser's cookie, as the sign-in pages do after the password
(and the second factor) were accepted. The sign-in pages themselves are tested by the auth part.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlparse

import requests

from .staffkit import csrf_of, make_user

_n = itertools.count(1)


def session_for(server, engine, role: str, *agencies: str, name: str | None = None) -> tuple[requests.Session, int, str]:
    """(a requests.Session with the staff cookie and ``.csrf``, user id, username)."""
    from kiosk.central import settings as settings_mod
    from kiosk.central import staff

    username = name or f"{role}{next(_n)}"
    uid, _ = make_user(engine, username, role, agencies=agencies)
    raw, csrf = staff.start_session(engine, settings_mod.Settings(), uid)
    s = requests.Session()
    s.cookies.set("iplik_staff", raw, domain=urlparse(server.url).hostname, path="/staff")
    s.csrf = csrf  # type: ignore[attr-defined]
    return s, uid, username


def browser_cookie(server, raw: str) -> dict:
    return {"name": "iplik_staff", "value": raw, "url": server.url + "/staff"}


__all__ = ["csrf_of", "session_for", "browser_cookie"]
