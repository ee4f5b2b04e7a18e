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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.catalog import _ID_RE as _SLUG
from ..domain.complaint import IDENTITY_KEYS, Complaint, complaint_from_dict
from ..domain.errors import ValidationError
from ..domain.workflow import Status
from ..sync import wire
from . import errors, identity_keys
from . import ratings as rating_rules
from .db import complaints, now, ratings, records, upsert
from .devices import apply_heartbeat

COMPLAINT_BODY_KEYS = frozenset({"tracking_code", "created_at", "complaint"})
RATING_BODY_KEYS = frozenset({"created_at", "agency_id", "rating"})

# Record times outside [EARLIEST, LATEST) are impossible for a record made by an iPLiK kiosk (the first
# one was installed after EARLIEST; a clock reset to 1970 or set to 9999 is broken, not early or late):
# such a record is rejected. Inside the window, a time more than the configured skew ahead of the
# server's clock is a kiosk clock running fast: the record is real (the citizen holds a receipt), so it
# is stored with the server's receive time instead (see docs/ingest.md). Times in the past are kept:
# a kiosk offline for weeks sends records that are weeks old.
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
DEFAULT_MAX_SKEW = timedelta(days=1)
# The reason in a 422.1 answer (English, like every problem message; msgid in ingest_safety.po).
IMPOSSIBLE_TIME = "impossible time, must lie between {earliest} and {latest}"


# json.dumps(..., ensure_ascii=False) without making an encoder per complaint.
_IDENTITY_JSON = json.JSONEncoder(ensure_ascii=False)
_RATING_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


class Rejected(Exception):
    def __init__(self, ptype: errors.ProblemType, **params: Any) -> None:
        self.entry = errors.problem_entry(ptype, **params)
        super().__init__(self.entry["message"])


@dataclass(frozen=True, slots=True)
class Clock:
    """The server's receive time of a batch and how far ahead of it a kiosk's clock may run."""

    received: datetime
    max_skew: timedelta = DEFAULT_MAX_SKEW

    def record_time(self, value: Any, field: str) -> datetime:
        """A record's own time in UTC: rejected when impossible, the receive time when too far ahead."""
        return self.bound(moment_utc(value, field), field)

    def bound(self, moment: datetime, field: str) -> datetime:
        moment = _in_range(moment, field)
        if moment > self.received + self.max_skew:
            return self.received
        return moment


@dataclass
class _Valid:
    index: int
    uuid: str
    kind: str
    hash: str
    row: dict[str, Any]


def moment_utc(value: Any, field: str) -> datetime:
    """An ISO 8601 time with a zone, as UTC, inside [EARLIEST, LATEST); else the record is rejected."""
    if not isinstance(value, str) or len(value) > 40:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: must be an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: must be an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: needs a time zone")
    return _in_range(moment, field)


def _in_range(moment: datetime, field: str) -> datetime:
    try:
        # Year 1 east of UTC, or 9999 west of it, has no UTC time: OverflowError, once a 500 for the batch.
        utc: datetime | None = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise Rejected(errors.RECORD_INVALID, reason=f"{field}: " + IMPOSSIBLE_TIME.format(
            earliest=f"{EARLIEST:%Y-%m-%d}", latest=f"{LATEST:%Y-%m-%d}"))
    return utc


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


def complaint_row(body: dict[str, Any], clock: Clock) -> dict[str, Any]:
    _keys(body, COMPLAINT_BODY_KEYS)
    code_text = body["tracking_code"]
    try:
        code = tracking.parse(code_text)
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="tracking_code: " + exc.render()) from None
    if code != code_text:
        raise Rejected(errors.RECORD_INVALID, reason="tracking_code: must be sent in canonical form")
    created_at = clock.record_time(body["created_at"], "created_at")
    try:
        c = complaint_from_dict(body["complaint"])
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="complaint." + exc.render()) from None
    # consent_at goes to a UTC column too: the same bounds as the record's own time.
    consent_at = clock.bound(c.consent_at, "complaint.consent_at")
    return _complaint_columns(c, code, created_at, consent_at)


def _complaint_columns(c: Complaint, code: str, created_at: datetime, consent_at: datetime) -> dict[str, Any]:
    """The one place a validated complaint becomes a ``complaints`` row (read straight from the domain's
    object: serialising it back to a dict first was a fifth of ingest's time)."""
    identity = None
    if c.identity is not None:
        identity = _IDENTITY_JSON.encode({k: getattr(c.identity, k) for k in IDENTITY_KEYS})
    return {
        "tracking_code": code,
        "created_at": created_at,
        "class": c.complaint_class.value,
        "topic": c.topic.value,
        "agency_id": c.agency_id,
        "service_id": c.service_id,
        "standard_part": c.standard_part.value if c.standard_part is not None else None,
        "privacy": c.privacy.value,
        "description": c.description,
        "incident_date": c.incident_date.isoformat() if c.incident_date else None,
        "identity": identity,
        "consent_version": c.consent_version,
        "consent_at": consent_at,
        "handling_agency_id": c.agency_id,
    }


def rating_row(body: dict[str, Any], clock: Clock) -> dict[str, Any]:
    _keys(body, RATING_BODY_KEYS)
    created_at = clock.record_time(body["created_at"], "created_at")
    try:
        row = rating_rules.row_from_doc(body["rating"])
    except ValidationError as exc:
        raise Rejected(errors.RECORD_INVALID, reason="rating." + exc.render()) from None
    agency_id = body["agency_id"]
    if agency_id is not None and (not isinstance(agency_id, str) or not _SLUG.match(agency_id)):
        raise Rejected(errors.RECORD_INVALID, reason="agency_id: must be a catalog id")
    row["agency_id"] = row["agency_id"] or agency_id
    return {"created_at": created_at, **row, "doc": _RATING_JSON.encode(body["rating"])}


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
    # Issue 15 (fleet alerts, docs/fleet.md): the age of the oldest unsent record and the last sync error.
    "oldest_pending_s": int,
    "sync_error": str,
}
# Ten years: an age beyond it is a broken clock, not a record that waited.
MAX_OLDEST_PENDING_S = 10 * 366 * 86400


# Quick-rating taps the kiosk's repeated-tap filter dropped, per local day (issue 14, item 2). Checked
# apart from the fields above: a bad count is dropped, never a reason to refuse the kiosk's heartbeat.
HEARTBEAT_LENIENT = frozenset({"discarded_taps"})
MAX_DISCARD_DAYS = 31  # the kiosk sends 14; a little room, no more
MAX_DISCARDS_PER_DAY = 1_000_000
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def discarded_taps(value: Any) -> dict[date, int]:
    """The usable part of a heartbeat's ``discarded_taps``: real dates with a whole count 0..1e6. Anything
    else (not an object, more than MAX_DISCARD_DAYS entries, a bad day or count) is left out."""
    if not isinstance(value, dict) or len(value) > MAX_DISCARD_DAYS:
        return {}
    out: dict[date, int] = {}
    for day, n in value.items():
        if not isinstance(day, str) or not _ISO_DAY.match(day):
            continue
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DISCARDS_PER_DAY:
            continue
        try:
            out[date.fromisoformat(day)] = n
        except ValueError:  # 2026-02-30
            continue
    return out


def heartbeat_row(body: dict[str, Any], _clock: Clock) -> dict[str, Any]:
    _keys(body, frozenset(HEARTBEAT_FIELDS) | ((frozenset(HEARTBEAT_OPTIONAL) | HEARTBEAT_LENIENT) & set(body)))
    for key, tp in {**HEARTBEAT_FIELDS, **HEARTBEAT_OPTIONAL}.items():
        if key not in body:
            continue
        value = body[key]
        if not isinstance(value, tp) or isinstance(value, bool):
            raise Rejected(errors.RECORD_INVALID, reason=f"{key}: has the wrong type")
    if not 0 <= body.get("oldest_pending_s", 0) <= MAX_OLDEST_PENDING_S:
        raise Rejected(errors.RECORD_INVALID, reason="oldest_pending_s: must be 0 or more seconds, at most ten years")
    if "sync_error" in body and not wire.SYNC_ERROR_RE.match(body["sync_error"]):
        raise Rejected(errors.RECORD_INVALID, reason="sync_error: must be a short code (letters, digits, . _ : -)")
    printer = body["printer"]
    if len(printer) > 20 or not all(isinstance(v, (str, int, float, bool)) or v is None for v in printer.values()):
        raise Rejected(errors.RECORD_INVALID, reason="printer: must be a small object of plain values")
    # The kiosk's own time is only reported (the fleet view shows its skew); "last seen" and the order
    # of heartbeats across requests use the server's receive time, so a kiosk clock set to 2099 no
    # longer freezes its row.
    if "discarded_taps" in body:
        kept = discarded_taps(body["discarded_taps"])
        body = {**body, "discarded_taps": {day.isoformat(): n for day, n in kept.items()}}
    return {"at": moment_utc(body["at"], "at"), "body": body}


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
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    inside: Callable[[sa.Connection], None] | None = None,
) -> list[dict[str, Any]]:
    """Store a batch; return one result per input record, in input order. ``inside`` runs in the same
    transaction (the push gate gives its lease back there)."""
    clock = Clock(now(), max_skew)
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
            row = _VALIDATORS[kind](identity_keys.open_record(engine, kind, body), clock)  # after the hash: as sent
        except (Rejected, identity_keys.Unopenable) as exc:
            status = wire.CONFLICT if exc.entry["code"].startswith("409") else wire.REJECTED
            results[i] = _result(uuid, status, exc.entry)
            continue
        if kind == wire.HEARTBEAT:
            heartbeats.append((i, row))
        else:
            valid.append(_Valid(i, uuid, kind, digest, row))

    for attempt in range(4):
        try:
            with engine.begin() as conn:
                outcome = _store(conn, device_id, valid, first_due, clock.received, look_for_taken=attempt > 0)
                # In the kiosk's own order within the batch; each applied at the receive time.
                for _i, hb in sorted(heartbeats, key=lambda x: x[1]["at"]):
                    apply_heartbeat(conn, device_id, hb["body"], clock.received)
                if inside is not None:
                    inside(conn)
            break
        except sa.exc.IntegrityError:
            # The first pass does not look for tracking codes already used (almost never the case, and
            # the look was a SELECT of the whole batch's codes); a used one fails its insert, and the
            # next pass looks and classifies the record. So does a code taken by a concurrent request
            # between a look and the insert. Never a 500 for a race.
            if attempt == 3:
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
    conn: sa.Connection,
    device_id: str,
    valid: list[_Valid],
    first_due: Callable[[datetime], date | None],
    at: datetime,
    *,
    look_for_taken: bool = True,
) -> dict[int, tuple[str, dict | None]]:
    """Insert first, then ask only for what was not new: one executemany per table, and in the common
    case (a batch of new records with unused tracking codes) no SELECT at all.

    ``INSERT ... ON CONFLICT DO NOTHING`` stores every new record (a plain executemany: psycopg 3
    pipelines it, SQLite loops in C; ``RETURNING`` made it one huge multi-row statement, slower than
    the bare insert on PostgreSQL). When its rowcount is short of the batch, the rows of the batch's
    UUIDs that do not carry this request's receive time were there before: a replay when this device
    sent the same body, else a conflict. A concurrent request inserting the same UUID makes ours wait
    for its commit (PostgreSQL) or queue on the write lock (SQLite), then skip the row, so it is
    classified here and never raises. With ``look_for_taken`` the tracking codes already used are
    looked up before the complaints insert; without it, the unique index finds them (see ``push``).
    """
    outcome: dict[int, tuple[str, dict | None]] = {}
    if not valid:
        return outcome
    inserted = conn.execute(
        # preserve_rowcount: without it SQLAlchemy hands psycopg's summed rowcount back as -1.
        upsert(conn, records).on_conflict_do_nothing(index_elements=["uuid"]).execution_options(preserve_rowcount=True),
        [{"uuid": v.uuid, "kind": v.kind, "device_id": device_id, "body_hash": v.hash, "received_at": at}
         for v in valid],
    ).rowcount
    before: dict[str, Any] = {}
    # Every row inserted (the rowcount of an executemany is the sum over its rows on both drivers):
    # none was there before, so there is nothing to read back. Otherwise (or when the driver cannot
    # tell) find which were.
    if not (conn.dialect.supports_sane_multi_rowcount and inserted == len(valid)):
        before = {
            r.uuid: r
            for r in conn.execute(
                sa.select(records.c.uuid, records.c.device_id, records.c.body_hash)
                .where(records.c.uuid.in_([v.uuid for v in valid]), records.c.received_at != at)
            )
        }
    new: list[_Valid] = []
    for v in valid:
        old = before.get(v.uuid)
        if old is None:
            new.append(v)
        elif old.device_id == device_id and old.body_hash == v.hash:
            outcome[v.index] = (wire.REPLAY, None)
        else:
            outcome[v.index] = (wire.CONFLICT, errors.problem_entry(errors.RECORD_CONFLICT))
    new_complaints = [v for v in new if v.kind == wire.COMPLAINT]
    codes = [v.row["tracking_code"] for v in new_complaints]
    if codes and (look_for_taken or len(set(codes)) < len(codes)):
        # Tracking codes already used (by an older report, or by an earlier record of this batch): that
        # record is a conflict and its records row goes again. Without the look, a used code fails the
        # complaints insert below (IntegrityError), as does a code taken by a concurrent request after
        # the look, and the caller runs the batch again, looking.
        taken = set(conn.scalars(sa.select(complaints.c.tracking_code).where(complaints.c.tracking_code.in_(codes))))
        seen: set[str] = set()
        refused: list[_Valid] = []
        for v in new_complaints:
            code = v.row["tracking_code"]
            if code in taken or code in seen:
                refused.append(v)
                outcome[v.index] = (wire.CONFLICT, errors.problem_entry(errors.TRACKING_CODE_TAKEN, code=code))
            seen.add(code)
        if refused:
            gone = {v.uuid for v in refused}
            conn.execute(records.delete().where(records.c.uuid.in_(gone)))
            new = [v for v in new if v.uuid not in gone]
            new_complaints = [v for v in new_complaints if v.uuid not in gone]
    if new_complaints:
        due = first_due(at)  # every complaint of the batch reaches the server at the same moment
        conn.execute(
            complaints.insert(),
            [{**v.row, "uuid": v.uuid, "device_id": device_id, "received_at": at, "status": Status.SENT.value,
              "status_at": at, "due_on": due} for v in new_complaints],
        )
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
