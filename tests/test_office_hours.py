"""Office hours as staff write them: parsing, the open/closed answer, and the round trip."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain import office_hours
from kiosk.domain.errors import ValidationError

WITA = ZoneInfo("Asia/Makassar")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    # 7 December 2026 is a Monday.
    return datetime(2026, 12, 7 + day, hh, mm, tzinfo=WITA)


def test_default_week_is_open_inside_and_closed_outside():
    h = office_hours.DEFAULT
    assert h.is_open(at(0, 8)) and h.is_open(at(3, 15, 29))
    assert not h.is_open(at(3, 15, 30)) and not h.is_open(at(0, 7, 59))
    assert h.is_open(at(4, 13, 59)) and not h.is_open(at(4, 14))
    assert not h.is_open(at(5, 10)) and not h.is_open(at(6, 10))


def test_indonesian_day_names_dots_and_round_trip():
    h = office_hours.parse("Sen-Kam 07.30-16.00; Jum 07.30-16.30; sab 08:00-12:00")
    assert h.days[0] == (0, time(7, 30), time(16, 0))
    assert h.text() == "mon-thu 07:30-16:00; fri 07:30-16:30; sat 08:00-12:00"
    assert office_hours.parse(h.text()) == h


@pytest.mark.parametrize("text", [
    "", "   ", "mon-thu", "xyz 08:00-10:00", "fri-mon 08:00-10:00", "mon 10:00-09:00",
    "mon 25:00-26:00", "mon 08:00-10:00; mon 11:00-12:00", "mon 08:60-10:00", "a" * 300,
])
def test_bad_hours_are_refused_with_a_message(text):
    with pytest.raises(ValidationError) as err:
        office_hours.parse(text)
    assert err.value.field == "office_hours"
