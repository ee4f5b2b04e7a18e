"""The daily alert digest: one plain-text e-mail a day to each officer (their agencies' alerts) and each
member of the complaint desk (every alert), sent by ``tick`` under its lock. An action, no HTTP.

Who: active staff accounts with an e-mail address, role officer (alerts of the agencies in
``staff_agencies``) or desk (all, including the desk's own overdue complaints). When: the first tick at
or after ``digest_hour`` local time, and only when the recipient has alerts that day (a quiet day sends
nothing; alerts that appear later that day still go, once). Once: table ``alert_digests`` holds one row
per local day and recipient; "sent" ends the day. A failed attempt leaves the row "pending" and the next
tick tries again, up to ``MAX_ATTEMPTS`` tries (an hour of 5-minute ticks); a permanent refusal (SMTP
5xx, a malformed address) is "failed" at once. Nothing goes while ``smtp_host`` is empty.

What: Indonesian, then English, each alert as one sentence (analytics.alerts.describe: counts, scores,
unit names; nothing a citizen wrote or who they are) and a link to ``{public_url}/staff/dashboard``.
No address is logged or stored here; a failure is kept as the SMTP error class and code (mail.SendError).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

import sqlalchemy as sa

from ..i18n import translator
from . import mail
from .access import Role
from .analytics import alerts as alert_rules
from .analytics.figures import Alert
from .db import alert_digests, reader, staff_agencies, staff_users, upsert
from .settings import Settings

log = logging.getLogger(__name__)

SENT, PENDING, FAILED = "sent", "pending", "failed"
MAX_ATTEMPTS = 12

# msgids (assets/locale/*/LC_MESSAGES/dash_alerts.po)
SUBJECT = "iPLiK alerts for {day}"
GREETING = "Dear colleague,"
INTRO = "{count} alerts for {day}, from the kiosks' ratings and complaints:"
SEE_AT = "See the figures behind them on the dashboard:"
FOOTER = "Sent automatically once a day to iPLiK officers and the complaint desk. Do not reply to it."


@dataclass(frozen=True, slots=True)
class Digest:
    """One recipient's digest of one day (``address`` is used to send and never stored or logged)."""

    user_id: int
    username: str
    address: str
    local_day: date
    alerts: tuple[Alert, ...]
    attempts: int  # tries already made today


def due_day(settings: Settings, now: datetime) -> date | None:
    """Today's local day when its digest may go at ``now`` (at or after digest_hour), else None."""
    local = now.astimezone(settings.tz)
    return local.date() if local.hour >= settings.digest_hour else None


def plan(engine: sa.Engine, settings: Settings, now: datetime) -> list[Digest]:
    """The digests to try at ``now``: recipients with alerts today and no sent or failed digest yet."""
    day = due_day(settings, now)
    if day is None:
        return []
    u = staff_users.c
    with reader(engine) as conn:
        done = {r.user_id: r for r in conn.execute(
            sa.select(alert_digests.c.user_id, alert_digests.c.status, alert_digests.c.attempts)
            .where(alert_digests.c.local_day == day)).all()}
        people = conn.execute(
            sa.select(u.id, u.username, u.role, u.email)
            .where(u.disabled_at.is_(None), u.email.is_not(None), u.email != "",
                   u.role.in_((Role.OFFICER.value, Role.DESK.value)))
            .order_by(u.id)).all()
        agencies: dict[int, set[str]] = {}
        for r in conn.execute(sa.select(staff_agencies.c.user_id, staff_agencies.c.agency_id)
                              .where(staff_agencies.c.user_id.in_([p.id for p in people]))).all():
            agencies.setdefault(r.user_id, set()).add(r.agency_id)
        due = [(p, done.get(p.id), None if p.role == Role.DESK.value else frozenset(agencies.get(p.id, ())))
               for p in people if p.id not in done or done[p.id].status == PENDING]
        # Officers sharing the same agencies read the same alerts: computed once per set (an officer with
        # no agency has none).
        by_scope = alert_rules.alerts_by_scope(conn, settings, day, [scope for _p, _e, scope in due])
    return [Digest(p.id, p.username, p.email.strip(), day, tuple(by_scope[scope]),
                   earlier.attempts if earlier is not None else 0)
            for p, earlier, scope in due if by_scope[scope]]


def send_digests(engine: sa.Engine, settings: Settings, now: datetime) -> tuple[int, int]:
    """Send the digests due at ``now``; returns (sent, failed attempts)."""
    if not settings.smtp_host:
        return 0, 0
    digests = plan(engine, settings, now)
    sent = failed = 0
    with mail.Mailer(settings) as mailer:
        for d in digests:
            if not mail.valid_address(d.address):
                failed += 1
                _record(engine, d, FAILED, now, error="invalid address")
                continue
            try:
                mailer.send(compose(settings, d, at=now))
            except mail.SendError as e:
                failed += 1
                final = e.permanent or d.attempts + 1 >= MAX_ATTEMPTS
                _record(engine, d, FAILED if final else PENDING, now, error=e.reason)
                continue
            sent += 1
            _record(engine, d, SENT, now, error=None)
    if digests:
        log.info("alert digest: %d sent, %d failed of %d due", sent, failed, len(digests))
    return sent, failed


def _record(engine: sa.Engine, d: Digest, status: str, at: datetime, *, error: str | None) -> None:
    values = {"status": status, "attempts": d.attempts + 1, "sent_at": at if status == SENT else None,
              "last_error": error}
    with engine.begin() as conn:
        stmt = upsert(conn, alert_digests).values(local_day=d.local_day, user_id=d.user_id, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["local_day", "user_id"], set_=values))


# --- the message ---------------------------------------------------------------------------------------


def text_lines(settings: Settings, d: Digest, lang: str) -> list[str]:
    t = translator(lang)
    day = d.local_day.isoformat()
    lines = [t(GREETING), "", t(INTRO).format(count=len(d.alerts), day=day), ""]
    for a in d.alerts:
        # The severity in words and a mark, so it reads the same in any mail program.
        mark = "!!" if a.severity == alert_rules.DANGER else "!"
        lines.append(f"{mark} [{t(alert_rules.severity_label(a))}] {alert_rules.describe(a, lang)}")
    return [*lines, "", t(SEE_AT), f"{settings.public_url}/staff/dashboard", "", t(FOOTER)]


def compose(settings: Settings, d: Digest, *, at: datetime) -> EmailMessage:
    day = d.local_day.isoformat()
    subjects = (translator("id")(SUBJECT).format(day=day), translator("en")(SUBJECT).format(day=day))
    return mail.bilingual(settings, to=d.address, subjects=subjects, at=at, tag="iplik-digest",
                          bodies=(text_lines(settings, d, "id"), text_lines(settings, d, "en")))
