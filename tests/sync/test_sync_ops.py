"""The outbox and pulled changes in the kiosk's SQLite (no server): claim, acknowledge, purge, apply."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.errors import StoreConflict
from kiosk.store import records, sync_ops
from kiosk.sync import wire

from .conftest import add_ratings, file_complaints


def test_claim_counts_the_attempt_and_leases_the_rows(store):
    file_complaints(store, 3)
    add_ratings(store, 2)
    now = sync_ops.utcnow()
    items = sync_ops.claim_due(store.db, limit=10, now=now, lease_s=60)
    assert len(items) == 5 and {i.kind for i in items} == {"complaint", "rating"}
    assert all(i.attempts == 1 and i.body is not None for i in items)
    complaint = next(i for i in items if i.kind == "complaint")
    assert set(complaint.body) == {"tracking_code", "created_at", "complaint"}
    assert complaint.body["complaint"]["identity"]["nik"]
    # Leased: a second sender finds nothing until the lease ends.
    assert sync_ops.claim_due(store.db, limit=10, now=now + timedelta(seconds=30)) == []
    assert len(sync_ops.claim_due(store.db, limit=10, now=now + timedelta(seconds=61))) == 5


def test_acknowledged_complaints_are_marked_sent_and_purged_and_keep_code_and_status(store):
    (uid, code), (other, _) = file_complaints(store, 2)
    items = sync_ops.claim_due(store.db, limit=10)
    results = {uid: {"status": wire.STORED}, other: {"status": wire.CONFLICT, "code": "409.1", "message": "differs"}}
    out = sync_ops.record_results(store.db, items, results, retry_at=sync_ops.utcnow())
    assert (out.sent, out.failed_final, out.unacknowledged) == (1, 1, 0)
    row = records.complaint_by_code(store.db, code)
    assert row.doc is None and row.purged_at is not None
    assert row.status == "sent" and [e.status for e in row.events] == ["received_at_kiosk", "sent"]
    assert row.tracking_code == code and row.topic == "pungli"
    kept = store.db.execute("SELECT doc FROM complaints WHERE uuid = ?", [other]).fetchone()[0]
    assert kept is not None  # refused: never purged, the data is still there for staff
    s = sync_ops.summary(store.db)
    assert (s.pending, s.failed, s.sent) == (0, 1, 1)
    assert s.problems[0].failure_code == "409.1" and "differs" in s.problems[0].last_error
    assert sync_ops.claim_due(store.db, limit=10) == []  # a refused record is not retried on its own
    assert sync_ops.requeue(store.db, other) == 1
    assert [i.record_uuid for i in sync_ops.claim_due(store.db, limit=10)] == [other]


def test_a_record_missing_from_the_answer_is_not_sent(store):
    (a, _), (b, code_b) = file_complaints(store, 2)
    items = sync_ops.claim_due(store.db, limit=10)
    later = sync_ops.utcnow() + timedelta(seconds=30)
    out = sync_ops.record_results(store.db, items, {a: {"status": wire.REPLAY}}, retry_at=later)
    assert out.unacknowledged == 1
    assert records.complaint_by_code(store.db, code_b).doc is not None
    row = store.db.execute("SELECT sent_at, last_error, next_attempt_at FROM outbox WHERE record_uuid = ?", [b]).fetchone()
    assert row[0] is None and "acknowledge" in row[1] and row[2] == sync_ops.iso(later)
    assert sync_ops.release_waiting(store.db) == 1  # the network is back: due now
    assert [i.record_uuid for i in sync_ops.claim_due(store.db, limit=10)] == [b]


def test_failures_keep_the_error_and_the_schedule(store):
    file_complaints(store, 2)
    items = sync_ops.claim_due(store.db, limit=10)
    retry = sync_ops.utcnow() + timedelta(seconds=40)
    sync_ops.record_failure(store.db, items, "offline: no route", retry_at=retry)
    assert sync_ops.claim_due(store.db, limit=10) == []
    assert sync_ops.next_due_at(store.db) == retry.replace(microsecond=retry.microsecond)
    s = sync_ops.summary(store.db)
    assert (s.pending, s.retrying) == (2, 2)
    again = sync_ops.claim_due(store.db, limit=10, now=retry + timedelta(seconds=1))
    assert [i.attempts for i in again] == [2, 2]


def test_pulled_updates_apply_with_their_cursor_all_or_nothing(store):
    (uid, code), = file_complaints(store, 1)
    # The server's events come after the filing, whatever day the test runs (fixed dates here once
    # passed the day they were written and failed the next, sorted before the filing).
    filed = datetime.fromisoformat(records.complaint_by_code(store.db, code).created_at)
    verified_at, followed_at = ((filed + timedelta(hours=h)).isoformat() for h in (1, 2))
    update = {
        "uuid": uid, "tracking_code": code, "status": "followed_up", "status_at": followed_at,
        "response": "Sudah ditindaklanjuti.", "response_at": followed_at,
        "events": [{"id": 7, "status": "verified", "at": verified_at, "note": None},
                   {"id": 9, "status": "followed_up", "at": followed_at, "note": None}],
    }
    assert sync_ops.apply_updates(store.db, [update], "9") == 1
    assert sync_ops.apply_updates(store.db, [update], "9") == 1  # a page applied twice adds no events
    row = records.complaint_by_code(store.db, code)
    assert row.status == "followed_up" and row.response == "Sudah ditindaklanjuti."
    assert [e.status for e in row.events] == ["received_at_kiosk", "verified", "followed_up"]
    assert sync_ops.get_state(store.db, sync_ops.STATUS_CURSOR) == "9"

    broken = {**update, "status": None, "events": []}  # NOT NULL violated half-way through the page
    fine = {**update, "status": "closed"}
    with pytest.raises(StoreConflict):
        sync_ops.apply_updates(store.db, [fine, broken], "12")
    assert records.complaint_by_code(store.db, code).status == "followed_up"
    assert sync_ops.get_state(store.db, sync_ops.STATUS_CURSOR) == "9"
    # Updates for complaints this kiosk does not hold are skipped, the cursor still moves.
    assert sync_ops.apply_updates(store.db, [{**update, "uuid": "0" * 36}], "13") == 0
    assert sync_ops.get_state(store.db, sync_ops.STATUS_CURSOR) == "13"
