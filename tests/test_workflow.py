"""Status workflow, the working-day calendar and SP4N-LAPOR! deadlines."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import InvalidTransition
from kiosk.domain.workflow import (
    LABEL_AUTO_CLOSE,
    LABEL_FOLLOW_UP,
    LABEL_TIMELINE_ANSWERED,
    LABEL_TIMELINE_FORWARDED,
    LABEL_VERIFY_AND_FORWARD,
    STATUS_EXPLANATIONS,
    STATUS_LABELS,
    TERMINAL,
    TRANSITIONS,
    Deadline,
    Status,
    WorkCalendar,
    can_transition,
    check_transition,
    expected_timeline,
    is_overdue,
    next_deadline,
)
from kiosk.i18n import messages

S = Status

# Written out by hand, independently of TRANSITIONS, so that a change to the table fails here.
LEGAL = {
    (S.RECEIVED_AT_KIOSK, S.SENT),
    (S.SENT, S.VERIFIED),
    (S.SENT, S.NOT_AUTHORITY),
    (S.SENT, S.ON_HOLD),
    (S.VERIFIED, S.FORWARDED),
    (S.VERIFIED, S.NOT_AUTHORITY),
    (S.VERIFIED, S.ON_HOLD),
    (S.FORWARDED, S.FOLLOWED_UP),
    (S.FORWARDED, S.NOT_AUTHORITY),
    (S.FORWARDED, S.ON_HOLD),
    (S.FOLLOWED_UP, S.CLOSED),
    (S.FOLLOWED_UP, S.FORWARDED),  # the citizen replied: back to the agency
    (S.ON_HOLD, S.VERIFIED),
    (S.ON_HOLD, S.FORWARDED),
    (S.ON_HOLD, S.FOLLOWED_UP),
    (S.ON_HOLD, S.NOT_AUTHORITY),
    (S.ON_HOLD, S.CLOSED),
}
ALL_PAIRS = list(itertools.product(Status, Status))

# Indonesian national holidays 2026 (libur nasional, SKB 3 Menteri) as a caller would load them;
# the lunar ones are the announced dates, which sidang isbat may still move by a day.
HOLIDAYS_2026 = frozenset(
    date(2026, m, d)
    for m, d in [
        (1, 1),  # Tahun Baru Masehi (Thu)
        (1, 16),  # Isra Mikraj (Fri)
        (2, 17),  # Tahun Baru Imlek (Tue)
        (3, 19),  # Nyepi (Thu)
        (3, 20),  # Idul Fitri (Fri)
        (3, 21),  # Idul Fitri (Sat)
        (4, 3),  # Wafat Yesus Kristus (Fri)
        (5, 1),  # Hari Buruh (Fri)
        (5, 14),  # Kenaikan Yesus Kristus (Thu)
        (5, 27),  # Idul Adha (Wed)
        (5, 31),  # Waisak (Sun)
        (6, 1),  # Hari Lahir Pancasila (Mon)
        (6, 16),  # Tahun Baru Islam (Tue)
        (8, 17),  # Hari Kemerdekaan (Mon)
        (8, 25),  # Maulid Nabi (Tue)
        (12, 25),  # Natal (Fri)
    ]
)
CAL = WorkCalendar(HOLIDAYS_2026)
PLAIN = WorkCalendar(frozenset())

FRI = date(2026, 3, 6)
assert FRI.weekday() == 4


# --- transitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("old, new", ALL_PAIRS, ids=lambda s: s.value)
def test_every_pair(old, new):
    if (old, new) in LEGAL:
        assert check_transition(old, new) is new
        assert can_transition(old.value, new.value)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(old, new)
        assert not can_transition(old, new)


def test_table_matches_the_hand_written_list():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(Status)


def test_terminal_states():
    assert TERMINAL == {S.CLOSED, S.NOT_AUTHORITY}
    for final in TERMINAL:
        assert not TRANSITIONS[final]
        for new in Status:
            with pytest.raises(InvalidTransition, match="final"):
                check_transition(final, new)


def test_staying_put_is_not_a_transition():
    for status in Status:
        with pytest.raises(InvalidTransition):
            check_transition(status, status)


def test_strings_are_accepted_and_unknown_ones_refused():
    assert check_transition("sent", "verified") is S.VERIFIED
    with pytest.raises(InvalidTransition, match="unknown status"):
        check_transition("sent", "approved")
    with pytest.raises(InvalidTransition):
        check_transition("draft", "sent")


def test_every_report_can_end():
    def reachable(start):
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert reachable(S.RECEIVED_AT_KIOSK) == set(Status)
    for status in set(Status) - TERMINAL:
        assert reachable(status) & TERMINAL, status


# --- labels ----------------------------------------------------------------------------------------


def test_every_status_has_a_label_and_an_explanation():
    assert set(STATUS_LABELS) == set(STATUS_EXPLANATIONS) == set(Status)
    for text in STATUS_EXPLANATIONS.values():
        assert text.endswith(".") and text.count(". ") <= 1


@pytest.mark.parametrize(
    "status, indonesian",
    [
        (S.RECEIVED_AT_KIOSK, "Tercatat di kiosk"),
        (S.SENT, "Terkirim"),
        (S.VERIFIED, "Diverifikasi"),
        (S.FORWARDED, "Diteruskan ke instansi"),
        (S.FOLLOWED_UP, "Ditindaklanjuti"),
        (S.CLOSED, "Selesai"),
        (S.NOT_AUTHORITY, "Bukan wewenang"),
        (S.ON_HOLD, "Ditunda"),
    ],
)
def test_indonesian_status_names(status, indonesian):
    table = messages("id")
    assert table[STATUS_LABELS[status]] == indonesian
    assert STATUS_EXPLANATIONS[status] in table


def test_status_values_are_stable():
    """They are stored in SQLite and sent over the wire."""
    assert [s.value for s in Status] == [
        "received_at_kiosk", "sent", "verified", "forwarded", "followed_up", "closed", "not_authority", "on_hold",
    ]


# --- working days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, n, due",
    [
        (FRI, 0, FRI),
        (FRI, 1, date(2026, 3, 9)),  # Monday
        (FRI, 3, date(2026, 3, 11)),  # Friday + 3 = Wednesday
        (FRI, 5, date(2026, 3, 13)),
        (date(2026, 3, 7), 3, date(2026, 3, 11)),  # Saturday + 3 = Wednesday
        (date(2026, 3, 8), 3, date(2026, 3, 11)),  # Sunday + 3 = Wednesday
        (date(2026, 3, 9), 3, date(2026, 3, 12)),  # Monday + 3 = Thursday
        (date(2026, 3, 13), 5, date(2026, 3, 20)),  # no holidays: Friday + 5 = next Friday
    ],
)
def test_add_working_days_without_holidays(start, n, due):
    assert PLAIN.add_working_days(start, n) == due


@pytest.mark.parametrize(
    "start, n, due",
    [
        (date(2026, 3, 13), 5, date(2026, 3, 24)),  # Nyepi Thu 19 and Idul Fitri Fri 20 skipped
        (date(2026, 3, 18), 1, date(2026, 3, 23)),  # Wednesday before the long weekend
        (date(2026, 3, 19), 1, date(2026, 3, 23)),  # starting on a holiday
        (date(2025, 12, 31), 1, date(2026, 1, 2)),  # New Year
        (date(2026, 1, 15), 1, date(2026, 1, 19)),  # Isra Mikraj Friday
        (date(2026, 5, 29), 1, date(2026, 6, 2)),  # Pancasila Monday; Waisak on Sunday changes nothing
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Friday
        (date(2026, 5, 13), 3, date(2026, 5, 19)),  # Thu 14 (Ascension) skipped
    ],
)
def test_add_working_days_with_2026_holidays(start, n, due):
    assert CAL.add_working_days(start, n) == due


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        PLAIN.add_working_days(FRI, -1)


def test_working_days_in_2026():
    # 261 weekdays in 2026 (it starts on a Thursday), 14 of the listed holidays fall on a weekday.
    assert PLAIN.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261
    assert CAL.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247


@pytest.mark.parametrize(
    "a, b, n",
    [
        (FRI, FRI, 0),
        (FRI, date(2026, 3, 7), 0),  # Saturday
        (FRI, date(2026, 3, 9), 1),
        (FRI, date(2026, 3, 11), 3),
        (date(2026, 3, 11), FRI, -3),
        (date(2026, 3, 13), date(2026, 3, 24), 5),
    ],
)
def test_working_days_between(a, b, n):
    assert CAL.working_days_between(a, b) == n


days_2025_2027 = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 1))


@given(days_2025_2027, st.integers(0, 60))
def test_between_inverts_add(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, due) == n
    if n:
        assert CAL.is_working_day(due)
        assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


@given(days_2025_2027, days_2025_2027)
def test_between_matches_counting_day_by_day(a, b):
    lo, hi = min(a, b), max(a, b)
    count = sum(1 for i in range(1, (hi - lo).days + 1) if CAL.is_working_day(lo + timedelta(days=i)))
    assert CAL.working_days_between(lo, hi) == count
    assert CAL.working_days_between(hi, lo) == -count


# --- deadlines -------------------------------------------------------------------------------------


def test_deadlines_from_a_friday():
    assert next_deadline(S.SENT, FRI, PLAIN) == Deadline(LABEL_VERIFY_AND_FORWARD, date(2026, 3, 11))
    assert next_deadline(S.FORWARDED, FRI, PLAIN) == Deadline(LABEL_FOLLOW_UP, date(2026, 3, 13))
    assert next_deadline(S.FOLLOWED_UP, FRI, PLAIN) == Deadline(LABEL_AUTO_CLOSE, date(2026, 3, 20))
    # Nyepi and Idul Fitri push the automatic closing back by two working days.
    assert next_deadline(S.FOLLOWED_UP, FRI, CAL) == Deadline(LABEL_AUTO_CLOSE, date(2026, 3, 24))


def test_verification_clock_runs_from_sent():
    sent, verified = FRI, date(2026, 3, 10)
    assert next_deadline(S.VERIFIED, verified, PLAIN, sent_on=sent).due == date(2026, 3, 11)
    assert next_deadline("verified", verified, PLAIN).due == date(2026, 3, 13)


@pytest.mark.parametrize("status", [S.RECEIVED_AT_KIOSK, S.ON_HOLD, S.CLOSED, S.NOT_AUTHORITY])
def test_no_clock_runs(status):
    assert next_deadline(status, FRI, CAL) is None
    assert not is_overdue(status, FRI, date(2030, 1, 1), CAL)


@pytest.mark.parametrize(
    "status, today, overdue",
    [
        (S.SENT, date(2026, 3, 10), False),
        (S.SENT, date(2026, 3, 11), False),  # the due day itself is still in time
        (S.SENT, date(2026, 3, 12), True),
        (S.VERIFIED, date(2026, 3, 12), True),
        (S.FORWARDED, date(2026, 3, 13), False),
        (S.FORWARDED, date(2026, 3, 14), True),
        (S.FOLLOWED_UP, date(2026, 3, 20), False),
        (S.FOLLOWED_UP, date(2026, 3, 21), True),
        (S.SENT, FRI - timedelta(days=1), False),
    ],
)
def test_overdue_from_a_friday(status, today, overdue):
    assert is_overdue(status, FRI, today, PLAIN, sent_on=FRI) is overdue


def test_overdue_respects_holidays():
    # Sent Tuesday 17 March; without holidays it is due Friday 20, with them Tuesday 24.
    sent = date(2026, 3, 17)
    assert is_overdue(S.SENT, sent, date(2026, 3, 23), PLAIN)
    assert not is_overdue(S.SENT, sent, date(2026, 3, 23), CAL)
    assert not is_overdue(S.SENT, sent, date(2026, 3, 24), CAL)
    assert is_overdue(S.SENT, sent, date(2026, 3, 25), CAL)


def test_expected_timeline_from_a_friday():
    assert expected_timeline(FRI, PLAIN) == [
        Deadline(LABEL_TIMELINE_FORWARDED, date(2026, 3, 11)),
        Deadline(LABEL_TIMELINE_ANSWERED, date(2026, 3, 18)),
    ]


def test_expected_timeline_over_lebaran():
    assert [d.due for d in expected_timeline(date(2026, 3, 17), CAL)] == [date(2026, 3, 24), date(2026, 3, 31)]


@given(days_2025_2027)
def test_timeline_is_three_plus_five_working_days(sent):
    forwarded, answered = expected_timeline(sent, CAL)
    assert CAL.working_days_between(sent, forwarded.due) == 3
    assert CAL.working_days_between(forwarded.due, answered.due) == 5
    assert next_deadline(S.SENT, sent, CAL).due == forwarded.due


def test_deadline_labels_are_translated():
    table = messages("id")
    for label in (LABEL_VERIFY_AND_FORWARD, LABEL_FOLLOW_UP, LABEL_AUTO_CLOSE,
                  LABEL_TIMELINE_FORWARDED, LABEL_TIMELINE_ANSWERED):
        assert table.get(label, label) != label
