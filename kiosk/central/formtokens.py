"""Signed tokens for the public forms of the tracking page (rate the answer, ask to reopen).

Those forms have no session to hang a CSRF token on, so the page embeds a token that says "this
form, for this tracking code, until this time", signed with HMAC-SHA256 under a per-database key
(``server_secrets``, so every server process checks what any other issued). A post without a token
from a page the server rendered for that very code is refused: a page on another site cannot post
blindly (it would need the code, the citizen's secret, and a fresh token for it), a token lifted
from one report's page does not work for another report or for the other form, and an old token
expires. Replaying a valid token for the same code gains nothing: both actions are once-only or
idempotent by their own rules (``citizen.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from ..errors import KioskError
from . import server_secrets
from .db import now as db_now

SECRET_NAME = "public-form-token"
PURPOSES = ("rating", "reopen")
# Long enough to read an answer and write a reason on a slow phone, short enough to be useless
# to anyone who finds an old page later.
LIFETIME = timedelta(hours=6)


class BadFormToken(KioskError):
    """The form token is missing, forged, for another code or form, or expired."""

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "missing", "forged", "expired": for tests and logs, never shown as is
        super().__init__(reason)


def _sign(key: bytes, purpose: str, code: str, expires: int) -> str:
    mac = hmac.new(key, f"{purpose}\n{code}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(engine: Engine, code: str, purpose: str, *, now: datetime | None = None) -> str:
    """A token for ``purpose`` on the complaint with the (canonical) tracking ``code``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown form purpose {purpose!r}")
    expires = int(((now or db_now()) + LIFETIME).timestamp())
    return f"{expires}.{_sign(server_secrets.get_or_create(engine, SECRET_NAME), purpose, code, expires)}"


def check(engine: Engine, token: str | None, code: str, purpose: str, *, now: datetime | None = None) -> None:
    """Return quietly for a good token; raise :class:`BadFormToken` otherwise."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown form purpose {purpose!r}")
    if not token:
        raise BadFormToken("missing")
    head, _, sig = token.partition(".")
    if not head.isdigit() or len(head) > 12 or not sig or len(sig) > 64:
        raise BadFormToken("forged")
    expires = int(head)
    expected = _sign(server_secrets.get_or_create(engine, SECRET_NAME), purpose, code, expires)
    # Compare before looking at the time, so a forged token cannot learn anything from the answer.
    if not hmac.compare_digest(expected.encode(), sig.encode()):
        raise BadFormToken("forged")
    if (now or db_now()).timestamp() > expires:
        raise BadFormToken("expired")
