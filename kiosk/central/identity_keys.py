"""The server's keyring for the identities kiosks seal (``kiosk.domain.sealing``).

One X25519 key pair is current: enrollment hands its public key to a kiosk, which seals every
identity with it from then on. ``rotate`` makes a new current key and retires the others; a retired
key is kept and still opens the records sealed with it (kiosks enrolled before the rotation keep
sealing with it until they are enrolled again). Nothing is ever deleted here: a key gone is a
complaint whose reporter nobody can read.

The private keys are stored in the central database, in ``identity_keys``. That is the server's
trust boundary: whoever can read that database reads the opened identities in ``complaints`` anyway.
What the keys protect is the kiosk: a stolen kiosk holds only ciphertext.

The first key is made on first use (the first enrollment), like ``server_secrets``; ``kiosk central
demo`` installs the DEMO key pair instead, whose public half config.toml ships, so that a demo kiosk
that was never enrolled still syncs to the demo server. The DEMO private key is public (it is in
this file): a real server never holds it unless someone installs it on purpose.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from nacl.public import PrivateKey
from sqlalchemy.engine import Engine

from ..domain import sealing
from ..domain.errors import ValidationError
from ..sync import wire
from . import errors
from .db import identity_keys, now, reader

# DEMO ONLY. Its public half is `privacy.identity_public_key` in the shipped config.toml.
DEMO_PRIVATE_KEY = "3wxUYeyx4guKJIIoMT3YpHYivwhTF9cBRUz5RutFBZ4="
DEMO_PUBLIC_KEY = "hB9muZ7EDeQl8eGX0z86zN2vmbc1edzi52kJLUPNi0k="

_lock = threading.Lock()
# Key id -> private key, per engine. Keys never change once stored, so a cached one is never stale;
# a key id not in the cache is looked up again (another process may have rotated since).
_cache: weakref.WeakKeyDictionary[Engine, dict[str, PrivateKey]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    public_key: str
    created_at: datetime
    retired_at: datetime | None

    @property
    def demo(self) -> bool:
        return self.public_key == DEMO_PUBLIC_KEY


class Unopenable(Exception):
    """A sealed identity this server cannot open: a per-record rejection (422), never a 500."""

    def __init__(self, exc: ValidationError) -> None:
        self.entry = errors.problem_entry(errors.RECORD_INVALID, reason="complaint." + exc.render())
        super().__init__(self.entry["message"])


def _info(row: Any) -> KeyInfo:
    return KeyInfo(row.key_id, row.public_key, row.created_at, row.retired_at)


def _insert(engine: Engine, private: PrivateKey, *, retire_others: bool) -> KeyInfo:
    public = private.public_key
    at = now()
    row = {"key_id": sealing.key_id(public), "public_key": sealing.encode_key(public),
           "private_key": sealing.encode_key(private), "created_at": at}
    with engine.begin() as conn:
        if retire_others:
            conn.execute(identity_keys.update().where(identity_keys.c.retired_at.is_(None)).values(retired_at=at))
        conn.execute(identity_keys.insert().values(**row))
    return KeyInfo(row["key_id"], row["public_key"], at, None)


def _current(engine: Engine) -> KeyInfo | None:
    with reader(engine) as conn:
        row = conn.execute(
            sa.select(identity_keys.c.key_id, identity_keys.c.public_key, identity_keys.c.created_at,
                      identity_keys.c.retired_at)
            .where(identity_keys.c.retired_at.is_(None))
            .order_by(identity_keys.c.created_at.desc(), identity_keys.c.key_id)
            .limit(1)
        ).first()
    return _info(row) if row else None


def current(engine: Engine) -> KeyInfo:
    """The key kiosks seal with from now on; made on first use."""
    found = _current(engine)
    if found is not None:
        return found
    # Two processes making the first key at once both succeed: two current keys, both kept, the newer
    # one handed out from then on. Harmless: every key in the ring opens its own records.
    return _insert(engine, PrivateKey.generate(), retire_others=False)


def rotate(engine: Engine) -> KeyInfo:
    """A new current key; the old ones retired (still opening their records)."""
    return _insert(engine, PrivateKey.generate(), retire_others=True)


def install_demo(engine: Engine, *, retired: bool = False) -> KeyInfo:
    """Put the DEMO key pair in the ring: for ``kiosk central demo``, current in a ring that had no key
    yet; otherwise (or with ``retired``: ``keys accept-demo`` on a real server) added retired, so it
    opens what kiosks sealed with it but is never handed out."""
    private = sealing.private_key(DEMO_PRIVATE_KEY)
    kid = sealing.key_id(private.public_key)
    with reader(engine) as conn:
        row = conn.execute(sa.select(identity_keys).where(identity_keys.c.key_id == kid)).first()
        others = conn.scalar(sa.select(sa.func.count()).select_from(identity_keys))
    if row is not None:
        return _info(row)
    public = private.public_key
    at = now()
    info = KeyInfo(kid, sealing.encode_key(public), at, at if (others or retired) else None)
    with engine.begin() as conn:
        conn.execute(identity_keys.insert().values(key_id=kid, public_key=info.public_key,
                                                   private_key=sealing.encode_key(private), created_at=at,
                                                   retired_at=info.retired_at))
    return info


def keyring(engine: Engine) -> list[KeyInfo]:
    """Every key, newest first (public halves only)."""
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(identity_keys.c.key_id, identity_keys.c.public_key, identity_keys.c.created_at,
                      identity_keys.c.retired_at)
            .order_by(identity_keys.c.created_at.desc(), identity_keys.c.key_id)
        ).all()
    return [_info(r) for r in rows]


def private_key(engine: Engine, kid: str) -> PrivateKey | None:
    with _lock:
        known = _cache.get(engine, {}).get(kid)
    if known is not None:
        return known
    with reader(engine) as conn:
        text = conn.scalar(sa.select(identity_keys.c.private_key).where(identity_keys.c.key_id == kid))
    if text is None:
        return None
    key = sealing.private_key(text)
    with _lock:
        _cache.setdefault(engine, {})[kid] = key
    return key


def open_record(engine: Engine, kind: Any, body: Any) -> Any:
    """The record's body with a sealed complaint identity opened (anything else as it came).

    Raises :class:`Unopenable` (a per-record 422) for an unknown key id or a damaged box. The body
    hash is taken by the caller before this, over what the kiosk sent, so a replay still matches.
    """
    if kind != wire.COMPLAINT or not isinstance(body, Mapping):
        return body
    doc = body.get("complaint")
    if not isinstance(doc, Mapping) or not sealing.is_sealed(doc.get("identity")):
        return body
    try:
        opened = sealing.open_identity(doc, lambda kid: private_key(engine, kid))
    except ValidationError as exc:
        raise Unopenable(exc) from None
    return {**body, "complaint": opened}
