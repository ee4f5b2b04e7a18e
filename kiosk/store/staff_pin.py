"""The staff PIN in the kiosk database (tables from migration m008_staff_pin).

Two things live here: the PIN hash the central server sent for this kiosk's office (preferred to
config.toml's, so an office changes its PIN without touching each kiosk) and the lockout (failures in a
row, when the last lockout began and ends), so that pulling the plug does not reset the count. Neither
holds the PIN itself, and nothing here is personal data.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from ..config import AdminSection
from ..domain.pin import PinGate, is_pin_hash, verify_pin
from ..errors import StoreError
from .db import Store

SOURCE_SERVER = "server"
SOURCE_CONFIG = "config"


@dataclass(frozen=True, slots=True)
class ServerPin:
    pin_hash: str
    set_at: str | None
    received_at: str


@dataclass(frozen=True, slots=True)
class PinCheck:
    """What the PIN screen shows after a try (or on opening, with ``ok`` False and nothing tried)."""

    ok: bool
    source: str  # SOURCE_SERVER, SOURCE_CONFIG, or "" when no PIN is set anywhere
    locked_s: int  # seconds until the next try is allowed; 0 when open
    tries_left: int
    set_at: str | None = None  # when the server's PIN was set


def _store_errors(fn):
    """SQLite's own errors (disk full, a damaged file) reach callers as StoreError, in words."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the staff PIN could not be read or saved ({exc})") from exc

    return wrapper


@_store_errors
def server_pin(db: Database) -> ServerPin | None:
    row = db.execute("SELECT pin_hash, set_at, received_at FROM staff_pin WHERE id = 1").fetchone()
    return ServerPin(*row) if row else None


@_store_errors
def store_server_pin(db: Database, sent: object) -> bool:
    """Keep what the server sent for this office: ``{"pin_hash": ..., "set_at": ...}``, or None when the
    office has no PIN of its own (config.toml's applies again). Returns whether anything changed.
    Raises ValueError for a hash this kiosk would not check (the stored one stays)."""
    if sent is None:
        with db.atomic():
            return db.execute("DELETE FROM staff_pin WHERE id = 1").rowcount > 0
    if not isinstance(sent, dict) or not isinstance(sent.get("pin_hash"), str) or not is_pin_hash(sent["pin_hash"]):
        raise ValueError("not a PIN hash this kiosk can check")
    set_at = sent.get("set_at") if isinstance(sent.get("set_at"), str) else None
    current = server_pin(db)
    if current is not None and (current.pin_hash, current.set_at) == (sent["pin_hash"], set_at):
        return False
    received = datetime.now(UTC).isoformat(timespec="seconds")
    with db.atomic():
        db.execute(
            "INSERT INTO staff_pin (id, pin_hash, set_at, received_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at, "
            "received_at = excluded.received_at",
            (sent["pin_hash"], set_at, received),
        )
    return True


def _gate(db: Database, admin: AdminSection) -> tuple[PinGate, ServerPin | None]:
    pin = server_pin(db)
    stored = pin.pin_hash if pin is not None else admin.pin_hash
    row = db.execute("SELECT failures, locked_at, locked_until FROM pin_lockout WHERE id = 1").fetchone()
    failures, locked_at, locked_until = row if row else (0, 0.0, 0.0)
    gate = PinGate(stored, max_attempts=admin.max_attempts, lockout_s=admin.lockout_s,
                   failures=int(failures), locked_at=float(locked_at), locked_until=float(locked_until))
    return gate, pin


def _check(gate: PinGate, pin: ServerPin | None, now: float, ok: bool = False) -> PinCheck:
    source = SOURCE_SERVER if pin is not None else (SOURCE_CONFIG if gate.stored_hash else "")
    return PinCheck(ok=ok, source=source, locked_s=gate.seconds_left(now) if gate.locked(now) else 0,
                    tries_left=gate.tries_left(), set_at=pin.set_at if pin is not None else None)


@_store_errors
def state(store: Store, admin: AdminSection, *, now: float | None = None) -> PinCheck:
    """Where the PIN comes from and whether the screen is locked, without trying anything."""
    gate, pin = _gate(store.db, admin)
    return _check(gate, pin, time.time() if now is None else now)


@_store_errors
def attempt(store: Store, admin: AdminSection, pin: str, *, now: float | None = None) -> PinCheck:
    """One try at the PIN screen; the outcome is committed before it is returned, so a restart (or a
    pulled plug) right after a wrong PIN still counts it. Runs the slow hash: never on the UI thread."""
    now = time.time() if now is None else now
    db = store.db
    before, _ = _gate(db, admin)
    # The slow hash runs outside the transaction, so the sync worker never waits on it for the lock.
    checked = verify_pin(pin, before.stored_hash) if before.stored_hash and not before.locked(now) else False
    with store.transaction():
        # An immediate transaction: it holds the write lock from its start, so a failure counted by
        # another try in the meantime is read here, never overwritten.
        gate, server = _gate(db, admin)
        ok = gate.try_pin(pin, now, verified=checked if gate.stored_hash == before.stored_hash else None)
        db.execute(
            "UPDATE pin_lockout SET failures = ?, locked_at = ?, locked_until = ?, "
            "last_failure_at = CASE WHEN ? THEN last_failure_at ELSE ? END WHERE id = 1",
            (gate.failures, gate.locked_at, gate.locked_until, ok, now),
        )
    return _check(gate, server, now, ok)


@_store_errors
def clear_lockout(store: Store) -> None:
    """A technician's reset (and the tests'): no failures, no lockout."""
    with store.transaction() as db:
        db.execute("UPDATE pin_lockout SET failures = 0, last_failure_at = NULL, locked_at = 0, locked_until = 0 "
                   "WHERE id = 1")
