"""No record lost, none duplicated: a third of the requests broken on the way, and a server SIGKILLed
in the middle of a push (DESIGN.md, "Sync, the lessons")."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from central.serverkit import Server, database_url
from kiosk.central.db import complaints, records
from kiosk.store.db import Store
from kiosk.sync.worker import Backoff, SyncWorker

from .conftest import add_ratings, enroll_kiosk, file_complaints, kiosk_config, skip_without_postgres
from .faultproxy import FAULTS, FaultProxy, random_plan

pytestmark = pytest.mark.slow


def server_uuids(engine, device_id) -> list[str]:
    with engine.connect() as c:
        return list(c.scalars(sa.select(records.c.uuid).where(records.c.device_id == device_id)))


def kiosk_uuids(store) -> tuple[set[str], set[str]]:
    rows = store.db.execute("SELECT record_uuid, sent_at FROM outbox").fetchall()
    return {u for u, _ in rows}, {u for u, s in rows if s is not None}


def test_5000_records_through_faults_on_a_third_of_the_requests(tmp_path, server, engine):
    with FaultProxy(server.port, random_plan(rate=1 / 3, seed=20261123), delay_s=1.3) as proxy:
        cfg = kiosk_config(tmp_path, proxy.url, timeout=1.0)
        enr = enroll_kiosk(cfg, server, engine)
        store = Store(cfg.db_path)
        file_complaints(store, 4000)
        add_ratings(store, 1000)
        worker = SyncWorker(cfg, store=store, batch_size=100, backoff=Backoff(base_s=0.02, cap_s=0.2),
                            pull_interval_s=0.5, heartbeat_interval_s=0.5, lease_s=5)
        worker.start()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            st = worker.status
            if st.pending == 0 and st.state == "idle":
                break
            time.sleep(0.2)
        worker.stop(timeout=10)
        counts = dict(proxy.counts)
    faults = sum(n for mode, n in counts.items() if mode != "pass")
    assert faults >= 0.2 * sum(counts.values()) and set(FAULTS) <= set(counts), counts
    everything, sent = kiosk_uuids(store)
    on_server = server_uuids(engine, enr.device_id)
    assert len(on_server) == len(set(on_server)) == 5000
    assert set(on_server) == everything == sent  # the outbox drained, exactly these records arrived
    with engine.connect() as c:
        n, codes = c.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(complaints.c.tracking_code)))
            .where(complaints.c.device_id == enr.device_id)
        ).one()
    assert n == codes == 4000
    assert store.db.execute("SELECT count(*) FROM complaints WHERE doc IS NOT NULL").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL").fetchone()[0] == 0
    store.close()


LEASE_S = 5  # settings.validate's lowest push_lease_s

@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_server_killed_mid_push_loses_nothing_it_acknowledged(tmp_path, backend):
    if backend == "postgres":
        skip_without_postgres()
    # The shortest push lease the server allows: a push the kill cut off holds its device's lease until it
    # runs out (pushgate.py), and the restarted server answers 429 until then.
    srv = Server(database_url(backend, tmp_path), env={"IPLIK_CENTRAL_PUSH_LEASE_S": str(LEASE_S)},
                 log_path=tmp_path / "server.log").start()
    engine = srv.engine()
    try:
        cfg = kiosk_config(tmp_path / "kiosk", srv.url, timeout=2.0)
        enr = enroll_kiosk(cfg, srv, engine)
        store = Store(cfg.db_path)
        file_complaints(store, 1500)
        add_ratings(store, 500)
        worker = SyncWorker(cfg, store=store, batch_size=25, backoff=Backoff(base_s=0.05, cap_s=0.3), lease_s=3)
        worker.start()
        while len(kiosk_uuids(store)[1]) < 300:
            time.sleep(0.01)
        srv.kill()  # mid-push: requests are in flight
        time.sleep(0.5)
        worker.stop(timeout=10)
        _everything, acknowledged = kiosk_uuids(store)
        assert 300 <= len(acknowledged) < 2000

        srv.start()  # same port, same database
        assert acknowledged <= set(server_uuids(engine, enr.device_id))

        # Whether the kill landed inside a push (its lease still held: "throttled" until the lease runs out)
        # or between two, the kiosk sends the rest once the lease is free, and nothing twice.
        worker = SyncWorker(cfg, store=store, batch_size=100, backoff=Backoff(base_s=0.05, cap_s=0.3))
        deadline = time.monotonic() + LEASE_S + 15
        st = worker.run_once()
        # Rows that met the 429 wait for its Retry-After before they are due again.
        while (st.state == "throttled" or st.pending) and time.monotonic() < deadline:
            time.sleep(0.5)
            st = worker.run_once()
        worker.stop()
        assert st.state == "idle" and st.pending == 0, st
        on_server = server_uuids(engine, enr.device_id)
        assert len(on_server) == len(set(on_server)) == 2000
        store.close()
    finally:
        srv.stop()
        engine.dispose()
