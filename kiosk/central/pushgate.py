"""What one device may push: a quota of records and one push at a time (issue 12, item 8).

Both live in the database (the ``rate_buckets`` table of ``ratelimit.py``), so they hold across server
workers and restarts:

* the quota is a token bucket per device (``push:device:<id>``), one token per record sent. Its burst is
  large enough for a kiosk catching up after weeks offline, and never below one full batch;
* the lease (``push-lease:device:<id>``) is a row whose ``updated`` is the time it expires and whose
  ``tokens`` names its holder. Taken with one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired``
  (atomic on both databases), given back in the push's own transaction, or after ``push_lease_s``
  when the server died mid-push.

A device over either limit gets 429.1 with ``Retry-After`` in whole seconds; other devices are not
affected. The kiosk waits that long before it sends again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from . import errors
from .db import rate_buckets, upsert
from .ratelimit import PRUNE_ONE_IN, Rule, bucket_key, prune, spend_in
from .settings import Settings

# What a second push of a device waits before it tries again while the first is still running.
BUSY_RETRY_AFTER_S = 2
# Expired leases (a server killed mid-push) are swept like refilled buckets: "full" as soon as expired.
LEASE_RULE = Rule("push-lease", burst=0.0, per_minute=60.0)


@dataclass
class Lease:
    """A device's right to push, held from ``PushGate.enter`` until released."""

    engine: Engine
    key: str
    holder: float
    released: bool = False

    def release_in(self, conn: Connection) -> None:
        """Give the lease back inside the push's own transaction (no extra commit)."""
        conn.execute(rate_buckets.delete().where(rate_buckets.c.key == self.key, rate_buckets.c.tokens == self.holder))
        self.released = True

    def release(self) -> None:
        """Give it back on its own, when the push failed before or during its transaction."""
        if not self.released:
            with self.engine.begin() as conn:
                self.release_in(conn)


class PushGate:
    def __init__(self, engine: Engine, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.rule = Rule("push", float(settings.push_burst), settings.push_per_minute)
        self.lease_s = settings.push_lease_s
        self.clock = clock

    def enter(self, device_id: str, records: int) -> Lease:
        """Spend ``records`` of the device's quota and take its lease, or raise the 429 Problem."""
        now = self.clock()
        lease_key = bucket_key(LEASE_RULE, "device:" + device_id)
        holder = float(random.getrandbits(24))  # exact in any float column
        cost = float(min(records, self.rule.burst))
        with self.engine.connect() as conn, _not_flushed(conn):
            if not _take_lease(conn, lease_key, holder, now=now, expires=now + self.lease_s):
                raise errors.too_many(BUSY_RETRY_AFTER_S)
            wait = spend_in(conn, self.rule, "device:" + device_id, cost, now=now)
            if wait > 0:
                # Leaving the transaction by an exception undoes the lease just taken.
                raise errors.too_many(wait)
        if random.randrange(PRUNE_ONE_IN) == 0:
            prune(self.engine, self.rule, now=now)
            prune(self.engine, LEASE_RULE, now=now)
        return Lease(self.engine, lease_key, holder)


@contextmanager
def _not_flushed(conn: Connection) -> Iterator[None]:
    """A write transaction whose commit does not wait for the disk (the log is not flushed for it).

    Safe for the gate alone: the push's own transaction comes after it and does wait (``synchronous=FULL``
    on SQLite, a synchronous commit on PostgreSQL), and both databases write one log in order, so making
    that commit durable makes the gate's writes durable too. A power cut can lose only a gate whose push
    stored nothing: its quota spend (nothing was stored for it) and its lease (free again, as after its
    expiry). Saves one disk flush per push (an fsync on SQLite)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # SQLite refuses to change it inside a transaction; it is kept per connection, so it is set back
        # before the connection returns to the pool.
        conn.connection.driver_connection.execute("PRAGMA synchronous=NORMAL")
    try:
        with conn.begin():
            if not sqlite:
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")  # ends with the transaction
            yield
    finally:
        if sqlite:
            try:
                conn.connection.driver_connection.execute("PRAGMA synchronous=FULL")
            except Exception:
                # Never hand the next writer a connection that might commit without flushing.
                conn.invalidate()
                raise


def _take_lease(conn: Connection, key: str, holder: float, *, now: float, expires: float) -> bool:
    stmt = upsert(conn, rate_buckets).values(key=key, tokens=holder, updated=expires)
    stmt = stmt.on_conflict_do_update(
        index_elements=[rate_buckets.c.key],
        set_={"tokens": stmt.excluded.tokens, "updated": stmt.excluded.updated},
        where=rate_buckets.c.updated < now,
    ).returning(rate_buckets.c.key)
    return conn.execute(stmt).first() is not None

