"""Token buckets in the database: one limit seen by every process, kept across restarts."""

from __future__ import annotations

import threading

import pytest

from kiosk.central.db import open_database
from kiosk.central.ratelimit import DbRateLimiter, Rule, bucket_key, prune
from kiosk.central.settings import Settings

from .serverkit import database_url

RULE = Rule("t", burst=3, per_minute=60)  # one token a second


@pytest.fixture
def url(backend, tmp_path):
    return database_url(backend, tmp_path)


@pytest.fixture
def engine(url):
    e = open_database(Settings(database_url=url))
    yield e
    e.dispose()


def test_burst_then_wait_then_refill(engine):
    lim = DbRateLimiter(engine, RULE)
    assert [lim.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert lim.take("a", now=100.0) == pytest.approx(1.0)
    assert lim.take("b", now=100.0) == 0.0  # another key has its own bucket
    assert lim.take("a", now=101.0) == 0.0  # a second later one token is back


def test_the_limit_survives_a_new_engine_as_after_a_restart(engine, url):
    DbRateLimiter(engine, RULE).take("x", cost=3, now=50.0)
    other = open_database(Settings(database_url=url))
    try:
        assert DbRateLimiter(other, RULE).take("x", now=50.0) > 0
    finally:
        other.dispose()


def test_a_clock_going_back_mints_nothing(engine):
    lim = DbRateLimiter(engine, RULE)
    lim.take("c", cost=3, now=1000.0)
    assert lim.take("c", now=10.0) > 0


def test_concurrent_takers_never_spend_more_than_the_burst(engine):
    lim = DbRateLimiter(engine, Rule("c", burst=20, per_minute=0.0001))
    allowed = []

    def worker():
        for _ in range(10):
            if lim.take("shared", now=500.0) == 0.0:
                allowed.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 20


def test_refund_and_prune(engine):
    lim = DbRateLimiter(engine, RULE)
    lim.take("r", cost=3, now=10.0)
    lim.refund("r", 1, now=10.0)
    assert lim.take("r", now=10.0) == 0.0
    assert prune(engine, RULE, now=10.0) == 0  # still spent
    assert prune(engine, RULE, now=10.0 + RULE.full_after_s() + 1) == 1


def test_long_keys_are_hashed_to_fit():
    k = bucket_key(RULE, "x" * 500)
    assert len(k) <= 200 and k.startswith("t:#")
