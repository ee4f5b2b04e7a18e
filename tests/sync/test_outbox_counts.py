"""The outbox counts the worker reads after every batch never walk the sent rows (issue 12, item 17):
a kiosk keeps every sent row, and a scan of a million of them made each batch 4x slower."""

from __future__ import annotations

import re
import uuid as uuidlib

from kiosk.store import records, sync_ops
from kiosk.store.db import Store

from .conftest import file_complaints


def _plans(db, run) -> dict[str, list[str]]:
    """Every statement ``run`` executes on ``db``, with SQLite's query plan for it."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    return {s: [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + s).fetchall()] for s in selects}


def _fill_sent(db, n: int) -> None:
    """n rows sent as the worker sends them: batches of 200 share one sent_at."""

    def at(i: int) -> str:
        return f"2026-01-01T{i // 200 // 3600 % 24:02d}:{i // 200 // 60 % 60:02d}:{i // 200 % 60:02d}.000000+00:00"

    with db.atomic():
        db.conn.executemany(
            "INSERT INTO outbox (kind, record_uuid, created_at, attempts, sent_at) VALUES ('rating', ?, ?, 1, ?)",
            [(str(uuidlib.uuid4()), at(i), at(i)) for i in range(n)],
        )
    db.execute("ANALYZE")  # the plans a kiosk gets once the table is big


def test_the_summary_queries_read_no_sent_row(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    db = store.db
    _fill_sent(db, 5000)
    file_complaints(store, 3)
    partial = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' "
                                        "AND sql LIKE '%WHERE%'")}
    plans = _plans(db, lambda: (sync_ops.summary(db), sync_ops.next_due_at(db), records.outbox_stats(db)))
    assert len(plans) >= 5, plans
    for sql, steps in plans.items():
        for step in steps:
            if not re.match(r"(SEARCH|SCAN) outbox\b", step):
                continue
            scan_of_partial = re.match(r"SCAN outbox USING (COVERING )?INDEX (\w+)", step)
            # A SEARCH is bounded by its key; a SCAN only of an index that holds no sent row.
            assert step.startswith("SEARCH") or (scan_of_partial and scan_of_partial[2] in partial), (sql, steps)
    store.close()


def test_the_counts_stay_right_through_every_change(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    db = store.db
    _fill_sent(db, 50)
    file_complaints(store, 6)
    items = sync_ops.claim_due(db, limit=6)
    ok = {i.record_uuid: {"status": "stored"} for i in items[:3]}
    ok[items[3].record_uuid] = {"status": "rejected", "code": "record.invalid", "message": "no"}
    sync_ops.record_results(db, items, ok, retry_at=sync_ops.utcnow())
    s = sync_ops.summary(db)
    assert (s.pending, s.failed, s.sent) == (2, 1, 53)
    assert s.last_sent_at is not None and s.last_sent_at > "2026-01-01"
    sync_ops.requeue(db)
    with db.atomic():
        db.execute("UPDATE outbox SET sent_at = NULL WHERE id = (SELECT min(id) FROM outbox)")  # a sent row unsent
        db.execute("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL LIMIT 10)")
    s = sync_ops.summary(db)
    truth = db.execute("SELECT count(sent_at), sum(sent_at IS NULL AND failed_at IS NULL), "
                       "sum(failed_at IS NOT NULL) FROM outbox").fetchone()
    assert (s.sent, s.pending, s.failed) == truth == (42, 4, 0)
    store.close()
