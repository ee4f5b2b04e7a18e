"""Random keys made once per database, so every server process and host signs and checks alike.

The first process that needs a key inserts it; a process that loses the race reads the winner's
(the insert fails on the primary key and the row is read back). A key never changes once stored, so
a process may keep it in memory: there is nothing to disagree about. Deleting the row rotates it
(outstanding form tokens then stop verifying, which only costs a citizen a reload of the page).
"""

from __future__ import annotations

import secrets
import threading
import weakref

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import now, reader, server_secrets

_lock = threading.Lock()
# Per engine (a test process holds several databases); weak so a disposed engine's keys go with it.
_cache: weakref.WeakKeyDictionary[Engine, dict[str, bytes]] = weakref.WeakKeyDictionary()


def _read(engine: Engine, name: str) -> str | None:
    with reader(engine) as conn:
        return conn.scalar(sa.select(server_secrets.c.value).where(server_secrets.c.name == name))


def get_or_create(engine: Engine, name: str) -> bytes:
    """The key called ``name`` (32 random bytes), created on first use."""
    with _lock:
        known = _cache.get(engine, {}).get(name)
    if known is not None:
        return known
    value = _read(engine, name)
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(server_secrets.insert().values(name=name, value=secrets.token_hex(32), created_at=now()))
        except sa.exc.IntegrityError:
            pass  # another process won the race: its key is the key
        value = _read(engine, name)
        if value is None:  # pragma: no cover - the row was deleted between insert and read
            raise RuntimeError(f"server secret {name!r} vanished")
    secret = bytes.fromhex(value)
    with _lock:
        _cache.setdefault(engine, {})[name] = secret
    return secret


def forget() -> None:
    """Drop the in-process copies (tests that rotate a key)."""
    with _lock:
        _cache.clear()
