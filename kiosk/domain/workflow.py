"""Where a report stands, where it may go next, and by when (SP4N-LAPOR! service levels).

The clocks run in working days and start when a report reaches the central server (SENT), not when
it is typed at the kiosk: an offline kiosk must not make an agency look late. Service levels:

* verified and forwarded to the agency within 3 working days of SENT;
* the agency posts its follow-up within 5 working days of FORWARDED;
* without a reply from the citizen the report closes 10 working days after FOLLOWED_UP.

Labels and explanations are English msgids, translated by the i18n layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from .errors import InvalidTransition


class Status(str, Enum):
    RECEIVED_AT_KIOSK = "received_at_kiosk"
    SENT = "sent"
    VERIFIED = "verified"
    FORWARDED = "forwarded"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    NOT_AUTHORITY = "not_authority"  # bukan wewenang
    ON_HOLD = "on_hold"  # tunda


STATUS_LABELS: dict[Status, str] = {
    Status.RECEIVED_AT_KIOSK: "Recorded at the kiosk",
    Status.SENT: "Sent",
    Status.VERIFIED: "Verified",
    Status.FORWARDED: "Forwarded to the agency",
    Status.FOLLOWED_UP: "Followed up",
    Status.CLOSED: "Closed",
    Status.NOT_AUTHORITY: "Not within authority",
    Status.ON_HOLD: "On hold",
}

STATUS_EXPLANATIONS: dict[Status, str] = {
    Status.RECEIVED_AT_KIOSK: (
        "Your report is saved on this kiosk and will be sent to the central office as soon as the "
        "kiosk is online."
    ),
    Status.SENT: "Your report has reached the central office and is waiting to be checked by an officer.",
    Status.VERIFIED: "An officer has checked your report and is passing it to the agency that must handle it.",
    Status.FORWARDED: "The agency responsible has received your report and must answer within 5 working days.",
    Status.FOLLOWED_UP: (
        "The agency has answered. Read the answer and reply within 10 working days if you are not "
        "satisfied."
    ),
    Status.CLOSED: "Your report is finished. Thank you for helping to improve public services.",
    Status.NOT_AUTHORITY: (
        "This matter is not handled by the government offices in this system, so it cannot be "
        "followed up here."
    ),
    Status.ON_HOLD: "Work on your report is paused for now, usually because more information is needed.",
}

TERMINAL: frozenset[Status] = frozenset({Status.CLOSED, Status.NOT_AUTHORITY})

# The history lives on the server; from ON_HOLD the officer resumes wherever the report had reached,
# hence the wide fan-out. A citizen's reply to a follow-up sends the report back to the agency.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED_AT_KIOSK: frozenset({Status.SENT}),
    Status.SENT: frozenset({Status.VERIFIED, Status.NOT_AUTHORITY, Status.ON_HOLD}),
    Status.VERIFIED: frozenset({Status.FORWARDED, Status.NOT_AUTHORITY, Status.ON_HOLD}),
    Status.FORWARDED: frozenset({Status.FOLLOWED_UP, Status.NOT_AUTHORITY, Status.ON_HOLD}),
    Status.FOLLOWED_UP: frozenset({Status.CLOSED, Status.FORWARDED}),
    Status.ON_HOLD: frozenset(
        {Status.VERIFIED, Status.FORWARDED, Status.FOLLOWED_UP, Status.NOT_AUTHORITY, Status.CLOSED}
    ),
    Status.CLOSED: frozenset(),
    Status.NOT_AUTHORITY: frozenset(),
}


def _status(value: Status | str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise InvalidTransition(f"unknown status {value!r}") from None


def can_transition(old: Status | str, new: Status | str) -> bool:
    try:
        check_transition(old, new)
    except InvalidTransition:
        return False
    return True


def check_transition(old: Status | str, new: Status | str) -> Status:
    """The new status if ``old -> new`` is allowed; :class:`InvalidTransition` otherwise.

    Staying in the same status is not a transition, so it is refused too: a replayed status update
    must be recognised as a replay by whoever stores it, not pass silently as a change.
    """
    old, new = _status(old), _status(new)
    if old in TERMINAL:
        raise InvalidTransition(f"a report that is {old.value} is final and cannot become {new.value}")
    if new not in TRANSITIONS[old]:
        raise InvalidTransition(f"a report cannot go from {old.value} to {new.value}")
    return new


# --- working days ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Monday..Friday minus ``holidays`` (national holidays and cuti bersama, as the caller decides).

    Counting convention: the start day is day 0 and is never counted, whatever day it is; day 1 is
    the first working day after it. A report received on Friday with 3 working days is due Wednesday
    (Mon 1, Tue 2, Wed 3); one received on Saturday is due Wednesday as well.
    """

    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; negative when ``b`` is before ``a``.

        The inverse of :meth:`add_working_days`: ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        # Whole weeks arithmetically, so a ten-year span costs no more than a fortnight.
        days = (b - a).days
        weeks, rest = divmod(days, 7)
        count = weeks * 5
        day = a + timedelta(days=weeks * 7)
        for _ in range(rest):
            day += timedelta(days=1)
            if day.weekday() < 5:
                count += 1
        count -= sum(1 for h in self.holidays if a < h <= b and h.weekday() < 5)
        return count


# --- deadlines -------------------------------------------------------------------------------------

VERIFY_AND_FORWARD_DAYS = 3
FOLLOW_UP_DAYS = 5
AUTO_CLOSE_DAYS = 10

LABEL_VERIFY_AND_FORWARD = "Checked and forwarded to the agency"
LABEL_FOLLOW_UP = "Answer from the agency"
LABEL_AUTO_CLOSE = "Closes automatically if you do not reply"
# For the receipt: "<label> <date>".
LABEL_TIMELINE_FORWARDED = "Checked and forwarded by"
LABEL_TIMELINE_ANSWERED = "Answered by about"


@dataclass(frozen=True, slots=True)
class Deadline:
    label: str  # msgid
    due: date


def next_deadline(
    status: Status | str, status_date: date, calendar: WorkCalendar, *, sent_on: date | None = None
) -> Deadline | None:
    """The next service level the report is waiting for, or None when no clock runs.

    ``status_date`` is the day the report entered ``status``. For VERIFIED the 3-day clock still runs
    from the day it was SENT: pass ``sent_on`` (without it the verification day stands in, which is
    lenient by the days verification took). No clock before SENT, while ON_HOLD, or when final.
    """
    status = _status(status)
    if status is Status.SENT:
        return Deadline(LABEL_VERIFY_AND_FORWARD, calendar.add_working_days(status_date, VERIFY_AND_FORWARD_DAYS))
    if status is Status.VERIFIED:
        start = sent_on or status_date
        return Deadline(LABEL_VERIFY_AND_FORWARD, calendar.add_working_days(start, VERIFY_AND_FORWARD_DAYS))
    if status is Status.FORWARDED:
        return Deadline(LABEL_FOLLOW_UP, calendar.add_working_days(status_date, FOLLOW_UP_DAYS))
    if status is Status.FOLLOWED_UP:
        return Deadline(LABEL_AUTO_CLOSE, calendar.add_working_days(status_date, AUTO_CLOSE_DAYS))
    return None


def is_overdue(
    status: Status | str,
    status_date: date,
    today: date,
    calendar: WorkCalendar,
    *,
    sent_on: date | None = None,
) -> bool:
    """True once the due day has passed; the due day itself still belongs to whoever must act.

    For FOLLOWED_UP "overdue" means the report is due to be closed automatically.
    """
    deadline = next_deadline(status, status_date, calendar, sent_on=sent_on)
    return deadline is not None and today > deadline.due


def expected_timeline(sent_on: date, calendar: WorkCalendar) -> list[Deadline]:
    """What the receipt promises: forwarded within 3 working days of reaching the server, answered
    about 5 working days later. "About", because forwarding early brings the answer forward too.

    A receipt printed offline passes the day it expects the report to be sent (usually today).
    """
    forwarded = calendar.add_working_days(sent_on, VERIFY_AND_FORWARD_DAYS)
    answered = calendar.add_working_days(forwarded, FOLLOW_UP_DAYS)
    return [Deadline(LABEL_TIMELINE_FORWARDED, forwarded), Deadline(LABEL_TIMELINE_ANSWERED, answered)]
