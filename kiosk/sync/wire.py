"""What travels between a kiosk and the central server: shapes, limits and the body hash.

Both sides import this module, so a field renamed on one side cannot drift from the other. It holds
only plain data and pure functions (no HTTP, no SQL): the server's pydantic models and the kiosk's
client both build on these names.

The replay rule (DESIGN.md, "Sync, the lessons") hangs on :func:`body_hash`: the server stores the hash
of every record body it accepted, and a record sent again under the same UUID is a success when the
hash matches and a conflict when it does not. The hash is over *canonical* JSON (sorted keys, no
spaces, UTF-8), so two byte-different encodings of one body are one body.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

API_PREFIX = "/api/v1"
PUSH_PATH = f"{API_PREFIX}/sync/push"
CATALOG_PATH = f"{API_PREFIX}/sync/catalog"
UPDATES_PATH = f"{API_PREFIX}/sync/complaints"
ENROLL_PATH = f"{API_PREFIX}/enroll"
TRACK_PATH = f"{API_PREFIX}/track"  # + "/{code}"
PUBLIC_TRACK_PATH = "/lacak"  # + "/{code}": the path of config tracking.url_template

# Record kinds a kiosk pushes.
COMPLAINT, RATING, HEARTBEAT = "complaint", "rating", "heartbeat"
KINDS = (COMPLAINT, RATING, HEARTBEAT)

# Per-record outcomes in a push acknowledgement.
STORED = "stored"  # new on the server, now durable
REPLAY = "replay"  # already there with the same body: also a success
CONFLICT = "conflict"  # already there with a different body: never retried
REJECTED = "rejected"  # the body breaks a rule (a 4xx for this record): never retried as is
OUTCOMES = (STORED, REPLAY, CONFLICT, REJECTED)
ACKNOWLEDGED = frozenset({STORED, REPLAY})

# Limits the server enforces and the kiosk respects when it cuts batches.
MAX_BATCH_RECORDS = 500
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_BODY_DEPTH = 8  # nesting of one record's body; ours is at most 3 deep
MAX_UPDATES_PAGE = 1000

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Tokens are 32 random bytes, sent as 43 url-safe base64 characters.
TOKEN_BYTES = 32


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# builds on every call; made once (an encoder keeps no state between calls), since the server hashes
# every record it takes in.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no whitespace, UTF-8, no NaN."""
    return _CANONICAL.encode(value).encode("utf-8")


def body_hash(body: Any) -> str:
    """sha256 of the canonical JSON of a record body, in hex."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def json_depth(value: Any, limit: int = MAX_BODY_DEPTH) -> int:
    """How deeply ``value`` nests, counting stops at ``limit + 1`` (so a hostile body costs little).

    Level by level, carrying only the containers to the next level (the server checks every record it
    takes in, and most values are text and numbers): a level counts when anything in it has a child.
    """
    depth = 0
    frontier: list[Any] = [value] if isinstance(value, (dict, list)) else []
    while frontier and depth <= limit:
        nxt: list[Any] = []
        has_child = False
        for item in frontier:
            children = item.values() if isinstance(item, dict) else item
            if children:
                has_child = True
                nxt.extend([c for c in children if isinstance(c, (dict, list))])
        if not has_child:
            return depth
        depth += 1
        frontier = nxt
    return depth


def complaint_body(tracking_code: str, created_at: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The pushed form of a complaint: its tracking code, when it was filed, and the validated
    complaint as ``kiosk.domain.complaint.complaint_to_dict`` makes it."""
    return {"tracking_code": tracking_code, "created_at": created_at, "complaint": doc}


def rating_body(created_at: str, agency_id: str | None, doc: dict[str, Any]) -> dict[str, Any]:
    """The pushed form of an IKM survey or a quick rating: when, the agency the kiosk's catalog put it
    under, and the rating's stored document (``kiosk.domain.rating`` ``*_to_dict``)."""
    return {"created_at": created_at, "agency_id": agency_id, "rating": doc}


def heartbeat_body(
    *,
    at: str,
    version: str,
    outbox_pending: int,
    outbox_failed: int,
    printer: dict[str, Any] | None = None,
    catalog_version: str = "",
    disk_free_mb: int | None = None,
    discarded_taps: dict[str, int] | None = None,
    oldest_pending_s: int | None = None,
    sync_error: str | None = None,
) -> dict[str, Any]:
    """The kiosk's health, as the fleet view shows it. Never queued: a fresh one goes with each push.

    ``discarded_taps`` is ``{"YYYY-MM-DD": n}``: the quick-rating taps the repeated-tap filter dropped on
    each of the last days (office time; ``kiosk.store.tap_discards``).

    ``oldest_pending_s`` is how long the oldest unsent record has waited, by the kiosk's own clock (an age,
    not a time, so a kiosk clock that is off does not make it look older or newer on the server);
    ``sync_error`` the code of the last failed sync (``offline``, ``timeout``, an API error code), never a
    message that could quote a record (issue 15, docs/fleet.md)."""
    body: dict[str, Any] = {
        "at": at,
        "version": version,
        "outbox_pending": outbox_pending,
        "outbox_failed": outbox_failed,
        "printer": printer or {},
        "catalog_version": catalog_version,
    }
    if disk_free_mb is not None:
        body["disk_free_mb"] = disk_free_mb
    if discarded_taps:
        body["discarded_taps"] = dict(discarded_taps)
    if oldest_pending_s is not None:
        body["oldest_pending_s"] = max(0, int(oldest_pending_s))
    if sync_error:
        body["sync_error"] = sync_error_code(sync_error)
    return body


# A sync error as the heartbeat carries it: a short code of plain characters (docs/fleet.md).
MAX_SYNC_ERROR = 64
SYNC_ERROR_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def sync_error_code(value: str) -> str:
    """``value`` cut to a code the server takes: plain characters only, at most MAX_SYNC_ERROR of them."""
    code = re.sub(r"[^A-Za-z0-9_.:-]", "_", str(value))[:MAX_SYNC_ERROR]
    return code or "error"


# The catalog answer's list of non-working days: four years of national holidays, cuti bersama and a
# province's local days are about 100 dates; the bound only stops a broken answer from being kept.
MAX_HOLIDAYS = 2000
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def holidays_from_wire(value: Any) -> tuple[date, ...] | None:
    """The ``holidays`` of a catalog answer: None when the server sent none (an older server), else the
    dates. Raises ValueError for anything but a list of ``YYYY-MM-DD`` texts."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_HOLIDAYS:
        raise ValueError("holidays must be a list of at most %d dates" % MAX_HOLIDAYS)
    days = []
    for item in value:
        if not isinstance(item, str) or not _ISO_DAY.match(item):
            raise ValueError("holidays must be dates written YYYY-MM-DD")
        days.append(date.fromisoformat(item))  # ValueError for 2026-02-30
    return tuple(days)
