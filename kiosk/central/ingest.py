"""Taking in a batch of records from a kiosk: one transaction, one answer per UUID.

The rules (DESIGN.md, "Sync, the lessons", learnt from ODK's duplicate submissions):

* a UUID the server has not seen is stored: ``stored``;
* the same UUID again from the same kiosk with the same body hash is a replay: ``replay``, a success,
  because the kiosk may have lost our first answer;
* the same UUID with a different body (or from another kiosk) is a ``conflict`` (409.1): nothing is
  overwritten, and the kiosk stops retrying that record and shows it to staff;
* a body that breaks a domain rule is ``rejected`` (422.x) for that record only; the rest of the batch
  is stored.

Heartbeats are not records: the newest one updates the device row and each is acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.catalog import _ID_RE as _SLUG
from ..domain.complaint import complaint_from_dict, complaint_to_dict
from ..domain.errors import ValidationError
from ..domain.workflow import Status
from ..sync import wire
from . import errors, identity_keys, ratings as rating_rules
from .db import complaints, now, ratings, records
from .devices import apply_heartbeat

COMPLAINT_BODY_KEYS = frozenset({"tracking_code", "created_at", "complaint"})
RATING_BODY_KEYS = frozenset({"created_at", "agency_id", "rating"})


class Rejected(Exception):
    def __init__(self, ptype: errors.ProblemType, **params: Any) -> None:
        self.entry = errors.problem_entry(ptype, **params)
        super().__init__(self.entry["message"])


@dataclass
class _Valid:
    index: int
    uuid: str
    kind: str
    hash: str
    row: dict[str, Any]


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: must be an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: must be an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: needs a time zone")
    return moment


def _keys(body: dict[str, Any], allowed: frozenset[str]) -> None:
    extra = set(body) - allowed
    missing = allowed - set(body)
    if extra or missing:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(sorted(missing)))
        if extra:
            parts.append("unknown " + ", ".join(sorted(str(k)[:40] for k in extra)))
        raise Rejected(errors.RECORD_INVALID, reason="; ".join(parts))


def complaint_row(body: dict[str, Any]) -> dict[str, Any]:
    _keys(body, COMPLAINT_BODY_KEYS)
    code_text = body["tracking_code"]
    try:
        code = tracking.parse(code_text)
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="tracking_code: " + exc.render()) from None
    if code != code_text:
        raise Rejected(errors.RECORD_INVALID, reason="tracking_code: must be sent in canonical form")
    created_at = _aware(body["created_at"], "created_at")
    try:
        c = complaint_from_dict(body["complaint"])
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="complaint." + exc.render()) from None
    doc = complaint_to_dict(c)
    return {
        "tracking_code": code,
        "created_at": created_at,
        "class": doc["class"],
        "topic": doc["topic"],
        "agency_id": doc["agency_id"],
        "service_id": doc["service_id"],
        "standard_part": doc.get("standard_part"),
        "privacy": doc["privacy"],
        "description": doc["description"],
        "incident_date": doc["incident_date"],
        "identity": json.dumps(doc["identity"], ensure_ascii=False) if doc["identity"] else None,
        "consent_version": doc["consent_version"],
        "consent_at": c.consent_at,
        "handling_agency_id": doc["agency_id"],
    }


def rating_row(body: dict[str, Any]) -> dict[str, Any]:
    _keys(body, RATING_BODY_KEYS)
    created_at = _aware(body["created_at"], "created_at")
    try:
        row = rating_rules.row_from_doc(body["rating"])
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="rating." + exc.render()) from None
    agency_id = body["agency_id"]
    if agency_id is not None and (not isinstance(agency_id, str) or not _SLUG.match(agency_id)):
        raise Rejected(errors.RECORD_INVALID, reason="agency_id: must be a catalog id")
    row["agency_id"] = row["agency_id"] or agency_id
    return {"created_at": created_at, **row, "doc": json.dumps(body["rating"], ensure_ascii=False, sort_keys=True)}


HEARTBEAT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "at": str,
    "version": str,
    "outbox_pending": int,
    "outbox_failed": int,
    "printer": dict,
    "catalog_version": str,
}
# Fields a newer kiosk may add (issue 6: free disk for the fleet view); an older kiosk leaves them out.
HEARTBEAT_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "disk_free_mb": int,
}


def heartbeat_row(body: dict[str, Any]) -> dict[str, Any]:
    _keys(body, frozenset(HEARTBEAT_FIELDS) | (frozenset(HEARTBEAT_OPTIONAL) & set(body)))
    for key, tp in {**HEARTBEAT_FIELDS, **HEARTBEAT_OPTIONAL}.items():
        if key not in body:
            continue
        value = body[key]
        if not isinstance(value, tp) or isinstance(value, bool):
            raise Rejected(errors.RECORD_INVALID, reason=f"{key}: has the wrong type")
    printer = body["printer"]
    if len(printer) > 20 or not all(isinstance(v, (str, int, float, bool)) or v is None for v in printer.values()):
        raise Rejected(errors.RECORD_INVALID, reason="printer: must be a small object of plain values")
    return {"at": _aware(body["at"], "at"), "body": body}


_VALIDATORS = {wire.COMPLAINT: complaint_row, wire.RATING: rating_row, wire.HEARTBEAT: heartbeat_row}


def _result(uuid: Any, status: str, entry: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"uuid": uuid if isinstance(uuid, str) else None, "status": status}
    if entry:
        out.update(entry)
    return out


def push(
    engine: Engine,
    device_id: str,
    batch: list[dict[str, Any]],
    *,
    first_due: Callable[[datetime], date | None] = lambda _at: None,
) -> list[dict[str, Any]]:
    """Store a batch; return one result per input record, in input order."""
    results: list[dict[str, Any] | None] = [None] * len(batch)
    valid: list[_Valid] = []
    heartbeats: list[tuple[int, dict[str, Any]]] = []
    first_hash: dict[str, tuple[int, str]] = {}
    same_as: dict[int, int] = {}  # index of a repeated record -> index of its first copy

    for i, rec in enumerate(batch):
        uuid, kind, body = rec.get("uuid"), rec.get("kind"), rec.get("body")
        try:
            if not isinstance(uuid, str) or not wire.UUID_RE.match(uuid):
                raise Rejected(errors.BAD_UUID)
            if kind not in _VALIDATORS:
                raise Rejected(errors.UNKNOWN_KIND, kind=str(kind)[:40])
            if not isinstance(body, dict) or wire.json_depth(body) > wire.MAX_BODY_DEPTH:
                raise Rejected(errors.RECORD_INVALID, reason="body: must be an object nested at most "
                               f"{wire.MAX_BODY_DEPTH} deep")
            try:
                digest = wire.body_hash(body)
            except (ValueError, TypeError, RecursionError):
                raise Rejected(errors.RECORD_INVALID, reason="body: not plain JSON") from None
            if uuid in first_hash:
                j, h = first_hash[uuid]
                if h != digest:
                    raise Rejected(errors.DUPLICATE_IN_BATCH)
                same_as[i] = j
                continue
            first_hash[uuid] = (i, digest)
            row = _VALIDATORS[kind](identity_keys.open_record(engine, kind, body))  # after the hash: as sent
        except (Rejected, identity_keys.Unopenable) as exc:
            status = wire.CONFLICT if exc.entry["code"].startswith("409") else wire.REJECTED
            results[i] = _result(uuid, status, exc.entry)
            continue
        if kind == wire.HEARTBEAT:
            heartbeats.append((i, row))
        else:
            valid.append(_Valid(i, uuid, kind, digest, row))

    for attempt in range(3):
        try:
            with engine.begin() as conn:
                outcome = _store(conn, device_id, valid, first_due)
                for i, hb in sorted(heartbeats, key=lambda x: x[1]["at"]):
                    apply_heartbeat(conn, device_id, hb["body"], hb["at"])
            break
        except sa.exc.IntegrityError:
            # Another request stored one of these UUIDs (or tracking codes) between our check and our
            # insert; the next pass sees it and classifies it. Never a 500 for a race.
            if attempt == 2:
                raise
    for v in valid:
        results[v.index] = _result(v.uuid, *outcome[v.index])
    for i, _hb in heartbeats:
        results[i] = _result(batch[i]["uuid"], wire.STORED)
    for i, j in same_as.items():
        first = results[j]
        assert first is not None
        # The second copy of a record that was stored in this batch is a replay of it.
        status = wire.REPLAY if first["status"] in wire.ACKNOWLEDGED else first["status"]
        results[i] = {**first, "status": status}
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def _store(
    conn: sa.Connection, device_id: str, valid: list[_Valid], first_due: Callable[[datetime], date | None]
) -> dict[int, tuple[str, dict | None]]:
    outcome: dict[int, tuple[str, dict | None]] = {}
    if not valid:
        return outcome
    uuids = [v.uuid for v in valid]
    existing = {
        r.uuid: r
        for r in conn.execute(
            sa.select(records.c.uuid, records.c.device_id, records.c.body_hash).where(records.c.uuid.in_(uuids))
        )
    }
    new: list[_Valid] = []
    for v in valid:
        old = existing.get(v.uuid)
        if old is None:
            new.append(v)
        elif old.device_id == device_id and old.body_hash == v.hash:
            outcome[v.index] = (wire.REPLAY, None)
        else:
            outcome[v.index] = (wire.CONFLICT, errors.problem_entry(errors.RECORD_CONFLICT))
    codes = [v.row["tracking_code"] for v in new if v.kind == wire.COMPLAINT]
    if codes:
        taken = set(conn.scalars(sa.select(complaints.c.tracking_code).where(complaints.c.tracking_code.in_(codes))))
        seen: set[str] = set()
        keep = []
        for v in new:
            code = v.row.get("tracking_code") if v.kind == wire.COMPLAINT else None
            if code is not None and (code in taken or code in seen):
                outcome[v.index] = (wire.CONFLICT, errors.problem_entry(errors.TRACKING_CODE_TAKEN, code=code))
                continue
            if code is not None:
                seen.add(code)
            keep.append(v)
        new = keep
    if not new:
        return outcome
    at = now()
    conn.execute(
        records.insert(),
        [{"uuid": v.uuid, "kind": v.kind, "device_id": device_id, "body_hash": v.hash, "received_at": at} for v in new],
    )
    due = first_due(at)  # every complaint of the batch reaches the server at the same moment
    complaint_rows = [
        {**v.row, "uuid": v.uuid, "device_id": device_id, "received_at": at, "status": Status.SENT.value,
         "status_at": at, "due_on": due}
        for v in new
        if v.kind == wire.COMPLAINT
    ]
    if complaint_rows:
        conn.execute(complaints.insert(), complaint_rows)
    rating_rows = [{**v.row, "uuid": v.uuid, "device_id": device_id, "received_at": at} for v in new if v.kind == wire.RATING]
    if rating_rows:
        conn.execute(ratings.insert(), _uniform(rating_rows))
    for v in new:
        outcome[v.index] = (wire.STORED, None)
    return outcome


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs every row to name the same columns."""
    keys = set().union(*rows)
    return [{k: r.get(k) for k in keys} for r in rows]
