"""The kiosk settings the central server may set, per office or per kiosk: their keys, types and bounds.

One list both sides read: the server validates what staff type against it before storing, and the kiosk
validates what the server sends against it again before using it (a broken or hostile server must not
break a kiosk). The bounds are the ones ``kiosk/config.py`` applies to ``config.toml`` (it reads them
from here). The staff PIN is not in this list: it travels as a hash in the catalog answer's own
``staff_pin`` field (docs/staff_pin.md, docs/kiosk-settings.md).

Values are plain JSON: text, whole numbers, a list of language codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import office_hours
from .errors import ValidationError

IDLE_TIMEOUT_S = (15, 3600)
IDLE_COUNTDOWN_S = (5, 120)
SURVEY_MODES = ("full", "quick")
LANGUAGES = ("id", "en")
MAX_UNIT = 200
_AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# Where an effective value came from, as the pull answer and the kiosk's admin screen name it.
SOURCE_KIOSK = "kiosk"
SOURCE_OFFICE = "office"
SOURCE_CONFIG = "config"


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    label: str  # English msgid shown to staff (web form and the kiosk's admin screen)
    hint: str  # English msgid: what to write


KEYS: tuple[Key, ...] = (
    Key("office_hours", "Office hours", "For example: mon-thu 08:00-15:30; fri 08:00-14:00"),
    Key("idle_timeout_s", "Idle timeout (seconds)", "15 to 3600 seconds without a touch, then back to Home"),
    Key("idle_countdown_s", "Idle countdown (seconds)", "5 to 120 seconds of warning before going back"),
    Key("survey_mode", "Survey mode", "full: the IKM survey; quick: four faces on Home"),
    Key("agency_id", "Agency", "An agency of the published catalog"),
    Key("unit", "Unit", "The unit or counter the kiosk stands at, up to 200 characters"),
    Key("languages", "Languages", "id, en or id+en; the first is the start language; Indonesian stays"),
    Key("screen_on", "Screen on", "HH:MM, for example 06:30"),
    Key("screen_off", "Screen off", "HH:MM, for example 21:00"),
)
NAMES = tuple(k.name for k in KEYS)


def _whole(value: Any, field: str, bounds: tuple[int, int]) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not bounds[0] <= value <= bounds[1]:
        raise ValidationError("Must be a whole number from {low} to {high}.", field=field,
                              low=bounds[0], high=bounds[1])
    return value


def _languages(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [p for p in re.split(r"[\s,+]+", value.strip().lower()) if p]
    if (not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value)
            or len(set(value)) != len(value)):
        raise ValidationError('List "id" and/or "en", each once.', field="languages")
    if "id" not in value:
        # Indonesian is the language of every citizen the kiosk serves: it can be second, never gone.
        raise ValidationError("Indonesian (id) must stay among the languages.", field="languages")
    return list(value)


def check(name: str, value: Any) -> Any:
    """The value of ``name`` in its stored form, or ValidationError naming the field. Text is stripped."""
    if name not in NAMES:
        raise ValidationError("Unknown setting {name}.", field="setting", name=str(name)[:40])
    if isinstance(value, str):
        value = value.strip()
    if name == "office_hours":
        if not isinstance(value, str):
            raise ValidationError("The office hours are too long.", field=name)
        return office_hours.parse(value).text()
    if name == "idle_timeout_s":
        return _whole(value, name, IDLE_TIMEOUT_S)
    if name == "idle_countdown_s":
        return _whole(value, name, IDLE_COUNTDOWN_S)
    if name == "survey_mode":
        if value not in SURVEY_MODES:
            raise ValidationError('Must be "full" or "quick".', field=name)
        return value
    if name == "agency_id":
        if not isinstance(value, str) or not _AGENCY_ID.match(value):
            raise ValidationError("Not an agency id.", field=name)
        return value
    if name == "unit":
        if not isinstance(value, str) or not value or len(value) > MAX_UNIT or not value.isprintable():
            raise ValidationError("Must be 1 to 200 characters.", field=name)
        return value
    if name == "languages":
        return _languages(value)
    # screen_on, screen_off
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValidationError("Must be a time written HH:MM, for example 06:30.", field=name)
    return value


def check_all(values: Any) -> tuple[dict[str, Any], dict[str, ValidationError]]:
    """What a kiosk receives: the usable values and, apart, each refused one with why. Never raises."""
    if not isinstance(values, dict):
        return {}, {"settings": ValidationError("Not a set of settings.", field="settings")}
    good: dict[str, Any] = {}
    bad: dict[str, ValidationError] = {}
    for name, value in list(values.items())[:50]:
        try:
            good[str(name)] = check(name, value)
        except ValidationError as exc:
            bad[str(name)[:40]] = exc
    return good, bad


def text_of(name: str, value: Any) -> str:
    """How a stored value is written in a form field."""
    if value is None:
        return ""
    if name == "languages":
        return ", ".join(value)
    return str(value)
