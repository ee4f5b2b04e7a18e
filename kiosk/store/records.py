"""Complaints and ratings filed at this kiosk, each written together with its outbox row.

The record and the outbox row that will carry it to the server share one transaction: a kiosk killed
between the two writes must not hold a complaint that never leaves, nor an outbox row with no record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

ELEMENT_COLUMNS = tuple(f"u{i}" for i in range(1, 10))


@dataclass(frozen=True, slots=True)
class ComplaintEvent:
    status: str
    at: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    uuid: str
    tracking_code: str
    created_at: str
    complaint_class: str
    topic: str
    agency_id: str | None
    service_id: str | None
    privacy: str
    status: str
    status_at: str
    response: str | None
    response_at: str | None
    purged_at: str | None
    doc: dict[str, Any] | None
    events: tuple[ComplaintEvent, ...]


def _enqueue(db: Database, kind: str, record_uuid: str, created_at: str) -> None:
    db.execute(
        "INSERT INTO outbox (kind, record_uuid, created_at, next_attempt_at) VALUES (?, ?, ?, ?)",
        [kind, record_uuid, created_at, created_at],
    )


def insert_complaint(
    db: Database,
    *,
    uuid: str,
    tracking_code: str,
    created_at: str,
    status: str,
    doc: dict[str, Any],
) -> StoredComplaint:
    """Store a validated complaint (``doc`` is its JSON form), its first timeline event and its outbox
    row, all or nothing.

    ``uuid`` is the filing's idempotency key: when a complaint with it is stored already (the citizen
    pressed Send again after an error that came once the complaint was safe), nothing is written and
    the stored complaint is returned, with its own code, so one wizard never files twice.
    """
    with db.atomic():
        # Inside the (immediate) transaction: two Sends racing cannot both miss the first one.
        existing = stored_complaint(db, uuid)
        if existing is not None:
            return existing
        db.execute(
            """
            INSERT INTO complaints (uuid, tracking_code, created_at, updated_at, class, topic, agency_id,
                                    service_id, privacy, doc, status, status_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                uuid,
                tracking_code,
                created_at,
                created_at,
                doc["class"],
                doc["topic"],
                doc.get("agency_id"),
                doc.get("service_id"),
                doc["privacy"],
                json.dumps(doc, ensure_ascii=False),
                status,
                created_at,
            ],
        )
        db.execute(
            "INSERT INTO complaint_events (complaint_uuid, status, at) VALUES (?, ?, ?)",
            [uuid, status, created_at],
        )
        _enqueue(db, "complaint", uuid, created_at)
    return StoredComplaint(uuid, tracking_code, created_at, status, new=True)


@dataclass(frozen=True, slots=True)
class StoredComplaint:
    uuid: str
    tracking_code: str
    created_at: str
    status: str
    new: bool  # False: the uuid was stored before and this is that complaint


def stored_complaint(db: Database, uuid: str) -> StoredComplaint | None:
    row = db.execute("SELECT tracking_code, created_at, status FROM complaints WHERE uuid = ?", [uuid]).fetchone()
    return None if row is None else StoredComplaint(uuid, row[0], row[1], row[2], new=False)


def tracking_code_taken(db: Database, code: str) -> bool:
    return db.execute("SELECT 1 FROM complaints WHERE tracking_code = ?", [code]).fetchone() is not None


def complaint_by_code(db: Database, code: str) -> ComplaintRow | None:
    row = db.execute(
        """
        SELECT uuid, tracking_code, created_at, class, topic, agency_id, service_id, privacy, status,
               status_at, response, response_at, purged_at, doc
        FROM complaints WHERE tracking_code = ?
        """,
        [code],
    ).fetchone()
    if row is None:
        return None
    events = tuple(
        ComplaintEvent(*e)
        for e in db.execute(
            "SELECT status, at, note FROM complaint_events WHERE complaint_uuid = ? ORDER BY at, id",
            [row[0]],
        ).fetchall()
    )
    *fields, doc = row
    return ComplaintRow(*fields, doc=json.loads(doc) if doc else None, events=events)


def insert_rating(
    db: Database,
    *,
    uuid: str,
    created_at: str,
    kind: str,
    service_id: str | None,
    agency_id: str | None,
    scores: dict[str, int] | None,
    face: int | None,
    doc: dict[str, Any],
) -> None:
    """Store an IKM survey (``scores`` by element code U1..U9) or a quick rating (``face``), with its
    outbox row."""
    values = [(scores or {}).get(col.upper()) for col in ELEMENT_COLUMNS]
    with db.atomic():
        db.execute(
            f"""
            INSERT INTO ratings (uuid, created_at, kind, service_id, agency_id,
                                 {", ".join(ELEMENT_COLUMNS)}, face, doc)
            VALUES (?, ?, ?, ?, ?, {", ".join("?" * len(ELEMENT_COLUMNS))}, ?, ?)
            """,
            [uuid, created_at, kind, service_id, agency_id, *values, face, json.dumps(doc, ensure_ascii=False)],
        )
        _enqueue(db, "rating", uuid, created_at)


@dataclass(frozen=True, slots=True)
class IkmSums:
    respondents: int
    sums: dict[str, int]  # element code -> sum of scores


def ikm_sums(db: Database, *, service_id: str | None = None, agency_id: str | None = None) -> IkmSums:
    """Sums of the nine answers over the IKM surveys stored here (quick ratings never count)."""
    where, params = ["kind = 'ikm'"], []
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    if agency_id is not None:
        where.append("agency_id = ?")
        params.append(agency_id)
    row = db.execute(
        f"SELECT count(*), {', '.join(f'coalesce(sum({c}), 0)' for c in ELEMENT_COLUMNS)} "
        f"FROM ratings WHERE {' AND '.join(where)}",
        params,
    ).fetchone()
    return IkmSums(respondents=row[0], sums={c.upper(): v for c, v in zip(ELEMENT_COLUMNS, row[1:])})


def ikm_sums_not_counted_by_server(db: Database, *, service_id: str, as_of: str) -> IkmSums:
    """Surveys of this kiosk that the server's aggregate of ``as_of`` cannot include yet: the ones not
    sent, or sent after the aggregate was computed. Added to it, the kiosk shows every answer once."""
    row = db.execute(
        f"""
        SELECT count(*), {', '.join(f'coalesce(sum(r.{c}), 0)' for c in ELEMENT_COLUMNS)}
        FROM ratings r JOIN outbox o ON o.kind = 'rating' AND o.record_uuid = r.uuid
        WHERE r.kind = 'ikm' AND r.service_id = ? AND (o.sent_at IS NULL OR o.sent_at > ?)
        """,
        [service_id, as_of],
    ).fetchone()
    return IkmSums(respondents=row[0], sums={c.upper(): v for c, v in zip(ELEMENT_COLUMNS, row[1:])})


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    failing: int  # pending rows that have been tried and failed at least once
    oldest_pending_at: str | None
    last_sent_at: str | None


def outbox_stats(db: Database) -> OutboxStats:
    pending, failing, oldest = db.execute(
        "SELECT count(*), coalesce(sum(attempts > 0), 0), min(created_at) FROM outbox WHERE sent_at IS NULL"
    ).fetchone()
    (last_sent,) = db.execute("SELECT max(sent_at) FROM outbox").fetchone()
    return OutboxStats(pending=pending, failing=failing, oldest_pending_at=oldest, last_sent_at=last_sent)
