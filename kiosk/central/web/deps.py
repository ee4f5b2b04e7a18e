"""What the staff pages depend on: the signed-in person (``StaffDep``), the CSRF check, role gates.

``StaffDep`` is the only way a staff route learns who is asking. With no valid, fully signed-in
session it answers 303 to the sign-in page (which comes back to the page asked for); on every
request that can change something (not GET/HEAD) it compares the CSRF token of the form field
``csrf_token`` or the ``X-CSRF-Token`` header with the session's, in constant time, and answers 403
when they differ. Whether a role may use a page is decided by ``access.py``, through ``require``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from .. import staff as staff_mod
from ..access import Staff
from ..audit import Actor
from ..deps import client_address

COOKIE = "iplik_staff"
COOKIE_PATH = "/staff"
SIGN_IN_PATH = "/staff/sign-in"
# Where a person who must change their password is sent, and what they may still reach meanwhile.
ACCOUNT_PATH = "/staff/account"
_OPEN_WHILE_MUST_CHANGE = (ACCOUNT_PATH, "/staff/sign-out")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

COOKIE = "iplik_staff"


def safe_next(value: str | None, default: str = "/staff") -> str:
    """A local /staff path to come back to after sign-in; anything else (another host, ``//evil``,
    a backslash trick) becomes the default, so the sign-in page is no open redirect."""
    if not value or not (value == "/staff" or value.startswith(("/staff/", "/staff?"))) or "\\" in value:
        return default
    if any(ch in value for ch in "\r\n\t") or len(value) > 500:
        return default
    return value


def _redirect(location: str) -> HTTPException:
    return HTTPException(status_code=303, headers={"Location": location})


async def _csrf_given(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it: the route reads the same form again
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


def check_csrf(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


async def current_staff(request: Request) -> Staff:
    cached = getattr(request.state, "staff", None)
    if cached is not None:
        return cached
    app = request.app
    engine, settings = app.state.engine, app.state.settings
    raw = request.cookies.get(COOKIE)
    # The database calls run in the thread pool: this dependency is async (it may read the form for
    # the CSRF token) and must not stall the event loop while SQLite or PostgreSQL answers.
    info = await run_in_threadpool(staff_mod.session_info, engine, settings, raw)
    if info is None or info.stage != staff_mod.STAGE_FULL:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method not in SAFE_METHODS:
            target = request.url.path
        raise _redirect(f"{SIGN_IN_PATH}?next={quote(safe_next(target), safe='/')}")
    try:
        person = await run_in_threadpool(staff_mod.staff_by_id, engine, info.user_id)
    except staff_mod.StaffNotFound:
        raise _redirect(SIGN_IN_PATH) from None
    request.state.csrf = info.csrf
    if request.method not in SAFE_METHODS and not check_csrf(await _csrf_given(request), info.csrf):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
    if info.must_change_password and not request.url.path.startswith(_OPEN_WHILE_MUST_CHANGE):
        raise _redirect(ACCOUNT_PATH)
    request.state.staff = person
    request.state.must_change_password = info.must_change_password
    return person


StaffDep = Annotated[Staff, Depends(current_staff)]


def require(check: Callable[[Staff], bool]) -> Callable[..., object]:
    """A dependency: the signed-in Staff when ``check(staff)`` (an access.* function) says yes, else 403."""

    async def dependency(person: StaffDep) -> Staff:
        if not check(person):
            raise HTTPException(status_code=403, detail="Not allowed for this role")
        return person

    return dependency


def actor(request: Request, staff: Staff) -> Actor:
    """Who an audit row written by this request names."""
    return Actor.of(staff, client_address(request))
