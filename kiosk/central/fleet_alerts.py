"""Fleet alerts: incidents per kiosk and kind, opened and resolved by ``tick``, each e-mailed once to the
office's technicians, and its recovery once. An action, no HTTP.

The rules (docs/fleet.md, "Incidents" and "E-mail"):

* On every tick, for every kiosk not revoked, ``fleet_health.conditions`` names the kinds it is in. A kind
  with no open incident opens one; an open incident whose kind is gone is resolved. At most one open
  incident per kiosk and kind (a partial unique index), so a second tick, a restart or a second host
  changes nothing. A revoked kiosk's open incidents are closed without a word: revoked kiosks never alert.
* Offline counts only while the office is open: its hours (``kiosk_settings.office_hours_for``) for the
  whole threshold, on a day that is not a holiday (``workdays.holiday_dates``); weekends are the hours'
  business (an office open on Saturday says so in its hours).
* E-mail: an open incident not yet notified is e-mailed (a version behind only once it has been behind
  for ``fleet_version_grace_hours``); a resolved incident that was notified gets one recovery notice. An
  incident resolved before its alert went out sends nothing at all (a blip is not news). To the active
  technicians with an address who look after the kiosk's office (``office_technicians``), and to those
  tied to no office. A failed try is tried again on the next tick, up to MAX_ATTEMPTS; a permanent
  refusal ends at once. Delivery is at least once, as for every mail of the server (notify.py).

It runs under the tick's lock (``tick.run_tick``), so two hosts never send the same mail.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from .. import __version__
from ..domain import office_hours
from ..i18n import translator
from . import fleet_health as H
from . import kiosk_settings, mail, workdays
from .access import Role
from .db import (
    devices,
    fleet_incidents,
    office_technicians,
    reader,
    staff_users,
    upsert,
)
from .settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # an hour of 5-minute ticks
SEND_BATCH = 200  # mails per run: a province-wide outage drains over a few runs

ALERT, RECOVERY = "alert", "recovery"
# ``last_error`` of an incident nobody could be told of: no active technician with an address for its office.
NO_RECIPIENT = "no recipient"

# msgids (assets/locale/*/LC_MESSAGES/fleet.po)
SUBJECT_ALERT = "iPLiK kiosk \u201c{name}\u201d ({office}): {kind}"
SUBJECT_RECOVERY = "Resolved: iPLiK kiosk \u201c{name}\u201d ({office}): {kind}"
GREETING = "Dear technician,"
ALERT_LINE = "The kiosk \u201c{name}\u201d at {office} needs attention: {kind}, since {time}."
RECOVERY_LINE = "The kiosk \u201c{name}\u201d at {office} is fine again: {kind} ended at {time}, after {duration}."
SEE_AT = "Every kiosk and its health on the fleet page:"
FOOTER = "Sent automatically to the technicians of this office, once per incident. Do not reply to it."


@dataclass(frozen=True, slots=True)
class FleetRun:
    opened: int = 0
    resolved: int = 0
    sent: int = 0
    failed: int = 0


def run(engine: sa.Engine, settings: Settings, now: datetime) -> FleetRun:
    """One tick's work: bring the incidents up to date at ``now``, then send what is due."""
    opened, resolved = evaluate(engine, settings, now)
    sent, failed = send_due(engine, settings, now)
    return FleetRun(opened, resolved, sent, failed)


# --- incidents -----------------------------------------------------------------------------------------


def evaluate(engine: sa.Engine, settings: Settings, now: datetime) -> tuple[int, int]:
    """Open and resolve incidents as the kiosks' newest heartbeats say at ``now``; returns (opened, resolved)."""
    d, i = devices.c, fleet_incidents.c
    limits = H.Thresholds.of(settings)
    local_now = now.astimezone(settings.tz)
    holidays = workdays.holiday_dates(settings, local_now.year - 1, local_now.year + 1)
    with reader(engine) as conn:
        kiosks = conn.execute(sa.select(d.id, d.revoked_at, d.enrolled_at, d.heartbeat_at, d.heartbeat)).all()
        open_rows = conn.execute(sa.select(i.id, i.device_id, i.kind).where(i.resolved_at.is_(None))).all()
    hours = kiosk_settings.office_hours_for(engine, [k.id for k in kiosks if k.revoked_at is None])
    open_by_device: dict[str, dict[str, int]] = {}
    for r in open_rows:
        open_by_device.setdefault(r.device_id, {})[r.kind] = r.id
    to_open: list[dict[str, Any]] = []
    to_resolve: list[int] = []
    quiet: list[int] = []  # resolved without a recovery notice (revoked; paper low turned into paper out)
    for k in kiosks:
        mine = open_by_device.get(k.id, {})
        if k.revoked_at is not None:
            quiet.extend(mine.values())
            continue
        silent_since = k.heartbeat_at or k.enrolled_at
        # The default week when the settings give none for this kiosk (the contract promises one for each).
        window = H.office_open_for(hours.get(k.id, office_hours.DEFAULT), holidays, local_now, limits.offline)
        now_in = H.conditions(H.health(k.heartbeat, k.heartbeat_at), silent_since=silent_since, now=now,
                              open_window=window, open_kinds=frozenset(mine), limits=limits,
                              server_version=__version__)
        for kind, detail in now_in.items():
            if kind not in mine:
                to_open.append({"device_id": k.id, "kind": kind, "opened_at": now, "attempts": 0,
                                "detail": json.dumps(detail, sort_keys=True)})
        for kind, incident_id in mine.items():
            if kind in now_in:
                continue
            # Paper low becoming paper out is the same roll getting worse, not a recovery.
            (quiet if kind == H.PAPER_LOW and H.PAPER_OUT in now_in else to_resolve).append(incident_id)
    if not (to_open or to_resolve or quiet):
        return 0, 0
    with engine.begin() as conn:
        if to_open:
            # The lock makes a clash impossible; should a stalled run overlap anyway, the open incident that
            # is already there wins and this run goes on (one open incident per kiosk and kind, db.py).
            conn.execute(upsert(conn, fleet_incidents).on_conflict_do_nothing(
                index_elements=["device_id", "kind"], index_where=i.resolved_at.is_(None)), to_open)
        if to_resolve:
            conn.execute(fleet_incidents.update().where(i.id.in_(to_resolve), i.resolved_at.is_(None))
                         .values(resolved_at=now, attempts=0))
        if quiet:
            conn.execute(fleet_incidents.update().where(i.id.in_(quiet), i.resolved_at.is_(None))
                         .values(resolved_at=now, recovery_notified_at=now))
    if to_open or to_resolve:
        log.info("fleet: %d incidents opened, %d resolved", len(to_open), len(to_resolve))
    return len(to_open), len(to_resolve) + len(quiet)


# --- e-mail --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """One mail to send: an incident's alert or its recovery notice."""

    incident_id: int
    what: str  # ALERT or RECOVERY
    kind: str
    device_id: str
    name: str
    office: str
    opened_at: datetime
    resolved_at: datetime | None
    attempts: int
    detail: dict[str, Any]


def due_mails(engine: sa.Engine, settings: Settings, now: datetime) -> list[Due]:
    """The alerts and recovery notices to send at ``now``, oldest first."""
    i, d = fleet_incidents.c, devices.c
    grace = now - timedelta(hours=settings.fleet_version_grace_hours)
    alert = sa.and_(i.resolved_at.is_(None), i.notified_at.is_(None),
                    sa.or_(i.kind != H.VERSION_BEHIND, i.opened_at <= grace))
    # A recovery only of what was told: not of an incident stamped because nobody could be told of it.
    recovery = sa.and_(i.resolved_at.is_not(None), i.notified_at.is_not(None), i.recovery_notified_at.is_(None),
                       sa.or_(i.last_error.is_(None), i.last_error != NO_RECIPIENT))
    with reader(engine) as conn:
        rows = conn.execute(
            sa.select(i.id, i.kind, i.device_id, i.opened_at, i.resolved_at, i.attempts, i.detail, d.name, d.office)
            .join(devices, devices.c.id == i.device_id)
            .where(sa.or_(alert, recovery), i.attempts < MAX_ATTEMPTS, d.revoked_at.is_(None))
            .order_by(i.id).limit(SEND_BATCH)
        ).all()
    return [Due(r.id, ALERT if r.resolved_at is None else RECOVERY, r.kind, r.device_id, r.name, r.office,
                r.opened_at, r.resolved_at, r.attempts, H.incident_detail(r.detail)) for r in rows]


def recipients(engine: sa.Engine) -> tuple[dict[str, list[str]], list[str]]:
    """({office: addresses of its technicians}, addresses of technicians tied to no office). Active
    technician accounts with an address only; addresses are used to send and never stored or logged."""
    u, o = staff_users.c, office_technicians.c
    with reader(engine) as conn:
        people = conn.execute(sa.select(u.id, u.email).where(
            u.role == Role.TECHNICIAN.value, u.disabled_at.is_(None), u.email.is_not(None), u.email != "")
            .order_by(u.id)).all()
        ties = conn.execute(sa.select(o.office, o.user_id)).all()
    address = {p.id: p.email.strip() for p in people}
    tied = {t.user_id for t in ties}
    by_office: dict[str, list[str]] = {}
    for t in ties:
        if t.user_id in address:
            by_office.setdefault(t.office, []).append(address[t.user_id])
    return by_office, [a for uid, a in address.items() if uid not in tied]


def send_due(engine: sa.Engine, settings: Settings, now: datetime) -> tuple[int, int]:
    """Send the alerts and recovery notices due at ``now``; returns (mails sent, failed tries).
    Nothing while smtp_host is empty (the incidents wait, and show on the page)."""
    if not settings.smtp_host:
        return 0, 0
    due = due_mails(engine, settings, now)
    if not due:
        return 0, 0
    by_office, everyone = recipients(engine)
    sent = failed = 0
    with mail.Mailer(settings) as mailer:
        for item in due:
            to = sorted(set(by_office.get(item.office, [])) | set(everyone))
            if not to:
                _done(engine, item, now, error=NO_RECIPIENT)
                continue
            delivered, errors = 0, []
            for address in to:
                if not mail.valid_address(address):
                    errors.append(mail.SendError("invalid address", permanent=True))
                    continue
                try:
                    mailer.send(compose(settings, item, to=address, at=now))
                    delivered += 1
                except mail.SendError as e:
                    errors.append(e)
            sent += delivered
            failed += len(errors)
            if delivered:
                # At least one technician has it: done (the others' failures are kept as the error).
                _done(engine, item, now, error=errors[0].reason if errors else None)
            elif all(e.permanent for e in errors) or item.attempts + 1 >= MAX_ATTEMPTS:
                _done(engine, item, now, error=errors[0].reason + " (given up)")
            else:
                _retry(engine, item, error=errors[0].reason)
    log.info("fleet alerts: %d mails sent, %d failed tries, %d due", sent, failed, len(due))
    return sent, failed


def _done(engine: sa.Engine, item: Due, at: datetime, *, error: str | None) -> None:
    i = fleet_incidents.c
    stamp = {"notified_at": at} if item.what == ALERT else {"recovery_notified_at": at}
    with engine.begin() as conn:
        conn.execute(fleet_incidents.update().where(i.id == item.incident_id)
                     .values(**stamp, attempts=0, last_error=(error or None) and error[:300]))


def _retry(engine: sa.Engine, item: Due, *, error: str) -> None:
    i = fleet_incidents.c
    with engine.begin() as conn:
        conn.execute(fleet_incidents.update().where(i.id == item.incident_id)
                     .values(attempts=item.attempts + 1, last_error=error[:300]))


# --- the message ---------------------------------------------------------------------------------------


def text_lines(settings: Settings, item: Due, lang: str) -> list[str]:
    t = translator(lang)
    kind = t(H.LABELS.get(item.kind, item.kind))

    def local(moment: datetime) -> str:
        return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z")  # e.g. WITA

    name, office = one_line(item.name, 200), one_line(item.office, 200)
    if item.what == ALERT:
        news = t(ALERT_LINE).format(name=name, office=office, kind=kind, time=local(item.opened_at))
    else:
        assert item.resolved_at is not None
        news = t(RECOVERY_LINE).format(name=name, office=office, kind=kind,
                                       time=local(item.resolved_at),
                                       duration=H.duration((item.resolved_at - item.opened_at).total_seconds(), t))
    # The figures belong to the alert; on a recovery they would describe what is over.
    detail = H.detail_line(item.kind, item.detail, t, settings.tz) if item.what == ALERT else ""
    lines = [t(GREETING), "", news, *([detail] if detail else []), f"({item.device_id})", ""]
    return [*lines, t(SEE_AT), f"{settings.public_url}/staff/fleet", "", t(FOOTER)]


def one_line(text: str, limit: int = 80) -> str:
    """``text`` as one line of at most ``limit`` characters: a kiosk names itself at enrollment, and a line
    break in a Subject header would be refused by the mail library (or, elsewhere, add a header)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:limit]


def compose(settings: Settings, item: Due, *, to: str, at: datetime) -> EmailMessage:
    subject = SUBJECT_ALERT if item.what == ALERT else SUBJECT_RECOVERY
    parts = []
    for lang in ("id", "en"):
        t = translator(lang)
        parts.append(t(subject).format(name=one_line(item.name), office=one_line(item.office),
                                       kind=t(H.LABELS.get(item.kind, item.kind))))
    # X-IPLIK-Incident: which incident and which notice, for a mail filter (and the tests) to tell apart.
    return mail.bilingual(settings, to=to, subjects=(parts[0], parts[1]), at=at, tag="iplik-fleet",
                          bodies=(text_lines(settings, item, "id"), text_lines(settings, item, "en")),
                          headers={"X-IPLIK-Incident": f"{item.incident_id} {item.what} {item.kind}"})
