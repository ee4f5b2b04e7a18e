"""The deadline job (`kiosk central tick`, run every 5 minutes by a systemd timer).

One run: fills the due day of complaints that lack one (rows from before migration 0002), closes the
complaints whose answer went unanswered past the closing day, marks the rest overdue, sends the
citizen e-mails that are due, and purges expired staff sessions.

Safe on several hosts at once: one run at a time does the work. On PostgreSQL a session-level
advisory lock on a connection of its own (dropped by the server if the host dies); on SQLite a lease
row in ``server_locks`` that expires, so a crashed holder's lease is taken over once it has run out.
A run that finds the lock held returns at once with ``skipped_locked``.

The work is set-based SQL in batches (each batch is one short transaction, so kiosks syncing and staff
acting wait at most one batch) and idempotent: a second run over the same data changes nothing.

Deadline semantics (docs/backoffice.md, "Deadlines job and e-mail"): ``due_on`` is the last day that
still belongs to whoever must act; a complaint is overdue, or closes automatically, from the next day
on in the server's time zone. The citizen's reply counts when it came after the current answer: a
rating or a reopen request given on an earlier answer does not keep a later one open forever.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain.workflow import AUTO_CLOSE_DAYS, Status
from ..errors import KioskError
from ..i18n import both
from . import alert_digest, audit, fleet_alerts, notify, staff, workdays
from .analytics import rollup
from .complaints import lock_events
from .db import UtcDateTime, audit_log, complaint_events, complaints, server_locks
from .db import now as utc_now
from .settings import Settings

log = logging.getLogger(__name__)

LOCK_NAME = "tick"
# Advisory lock keys of the central server: 740001 migrations, 740002/3 catalog, 740004 events.
PG_LOCK_KEY = 740005
# A SQLite lease outlives a normal run by far and is renewed after every batch; a holder that has
# not renewed it for this long is taken to have crashed.
LEASE = timedelta(minutes=10)
BATCH = 5000
# Statuses in which a service-level clock runs (workflow.next_deadline gives a day for them).
CLOCK_STATUSES = (Status.SENT.value, Status.VERIFIED.value, Status.FORWARDED.value, Status.FOLLOWED_UP.value)

AUTO_CLOSE_NOTE = "Closed automatically: the citizen did not reply within {days} working days of the answer."


class LockLost(KioskError):
    """The SQLite lease was taken over while this run was still working (it stalled past the lease)."""


@dataclass(frozen=True, slots=True)
class TickResult:
    marked_overdue: int = 0
    closed: int = 0
    mails_sent: int = 0
    mails_failed: int = 0
    sessions_purged: int = 0
    skipped_locked: bool = False
    # Complaints whose missing due day this run computed (rows from before migration 0002).
    due_filled: int = 0
    # Rows of the analytics rollups rewritten (analytics/rollup.py).
    rollup_rows: int = 0
    # The daily alert digest (alert_digest.py): e-mails sent and failed attempts in this run.
    digests_sent: int = 0
    digests_failed: int = 0
    # Fleet alerts (fleet_alerts.py): incidents opened and resolved, e-mails sent and failed tries.
    fleet_opened: int = 0
    fleet_resolved: int = 0
    fleet_mails_sent: int = 0
    fleet_mails_failed: int = 0

    def summary(self) -> str:
        if self.skipped_locked:
            return "tick: skipped, another run holds the lock"
        return (f"tick: {self.marked_overdue} marked overdue, {self.closed} closed automatically, "
                f"{self.mails_sent} e-mails sent, {self.mails_failed} failed, "
                f"{self.sessions_purged} sessions purged, {self.due_filled} due days filled, "
                f"{self.rollup_rows} rollup rows refreshed")


def default_holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


# --- one run at a time -----------------------------------------------------------------------------


class _Held:
    """What a run holds: ``keep()`` between batches renews a SQLite lease (a no-op on PostgreSQL)."""

    def __init__(self, engine: Engine | None, holder: str, lease: timedelta) -> None:
        self._engine, self.holder, self._lease = engine, holder, lease

    def keep(self) -> None:
        if self._engine is None:
            return
        with self._engine.begin() as conn:
            n = conn.execute(
                server_locks.update()
                .where(server_locks.c.name == LOCK_NAME, server_locks.c.holder == self.holder)
                .values(expires_at=utc_now() + self._lease)
            ).rowcount
        if n != 1:
            raise LockLost("the tick lease was taken over by another run; this run stops")


@contextmanager
def run_lock(engine: Engine, holder: str, *, lease: timedelta = LEASE) -> Iterator[_Held | None]:
    """Yield a handle when this run may work, None when another run holds the lock."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine) as got:
            yield _Held(None, holder, lease) if got else None
        return
    if not _take_lease(engine, holder, lease):
        yield None
        return
    try:
        yield _Held(engine, holder, lease)
    finally:
        with engine.begin() as conn:
            conn.execute(server_locks.delete().where(server_locks.c.name == LOCK_NAME,
                                                     server_locks.c.holder == holder))


@contextmanager
def _pg_lock(engine: Engine) -> Iterator[bool]:
    # A session lock on a connection of its own: the batches commit on other connections while it is
    # held, and if this process dies the server drops the lock with the connection.
    conn = engine.connect()
    try:
        got = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}))
        conn.commit()
        if not got:
            yield False
            return
        try:
            yield True
        finally:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
            except sa.exc.DBAPIError:
                # Never hand a connection that may still hold the lock back to the pool.
                conn.invalidate()
    finally:
        conn.close()


def _take_lease(engine: Engine, holder: str, lease: timedelta) -> bool:
    at = utc_now()  # leases run on the wall clock, never on a frozen `now`
    with engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite: two takers queue on the write lock
        row = conn.execute(sa.select(server_locks.c.holder, server_locks.c.expires_at)
                           .where(server_locks.c.name == LOCK_NAME)).first()
        if row is None:
            conn.execute(server_locks.insert().values(name=LOCK_NAME, holder=holder[:100], expires_at=at + lease))
            return True
        if row.expires_at > at:
            return False
        log.warning("tick: taking over a lease that expired at %s (its holder stopped without releasing it)",
                    row.expires_at.isoformat(timespec="seconds"))
        conn.execute(server_locks.update().where(server_locks.c.name == LOCK_NAME)
                     .values(holder=holder[:100], expires_at=at + lease))
        return True


# --- the run ---------------------------------------------------------------------------------------


def run_tick(engine: Engine, settings: Settings, *, now: datetime | None = None, holder: str | None = None,
             lease: timedelta = LEASE) -> TickResult:
    """One run of the deadline job at ``now`` (the wall clock by default; tests and the CLI freeze it)."""
    at = now or utc_now()
    if at.tzinfo is None:
        raise ValueError("run_tick needs an aware datetime")
    today = workdays.local_day(at, settings.tz)
    with run_lock(engine, holder or default_holder(), lease=lease) as held:
        if held is None:
            log.info("tick: another run holds the lock; nothing done")
            return TickResult(skipped_locked=True)
        filled = _fill_missing_due(engine, settings, today, held)
        closed = _auto_close(engine, today, at, held)
        marked = _mark_overdue(engine, today, at, held)
        held.keep()
        # Under the lock too: two hosts must not send the same e-mail.
        sent, failed = notify.send_due(engine, settings, at)
        held.keep()
        # Sessions expire on the wall clock, like the lease: a run with a frozen `now` days ahead (a
        # test, a demo) must not sign out the staff who are working right now.
        purged = _purge_sessions(engine, utc_now())
        held.keep()
        rolled = rollup.refresh_all(engine, settings, now=at, keep=held.keep)
        # After the rollups (the alerts read them) and under the lock (one digest per person per day).
        digests_sent, digests_failed = alert_digest.send_digests(engine, settings, at)
        held.keep()
        # Under the lock too: an incident e-mails once, and its recovery once, across hosts (issue 15).
        fleet = fleet_alerts.run(engine, settings, at)
    result = TickResult(marked, closed, sent, failed, purged, False, filled, rolled,
                        digests_sent=digests_sent, digests_failed=digests_failed,
                        fleet_opened=fleet.opened, fleet_resolved=fleet.resolved,
                        fleet_mails_sent=fleet.sent, fleet_mails_failed=fleet.failed)
    log.info("%s", result.summary())
    return result


def _fill_missing_due(engine: Engine, settings: Settings, today: date, held: _Held) -> int:
    cal = workdays.calendar(settings, around=today)
    tz = settings.tz
    c = complaints.c
    done, after = 0, ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(c.uuid, c.status, c.status_at, c.received_at)
                .where(c.status.in_(CLOCK_STATUSES), c.due_on.is_(None), c.uuid > after)
                .order_by(c.uuid).limit(BATCH)
            ).all()
            if not rows:
                return done
            conn.execute(
                complaints.update()
                .where(c.uuid == sa.bindparam("u"), c.status == sa.bindparam("s"), c.due_on.is_(None))
                .values(due_on=sa.bindparam("d")),
                [{"u": r.uuid, "s": r.status, "d": workdays.due_on(r.status, r.status_at, r.received_at, cal, tz)}
                 for r in rows],
            )
        done += len(rows)
        after = rows[-1].uuid
        held.keep()


def _auto_close_condition(today: date) -> sa.ColumnElement[bool]:
    c = complaints.c
    return sa.and_(
        c.status == Status.FOLLOWED_UP.value,
        c.due_on < today,
        sa.or_(c.citizen_rated_at.is_(None), c.citizen_rated_at < c.status_at),
        sa.or_(c.reopen_requested_at.is_(None), c.reopen_requested_at < c.status_at),
    )


def _auto_close(engine: Engine, today: date, at: datetime, held: _Held) -> int:
    cond = _auto_close_condition(today)
    note = both(AUTO_CLOSE_NOTE, days=AUTO_CLOSE_DAYS)
    detail = {"change": "auto_close", "status": Status.CLOSED.value}
    c = complaints.c
    total = 0
    while True:
        with engine.begin() as conn:
            lock_events(conn)  # kiosks pull events by id: every events writer takes this lock
            batch = sa.select(c.uuid).where(cond).limit(BATCH)
            # The condition again on the row itself: a desk action since the select must win.
            closing = (complaints.update().where(c.uuid.in_(batch.scalar_subquery()), cond)
                       .values(status=Status.CLOSED.value, status_at=at, closed_at=at, due_on=None, overdue_at=None)
                       .returning(c.uuid, c.device_id))
            if conn.dialect.name == "postgresql":
                n = _close_in_one_statement(conn, closing, at, note, detail)
            else:
                rows = conn.execute(closing).all()
                n = len(rows)
                if rows:
                    conn.execute(complaint_events.insert(), [
                        {"complaint_uuid": r.uuid, "device_id": r.device_id, "status": Status.CLOSED.value,
                         "at": at, "note": note, "actor": "system", "internal_note": None, "user_id": None}
                        for r in rows
                    ])
                    audit.record_each(conn, audit.SYSTEM, audit.TICK, ((r.uuid, detail) for r in rows),
                                      target="complaint", at=at)
            if not n:
                return total
        total += n
        held.keep()


def _close_in_one_statement(conn: sa.Connection, closing: sa.Update, at: datetime, note: str, detail: dict) -> int:
    """PostgreSQL: the update, its events and its audit rows as one statement (data-modifying CTEs), so
    a batch of thousands costs one round trip instead of one per row. Same rows as the portable path."""
    batch = closing.cte("batch")
    events = complaint_events.insert().from_select(
        ["complaint_uuid", "device_id", "status", "at", "note", "actor"],
        sa.select(batch.c.uuid, batch.c.device_id, sa.literal(Status.CLOSED.value), sa.literal(at, UtcDateTime),
                  sa.literal(note), sa.literal(audit.SYSTEM.username)),
    ).cte("events")
    audits = audit_log.insert().from_select(
        ["at", "username", "action", "complaint_uuid", "target", "detail"],
        sa.select(sa.literal(at, UtcDateTime), sa.literal(audit.SYSTEM.username), sa.literal(audit.TICK),
                  batch.c.uuid, sa.literal("complaint"), sa.literal(json.dumps(detail, sort_keys=True))),
    ).add_cte(events).returning(audit_log.c.id)
    # Counted from RETURNING: the driver's rowcount is not reliable for a statement with CTEs.
    return len(conn.execute(audits).all())


def _mark_overdue(engine: Engine, today: date, at: datetime, held: _Held) -> int:
    c = complaints.c
    cond = sa.and_(c.status.in_(CLOCK_STATUSES), c.due_on < today, c.overdue_at.is_(None))
    total = 0
    while True:
        with engine.begin() as conn:
            # No event is written, but staff actions take this lock first: taking it too means a bulk
            # action and a batch here never wait on each other's rows in opposite orders.
            lock_events(conn)
            batch = sa.select(c.uuid).where(cond).limit(BATCH)
            marking = (complaints.update().where(c.uuid.in_(batch.scalar_subquery()), cond)
                       .values(overdue_at=at).returning(c.uuid, c.status, c.due_on))
            if conn.dialect.name == "postgresql":
                marked = marking.cte("batch")
                # The same detail as record_each writes, built in SQL (jsonb prints its keys sorted).
                detail = sa.cast(sa.func.jsonb_build_object("change", "overdue", "status", marked.c.status,
                                                            "due_on", sa.func.to_char(marked.c.due_on, "YYYY-MM-DD")),
                                 sa.Text)
                n = len(conn.execute(audit_log.insert().from_select(
                    ["at", "username", "action", "complaint_uuid", "target", "detail"],
                    sa.select(sa.literal(at, UtcDateTime), sa.literal(audit.SYSTEM.username), sa.literal(audit.TICK),
                              marked.c.uuid, sa.literal("complaint"), detail),
                ).returning(audit_log.c.id)).all())
            else:
                rows = conn.execute(marking).all()
                n = audit.record_each(
                    conn, audit.SYSTEM, audit.TICK,
                    ((r.uuid, {"change": "overdue", "status": r.status, "due_on": r.due_on.isoformat()}) for r in rows),
                    target="complaint", at=at,
                )
            if not n:
                return total
        total += n
        held.keep()


def _purge_sessions(engine: Engine, at: datetime) -> int:
    # Expired and long-idle staff sessions (and throttle rows whose window is over) go on every run:
    # a session id is a bearer credential, so one that can no longer be used should not be kept.
    return int(staff.purge_expired(engine, at) or 0)
