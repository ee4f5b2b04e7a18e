"""Token buckets kept in the database, so a limit holds across server processes and restarts.

A bucket holds up to ``burst`` tokens and refills at ``per_minute``; a request spends ``cost`` tokens
(one lookup, or the number of records in a push). ``take`` answers 0 when the request may go on, else
the seconds until it could (for ``Retry-After``). One row per key in ``rate_buckets``, read and written
in one write transaction (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL), so
two processes never both spend the last token.

Keys name what is limited, e.g. ``track:ip:203.0.113.0`` or ``push:device:K-1A2B``; they are hashed
when long, and never hold personal data. Buckets that have refilled completely are the same as no row,
so they are deleted now and then (``prune``) to keep the table small.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .db import rate_buckets, upsert

MAX_KEY = 200
# About one call in this many also deletes buckets that are full again.
PRUNE_ONE_IN = 500


@dataclass(frozen=True)
class Rule:
    """A named limit: ``burst`` at once, refilled at ``per_minute``."""

    name: str
    burst: float
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    def full_after_s(self) -> float:
        """Seconds an untouched bucket takes to refill from empty."""
        return self.burst / self.per_second if self.per_second > 0 else float("inf")


def bucket_key(rule: Rule, key: str) -> str:
    full = f"{rule.name}:{key}"
    if len(full) <= MAX_KEY:
        return full
    return f"{rule.name}:#" + hashlib.sha256(key.encode()).hexdigest()


def _wait(rule: Rule, tokens: float, cost: float) -> float:
    if rule.per_second <= 0:
        return 3600.0
    return max((cost - tokens) / rule.per_second, 0.001)


def _least_greatest(conn: Connection):
    """SQL's two-argument min and max: ``least``/``greatest`` on PostgreSQL, ``min``/``max`` on SQLite."""
    if conn.dialect.name == "postgresql":
        return sa.func.least, sa.func.greatest
    return sa.func.min, sa.func.max


def take_in(conn: Connection, rule: Rule, key: str, cost: float = 1.0, *, now: float) -> float:
    """``take`` inside a write transaction the caller holds: read the bucket, refill, spend. The plain
    definition; :func:`spend_in` does the same in one statement."""
    k = bucket_key(rule, key)
    conn.execute(upsert(conn, rate_buckets).values(key=k, tokens=float(rule.burst), updated=now).on_conflict_do_nothing())
    query = sa.select(rate_buckets.c.tokens, rate_buckets.c.updated).where(rate_buckets.c.key == k)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    tokens, updated = conn.execute(query).one()
    # A clock that went back must not mint tokens or make a negative refill.
    elapsed = max(now - updated, 0.0)
    tokens = min(float(rule.burst), tokens + elapsed * rule.per_second)
    if tokens >= cost:
        conn.execute(rate_buckets.update().where(rate_buckets.c.key == k).values(tokens=tokens - cost, updated=now))
        return 0.0
    conn.execute(rate_buckets.update().where(rate_buckets.c.key == k).values(tokens=tokens, updated=now))
    return _wait(rule, tokens, cost)


def spend_in(conn: Connection, rule: Rule, key: str, cost: float, *, now: float) -> float:
    """:func:`take_in` in one statement (one round trip instead of three, for limits taken on every
    request): refill and spend in an ``INSERT ... ON CONFLICT DO UPDATE ... WHERE enough``, atomic on
    both databases. Only a refusal reads the bucket, for the wait, and writes nothing (the refill is
    worked out from ``updated`` again next time). A test compares it with ``take_in`` over a grid of
    buckets."""
    k = bucket_key(rule, key)
    least, greatest = _least_greatest(conn)
    burst, per_s = float(rule.burst), float(rule.per_second)
    # As take_in: a clock that went back must not mint tokens or make a negative refill.
    refilled = least(sa.literal(burst), rate_buckets.c.tokens
                     + greatest(sa.literal(now) - rate_buckets.c.updated, sa.literal(0.0)) * sa.literal(per_s))
    stmt = upsert(conn, rate_buckets).values(key=k, tokens=burst - cost, updated=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[rate_buckets.c.key],
        set_={"tokens": refilled - sa.literal(cost), "updated": sa.literal(now)},
        where=refilled >= sa.literal(cost),
    ).returning(rate_buckets.c.key)
    if burst >= cost and conn.execute(stmt).first() is not None:
        return 0.0
    if burst < cost:
        return take_in(conn, rule, key, cost, now=now)
    tokens, updated = conn.execute(
        sa.select(rate_buckets.c.tokens, rate_buckets.c.updated).where(rate_buckets.c.key == k)).one()
    return _wait(rule, min(burst, tokens + max(now - updated, 0.0) * per_s), cost)


class DbRateLimiter:
    """A :class:`Rule` applied through the database behind ``engine``."""

    def __init__(self, engine: Engine, rule: Rule, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.rule = rule
        self.clock = clock

    def take(self, key: str, cost: float = 1.0, now: float | None = None) -> float:
        """Spend ``cost`` from ``key``'s bucket. Returns 0 when allowed, else the seconds to wait.

        A cost above the burst can never be paid at once; the answer is then the time to a full bucket,
        and the caller must split the work (the push limit is never below the largest batch)."""
        now = self.clock() if now is None else now
        cost = min(float(cost), float(self.rule.burst))
        with self.engine.begin() as conn:
            wait = spend_in(conn, self.rule, key, cost, now=now)
        if random.randrange(PRUNE_ONE_IN) == 0:
            prune(self.engine, self.rule, now=now)
        return wait

    def refund(self, key: str, cost: float = 1.0, now: float | None = None) -> None:
        """Give tokens back (e.g. a lookup that turned out to be a valid code)."""
        now = self.clock() if now is None else now
        k = bucket_key(self.rule, key)
        with self.engine.begin() as conn:
            conn.execute(
                rate_buckets.update()
                .where(rate_buckets.c.key == k)
                .values(tokens=_least_greatest(conn)[0](float(self.rule.burst), rate_buckets.c.tokens + cost))
            )


def prune(engine: Engine, rule: Rule, *, now: float | None = None) -> int:
    """Delete this rule's buckets that have refilled completely (they mean the same as no row)."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        result = conn.execute(
            rate_buckets.delete().where(
                rate_buckets.c.key.like(f"{rule.name}:%"),
                rate_buckets.c.updated < now - rule.full_after_s(),
            )
        )
    return result.rowcount or 0
