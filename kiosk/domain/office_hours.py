"""An office's opening hours, as staff write them and as the kiosk and the fleet alerts read them.

The written form is a list of ``days open-close`` groups separated by ``;``::

    mon-thu 08:00-15:30; fri 08:00-14:00

Days are ``mon tue wed thu fri sat sun`` (or their Indonesian names ``sen sel rab kam jum sab min``),
single or as a range; times are 24-hour local time of the office. A day not named is closed. Holidays are
not part of the hours: the caller asks its working-day calendar (``docs/office-hours.md``).

The default is the provincial offices' usual week (Monday to Thursday 08:00-15:30, Friday
08:00-14:00 WITA), used until the province sets hours for an office or a kiosk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from .errors import ValidationError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS_ID = ("sen", "sel", "rab", "kam", "jum", "sab", "min")
_GROUP_RE = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+(?P<open>\d{1,2}[:.]\d{2})\s*-\s*(?P<close>\d{1,2}[:.]\d{2})\s*$"
)
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Opening time and closing time per weekday (0 = Monday); a missing day is closed."""

    days: tuple[tuple[int, time, time], ...]

    def is_open(self, local: datetime) -> bool:
        """Whether ``local`` (the office's local time) falls inside its hours."""
        t = local.timetz().replace(tzinfo=None)
        return any(day == local.weekday() and opens <= t < closes for day, opens, closes in self.days)

    def text(self) -> str:
        """The written form, one group per run of days with the same hours (``parse(h.text()) == h``)."""
        groups: list[tuple[int, int, time, time]] = []
        for day, opens, closes in sorted(self.days):
            if groups and groups[-1][1] == day - 1 and groups[-1][2:] == (opens, closes):
                groups[-1] = (groups[-1][0], day, opens, closes)
            else:
                groups.append((day, day, opens, closes))
        return "; ".join(
            f"{_DAYS[a]}{'' if a == b else '-' + _DAYS[b]} {o:%H:%M}-{c:%H:%M}" for a, b, o, c in groups
        )


def _day(word: str, text: str) -> int:
    if word in _DAYS:
        return _DAYS.index(word)
    if word in _DAYS_ID:
        return _DAYS_ID.index(word)
    raise ValidationError("Unknown day {day} in the office hours.", field="office_hours", day=word[:10])


def _time(word: str) -> time:
    hours, minutes = (int(x) for x in word.replace(".", ":").split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValidationError("{time} is not a time of day.", field="office_hours", time=word)
    return time(23, 59, 59) if hours == 24 else time(hours, minutes)


def parse(text: str) -> OfficeHours:
    """Read the written form; raises ValidationError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("Write the office hours, for example: mon-thu 08:00-15:30; fri 08:00-14:00",
                              field="office_hours")
    if len(text) > MAX_TEXT:
        raise ValidationError("The office hours are too long.", field="office_hours")
    days: dict[int, tuple[time, time]] = {}
    for group in text.lower().split(";"):
        if not group.strip():
            continue
        m = _GROUP_RE.match(group)
        if m is None:
            raise ValidationError("Write each group as days and hours, for example: mon-thu 08:00-15:30",
                                  field="office_hours")
        first = _day(m["first"], text)
        last = _day(m["last"], text) if m["last"] else first
        if last < first:
            raise ValidationError("A range of days must run forward, for example: mon-fri", field="office_hours")
        opens, closes = _time(m["open"]), _time(m["close"])
        if closes <= opens:
            raise ValidationError("Closing time must come after opening time.", field="office_hours")
        for day in range(first, last + 1):
            if day in days:
                raise ValidationError("A day appears twice in the office hours.", field="office_hours")
            days[day] = (opens, closes)
    if not days:
        raise ValidationError("Write the office hours, for example: mon-thu 08:00-15:30; fri 08:00-14:00",
                              field="office_hours")
    return OfficeHours(tuple((d, o, c) for d, (o, c) in sorted(days.items())))


DEFAULT_TEXT = "mon-thu 08:00-15:30; fri 08:00-14:00"
DEFAULT = parse(DEFAULT_TEXT)
