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

from .db import rate_buckets

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


def take_in(conn: Connection, rule: Rule, key: str, cost: float = 1.0, *, now: float) -> float:
    """``take`` inside a write transaction the caller holds."""
    k = bucket_key(rule, key)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(rate_buckets).values(key=k, tokens=float(rule.burst), updated=now).on_conflict_do_nothing())
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
            wait = take_in(conn, self.rule, key, cost, now=now)
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
                .values(tokens=sa.func.min(float(self.rule.burst), rate_buckets.c.tokens + cost)
                        if conn.dialect.name == "sqlite"
                        else sa.func.least(float(self.rule.burst), rate_buckets.c.tokens + cost))
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
