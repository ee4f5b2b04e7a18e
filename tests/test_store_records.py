"""Records and their outbox rows; schema migrations from an empty file and from every earlier step."""

from __future__ import annotations

import pytest

from kiosk.errors import StoreConflict, StoreError
from kiosk.store import catalog as cat
from kiosk.store import records
from kiosk.store.db import Store, connect, migrate
from kiosk.store.schema import MIGRATIONS

DOC = {"class": "pengaduan", "topic": "lambat", "privacy": "anonim", "agency_id": "dinkes", "service_id": None}


def file_complaint(db, uuid="u-1", code="ABCDEFGHJKM"):
    records.insert_complaint(
        db, uuid=uuid, tracking_code=code, created_at="2026-11-23T01:00:00+00:00",
        status="received_at_kiosk", doc=DOC,
    )


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("complaints", "complaint_events", "outbox")}


def test_complaint_written_with_event_and_outbox_row(store):
    file_complaint(store.db)
    assert counts(store.db) == {"complaints": 1, "complaint_events": 1, "outbox": 1}
    row = records.complaint_by_code(store.db, "ABCDEFGHJKM")
    assert row.uuid == "u-1" and row.doc == DOC and row.events[0].status == "received_at_kiosk"
    out = store.db.execute("SELECT kind, record_uuid, attempts, sent_at FROM outbox").fetchone()
    assert out == ("complaint", "u-1", 0, None)


def test_record_and_outbox_row_are_all_or_nothing(store):
    # An outbox row already holding this uuid makes the third insert fail: the complaint and its event
    # must not stay behind.
    store.db.execute(
        "INSERT INTO outbox (kind, record_uuid, created_at) VALUES ('complaint', 'u-1', 'x')"
    )
    with pytest.raises(StoreConflict):
        file_complaint(store.db)
    assert counts(store.db) == {"complaints": 0, "complaint_events": 0, "outbox": 1}


def test_duplicate_tracking_code_is_refused_without_trace(store):
    file_complaint(store.db)
    with pytest.raises(StoreConflict):
        file_complaint(store.db, uuid="u-2")
    assert counts(store.db) == {"complaints": 1, "complaint_events": 1, "outbox": 1}
    assert records.tracking_code_taken(store.db, "ABCDEFGHJKM")


def test_rating_with_outbox_and_ikm_sums(store):
    for i, score in enumerate([4, 3, 2]):
        records.insert_rating(
            store.db, uuid=f"r{i}", created_at="2026-11-23T01:00:00+00:00", kind="ikm",
            service_id="s1", agency_id="a1", scores={f"U{k}": score for k in range(1, 10)}, face=None, doc={},
        )
    records.insert_rating(
        store.db, uuid="q1", created_at="2026-11-23T01:00:00+00:00", kind="quick",
        service_id="s1", agency_id="a1", scores=None, face=1, doc={},
    )
    sums = records.ikm_sums(store.db, service_id="s1")
    assert sums.respondents == 3 and sums.sums["U1"] == 9 and sums.sums["U9"] == 9
    assert records.ikm_sums(store.db, service_id="other").respondents == 0
    assert records.outbox_stats(store.db).pending == 4


def test_migrates_an_empty_file(tmp_path):
    db = connect(tmp_path / "k.db")
    assert migrate(db) == [m.name for m in MIGRATIONS._migrations]
    assert migrate(db) == []  # idempotent
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("step", [m.name for m in MIGRATIONS._migrations][1:])
def test_upgrades_from_every_earlier_step(tmp_path, tiny_catalog, step):
    path = tmp_path / "old.db"
    old = connect(path)
    MIGRATIONS.apply(old, stop_before=step)
    cat.replace_catalog(old, tiny_catalog, cursor="c9")  # a catalog exists from the first step on
    old.close()
    s = Store(path)
    try:
        assert cat.catalog_info(s.db).services == 3 and cat.catalog_cursor(s.db) == "c9"
        file_complaint(s.db)
        assert records.complaint_by_code(s.db, "ABCDEFGHJKM") is not None
    finally:
        s.close()


def test_corrupt_file_is_a_store_error(tmp_path):
    p = tmp_path / "bad.db"
    p.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(p)


def test_each_thread_gets_its_own_connection(store):
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(store.db))
    t.start()
    t.join()
    assert seen[0] is not store.db
