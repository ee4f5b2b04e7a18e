"""The kiosk side of sync in SQLite: claim what is due in the outbox, record what the server said,
purge personal data once it is safe, apply pulled changes together with their cursor.

Every function here is one transaction. The rules (DESIGN.md, "Sync, the lessons"):

* a row is marked sent only for a UUID the server acknowledged (``stored`` or ``replay``), and in the
  same transaction the complaint's personal data is dropped (``doc`` NULL, ``purged_at`` set); its
  tracking code, class, topic and status stay so the Track screen still works;
* a row the server refused for good (``conflict``, ``rejected``) gets ``failed_at`` and is never sent
  again on its own; staff see it, and ``requeue`` puts it back;
* any other failure counts an attempt, keeps the error text and waits for ``next_attempt_at``;
* pulled statuses, responses and events are applied with their cursor in one transaction, so a
  kiosk killed half-way applies all or nothing and asks again from the old cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from ..sync import wire
from .db import scrub_after_commit

STATUS_CURSOR = "status_cursor"
WORKER_STATUS = "worker_status"
RECEIVED_AT_KIOSK, SENT = "received_at_kiosk", "sent"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    record_uuid: str
    attempts: int  # including this one
    body: dict[str, Any] | None  # None when the record is gone locally (the row is then failed)


def claim_due(db: Database, *, limit: int, now: datetime | None = None, lease_s: float = 120.0) -> list[OutboxItem]:
    """Up to ``limit`` rows due for sending, oldest first, with their wire bodies.

    Claiming counts the attempt and pushes ``next_attempt_at`` a lease ahead, so a second sender (the
    CLI's ``kiosk sync --once`` while the app runs) does not send the same rows at the same time, and a
    kiosk killed mid-request has counted the attempt.
    """
    now = now or utcnow()
    at = iso(now)
    with db.atomic():
        rows = db.execute(
            """
            SELECT id, kind, record_uuid, attempts FROM outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
            ORDER BY next_attempt_at, id LIMIT ?
            """,
            [at, limit],
        ).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        db.conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ? WHERE id = ?",
            [(at, iso(now + timedelta(seconds=lease_s)), i) for i in ids],
        )
        bodies = _bodies(db, [(r[1], r[2]) for r in rows])
    return [OutboxItem(r[0], r[1], r[2], r[3] + 1, bodies.get((r[1], r[2]))) for r in rows]


def _bodies(db: Database, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    complaint_ids = [u for k, u in keys if k == wire.COMPLAINT]
    rating_ids = [u for k, u in keys if k == wire.RATING]
    for chunk in _chunks(complaint_ids, 500):
        for uuid, code, created_at, doc in db.execute(
            f"SELECT uuid, tracking_code, created_at, doc FROM complaints WHERE uuid IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            if doc is not None:
                out[(wire.COMPLAINT, uuid)] = wire.complaint_body(code, created_at, json.loads(doc))
    for chunk in _chunks(rating_ids, 500):
        for uuid, created_at, agency_id, doc in db.execute(
            f"SELECT uuid, created_at, agency_id, doc FROM ratings WHERE uuid IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            out[(wire.RATING, uuid)] = wire.rating_body(created_at, agency_id, json.loads(doc))
    return out


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass(frozen=True, slots=True)
class PushOutcome:
    sent: int
    failed_final: int
    unacknowledged: int


def record_results(
    db: Database,
    items: list[OutboxItem],
    results: Mapping[str, Mapping[str, Any]],
    *,
    retry_at: datetime,
    now: datetime | None = None,
) -> PushOutcome:
    """Apply the server's per-UUID answers to the claimed ``items`` in one transaction.

    ``results`` maps record UUID -> ``{"status": ..., "code": ..., "message": ...}`` as the client
    validated them. A claimed item without a result was not acknowledged: it is retried at ``retry_at``.
    """
    now = now or utcnow()
    at = iso(now)
    sent, final, unacked = [], [], []
    for item in items:
        res = results.get(item.record_uuid)
        status = res.get("status") if res else None
        if status in wire.ACKNOWLEDGED:
            sent.append(item)
        elif status in (wire.CONFLICT, wire.REJECTED):
            final.append((item, res))
        else:
            unacked.append(item)
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET sent_at = ?, last_error = NULL, next_attempt_at = NULL WHERE id = ?",
            [(at, i.id) for i in sent],
        )
        db.conn.executemany(
            "UPDATE outbox SET failed_at = ?, failure_code = ?, last_error = ? WHERE id = ?",
            [
                (at, str(r.get("code") or r.get("status")), f"{r.get('code') or ''} {r.get('message') or r.get('status')}".strip(), i.id)
                for i, r in final
            ],
        )
        db.conn.executemany(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
            [("the server did not acknowledge this record", iso(retry_at), i.id) for i in unacked],
        )
        complaint_ids = [i.record_uuid for i in sent if i.kind == wire.COMPLAINT]
        # Whole seconds, as the facade and the server write complaint times: the timeline sorts by text.
        _purge_and_mark_sent(db, complaint_ids, now.astimezone(UTC).isoformat(timespec="seconds"))
    return PushOutcome(len(sent), len(final), len(unacked))


def _purge_and_mark_sent(db: Database, uuids: list[str], at: str) -> None:
    """Drop the personal data of acknowledged complaints; keep code, class, topic and status.

    The status moves from "received at kiosk" to "sent" here (the server's clock starts at the same
    moment), so the Track screen and a reprinted receipt stop saying "not yet sent".
    """
    if uuids:
        scrub_after_commit(db)  # the old copies of these rows must not stay in the write-ahead log
    for chunk in _chunks(uuids, 500):
        marks = ",".join("?" * len(chunk))
        db.execute(f"UPDATE complaints SET doc = NULL, purged_at = ?, updated_at = ? WHERE uuid IN ({marks})", [at, at, *chunk])
        moved = [
            r[0]
            for r in db.execute(
                f"SELECT uuid FROM complaints WHERE status = ? AND uuid IN ({marks})", [RECEIVED_AT_KIOSK, *chunk]
            ).fetchall()
        ]
        if moved:
            db.conn.executemany(
                "UPDATE complaints SET status = ?, status_at = ? WHERE uuid = ?", [(SENT, at, u) for u in moved]
            )
            db.conn.executemany(
                "INSERT INTO complaint_events (complaint_uuid, status, at) VALUES (?, ?, ?)", [(u, SENT, at) for u in moved]
            )


def record_failure(db: Database, items: list[OutboxItem], error: str, *, retry_at: datetime) -> None:
    """The whole request failed (network, 5xx, bad answer): keep the error, wait until ``retry_at``."""
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
            [(error[:500], iso(retry_at), i.id) for i in items],
        )


def fail_final(db: Database, items: list[OutboxItem], code: str, error: str, *, now: datetime | None = None) -> None:
    """Stop sending these rows (the server refused them for good, or the record is gone locally)."""
    at = iso(now or utcnow())
    with db.atomic():
        db.conn.executemany(
            "UPDATE outbox SET failed_at = ?, failure_code = ?, last_error = ? WHERE id = ?",
            [(at, code, error[:500], i.id) for i in items],
        )


def release_waiting(db: Database, *, now: datetime | None = None) -> int:
    """The server answered again: make every waiting row due now instead of at the end of its backoff."""
    at = iso(now or utcnow())
    with db.atomic():
        cur = db.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at > ?"
            " AND last_error IS NOT NULL",
            [at, at],
        )
    return cur.rowcount


def requeue(db: Database, record_uuid: str | None = None) -> int:
    """Put refused rows back in the queue (one, or all): after staff fixed the cause at the server."""
    at = iso(utcnow())
    with db.atomic():
        if record_uuid is None:
            cur = db.execute(
                "UPDATE outbox SET failed_at = NULL, failure_code = NULL, next_attempt_at = ? WHERE failed_at IS NOT NULL", [at]
            )
        else:
            cur = db.execute(
                "UPDATE outbox SET failed_at = NULL, failure_code = NULL, next_attempt_at = ? "
                "WHERE failed_at IS NOT NULL AND record_uuid = ?",
                [at, record_uuid],
            )
    return cur.rowcount


def data_version(db: Database) -> int:
    """SQLite's counter that changes when another connection commits to the file; reading it costs no
    I/O (the sync owner polls it to notice records the app stored)."""
    (version,) = db.execute("PRAGMA data_version").fetchone()
    return version


def next_due_at(db: Database) -> datetime | None:
    row = db.execute(
        "SELECT min(coalesce(next_attempt_at, created_at)) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


# --- what staff see --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxProblem:
    kind: str
    record_uuid: str
    attempts: int
    last_error: str | None
    last_attempt_at: str | None
    failure_code: str | None
    failed_at: str | None


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    pending: int  # still to send (including those waiting after a failure)
    retrying: int  # pending rows that failed at least once
    failed: int  # refused for good, waiting for staff
    sent: int
    oldest_pending_at: str | None
    last_sent_at: str | None
    problems: tuple[OutboxProblem, ...]  # refused rows and rows tried 3+ times, newest first


def summary(db: Database, *, problems: int = 20) -> OutboxSummary:
    """The outbox in numbers; the worker asks after every batch, so no query here reads the sent rows
    (a kiosk keeps all of them): pending rows through the partial index ``outbox_due``, refused ones
    through ``outbox_failed``, the sent count from ``outbox_counts`` (kept by triggers), the newest
    ``sent_at`` from the end of ``outbox_pending``."""
    pending, retrying, oldest = db.execute(
        "SELECT count(*), coalesce(sum(attempts > 0 AND last_error IS NOT NULL), 0), min(created_at) FROM outbox "
        "WHERE sent_at IS NULL AND failed_at IS NULL"
    ).fetchone()
    (failed,) = db.execute("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL").fetchone()
    (sent,) = db.execute("SELECT sent FROM outbox_counts WHERE id = 1").fetchone()
    (last_sent,) = db.execute("SELECT max(sent_at) FROM outbox").fetchone()
    # Two halves, each over its partial index: one OR across both made SQLite scan the table.
    rows = db.execute(
        """
        SELECT * FROM (
            SELECT kind, record_uuid, attempts, last_error, last_attempt_at, failure_code, failed_at FROM outbox
            WHERE failed_at IS NOT NULL AND sent_at IS NULL
            UNION ALL
            SELECT kind, record_uuid, attempts, last_error, last_attempt_at, failure_code, failed_at FROM outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND attempts >= 3
        )
        ORDER BY failed_at IS NULL, coalesce(failed_at, last_attempt_at) DESC LIMIT ?
        """,
        [problems],
    ).fetchall()
    return OutboxSummary(pending, retrying, failed, sent, oldest, last_sent, tuple(OutboxProblem(*r) for r in rows))


# --- pulled changes --------------------------------------------------------------------------------


def get_state(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_state(db: Database, key: str, value: str) -> None:
    with db.atomic():
        db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [key, value])


def apply_updates(db: Database, updates: list[Mapping[str, Any]], cursor: str) -> int:
    """Statuses, responses and timeline events from the server, with the new cursor, all or nothing.

    Returns how many local complaints changed. Updates for complaints this kiosk does not hold (a
    reinstalled kiosk) are skipped; events already present (same status, time and note) are not added
    twice, so applying a page again is harmless.
    """
    changed = 0
    with db.atomic():
        for u in updates:
            uuid = u["uuid"]
            if db.execute("SELECT 1 FROM complaints WHERE uuid = ?", [uuid]).fetchone() is None:
                continue
            db.execute(
                "UPDATE complaints SET status = ?, status_at = ?, response = ?, response_at = ?, updated_at = ? "
                "WHERE uuid = ?",
                [u["status"], u["status_at"], u.get("response"), u.get("response_at"), iso(utcnow()), uuid],
            )
            for e in u.get("events", ()):
                exists = db.execute(
                    "SELECT 1 FROM complaint_events WHERE complaint_uuid = ? AND status = ? AND at = ? "
                    "AND coalesce(note, '') = coalesce(?, '')",
                    [uuid, e["status"], e["at"], e.get("note")],
                ).fetchone()
                if exists is None:
                    db.execute(
                        "INSERT INTO complaint_events (complaint_uuid, status, at, note) VALUES (?, ?, ?, ?)",
                        [uuid, e["status"], e["at"], e.get("note")],
                    )
            changed += 1
        db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [STATUS_CURSOR, cursor])
    return changed
