"""Per-device limits of the push endpoint (issue 12, item 8): a quota of records answered with 429 and
Retry-After, other devices unaffected, the limit held across server processes; one push per device at
a time."""

from __future__ import annotations

import pytest

from kiosk.central.db import open_database
from kiosk.central.errors import Problem
from kiosk.central.settings import Settings

from .serverkit import Server, complaint_record, database_url, enroll, rating_record
from .test_push import push

BATCH = 20
BURST = 30  # one batch fits, a second does not


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    # A refill of one record a minute: nothing comes back during the test.
    return {"IPLIK_CENTRAL_MAX_BATCH_RECORDS": str(BATCH), "IPLIK_CENTRAL_PUSH_BURST": str(BURST),
            "IPLIK_CENTRAL_PUSH_PER_MINUTE": "1"}


def batch() -> list[dict]:
    return [complaint_record() for _ in range(BATCH - 5)] + [rating_record() for _ in range(5)]


@pytest.mark.slow
def test_a_device_over_its_quota_gets_429_with_retry_after_and_others_go_on(http, server, engine, server_env,
                                                                         tmp_path):
    flood, other = enroll(server, engine), enroll(server, engine)
    r = push(http, server, flood, batch())
    assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"stored"}
    r = push(http, server, flood, batch())
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "429.1" and r.json()["message_id"] == "too_many_requests"
    wait = r.headers["Retry-After"]
    assert wait.isdigit() and int(wait) >= 60  # ten more records at one a minute
    assert wait in r.json()["message"]
    # Another kiosk is not affected.
    assert push(http, server, other, batch()).status_code == 200
    # A second server process on the same database (two workers, as `serve --workers 2` runs them)
    # sees the same bucket: the limit is in the database, not in a process.
    second = Server(server.db_url, env=server_env, log_path=tmp_path / "second.log")
    second.command = lambda: [*Server.command(second), "--workers", "2"]  # type: ignore[method-assign]
    second.start(60)
    try:
        for _ in range(3):  # whichever worker answers
            r = push(http, second, flood, batch())
            assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert push(http, second, other, [complaint_record()]).status_code == 200
    finally:
        second.stop()


def test_a_refused_push_stores_nothing(http, server, engine):
    dev = enroll(server, engine)
    assert push(http, server, dev, batch()).status_code == 200
    recs = batch()
    assert push(http, server, dev, recs).status_code == 429
    other = enroll(server, engine)
    # Nothing of the refused batch was stored: another device can store the same UUIDs.
    res = push(http, server, other, recs).json()["results"]
    assert {x["status"] for x in res} == {"stored"}


@pytest.fixture
def gate_engine(backend, tmp_path):
    e = open_database(Settings(database_url=database_url(backend, tmp_path)))
    yield e
    e.dispose()


def test_one_push_per_device_at_a_time(gate_engine):
    from kiosk.central.pushgate import PushGate

    t = [1000.0]
    settings = Settings(push_burst=10_000, push_per_minute=1000.0, push_lease_s=60.0)
    gate = PushGate(gate_engine, settings, clock=lambda: t[0])
    other_worker = PushGate(gate_engine, settings, clock=lambda: t[0])  # another process, same database
    lease = gate.enter("K-1", 500)
    with pytest.raises(Problem) as refused:
        other_worker.enter("K-1", 10)
    assert refused.value.ptype.status == 429 and int(refused.value.headers["Retry-After"]) >= 1
    other_worker.enter("K-2", 10).release()  # another device is free to push
    lease.release()
    second = other_worker.enter("K-1", 10)
    # A server killed mid-push never releases; the lease runs out and the device pushes again.
    t[0] += 61.0
    gate.enter("K-1", 10).release()
    # The expired holder's late release does not free someone else's lease.
    third = gate.enter("K-1", 10)
    second.release()
    with pytest.raises(Problem):
        other_worker.enter("K-1", 10)
    third.release()


def test_a_push_that_fails_gives_its_lease_back(http, server, engine):
    dev = enroll(server, engine)
    r = http.post(server.url + "/api/v1/sync/push", json={"records": "nonsense"}, headers=dev.headers, timeout=30)
    assert r.status_code == 400
    r = push(http, server, dev, [{"uuid": "x", "kind": "poem", "body": {}}])
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "rejected"
    assert push(http, server, dev, [complaint_record()]).status_code == 200


def test_settings_keep_a_full_batch_within_the_burst():
    from kiosk.errors import ConfigError

    with pytest.raises(ConfigError, match="push_burst"):
        Settings(max_batch_records=500, push_burst=499).replace()


def test_the_gates_one_statement_quota_answers_as_take_in(gate_engine):
    """``take_quota`` (one upsert) against ``ratelimit.take_in`` over a grid of buckets: no bucket, full,
    empty, part full, a clock gone back, a cost over what is there and over the burst. Same answer and,
    when allowed, the same bucket after; a refusal is rolled back by the gate, so only the wait counts."""
    import itertools

    import sqlalchemy as sa

    from kiosk.central.db import rate_buckets
    from kiosk.central.ratelimit import spend_in as take_quota
    from kiosk.central.ratelimit import Rule, bucket_key, take_in

    rule = Rule("push", burst=100.0, per_minute=60.0)  # one token a second
    k = bucket_key(rule, "device:K")

    def run(take, state, cost, now):
        with gate_engine.connect() as conn, conn.begin() as tx:
            conn.execute(rate_buckets.delete().where(rate_buckets.c.key == k))
            if state is not None:
                conn.execute(rate_buckets.insert().values(key=k, tokens=state[0], updated=state[1]))
            wait = take(conn, rule, "device:K", cost, now=now)
            after = conn.execute(sa.select(rate_buckets.c.tokens, rate_buckets.c.updated)
                                 .where(rate_buckets.c.key == k)).one()
            tx.rollback()
        return wait, (tuple(after) if wait == 0 else None)

    states = [None, *itertools.product((0.0, 0.5, 30.0, 99.0, 100.0), (500.0, 970.0, 999.5, 1000.0, 1200.0))]
    for state, cost in itertools.product(states, (1.0, 30.0, 50.5, 100.0, 150.0)):
        want = run(take_in, state, cost, 1000.0)
        got = run(take_quota, state, cost, 1000.0)
        assert got[0] == pytest.approx(want[0]), (state, cost)
        assert (got[1] is None) == (want[1] is None), (state, cost)
        if want[1] is not None:
            assert got[1] == pytest.approx(want[1]), (state, cost)


def test_the_gate_leaves_its_connection_flushing_at_commit(tmp_path):
    """The gate's own commit skips the disk flush; the pooled connections the push's records then use
    must be back to synchronous=FULL (2), after a gate that let the push in and after refused ones."""
    from kiosk.central.pushgate import PushGate

    e = open_database(Settings(database_url=database_url("sqlite", tmp_path)))
    try:
        gate = PushGate(e, Settings(push_burst=500, push_per_minute=1.0))
        gate.enter("K-1", 500).release()
        with pytest.raises(Problem):  # over the quota: the gate's transaction ends by an exception
            gate.enter("K-1", 500)
        lease = gate.enter("K-2", 10)
        with pytest.raises(Problem):  # the lease is held
            gate.enter("K-2", 10)
        lease.release()
        for _ in range(3):
            with e.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        e.dispose()
