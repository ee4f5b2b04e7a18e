"""The kiosk settings the central server sent, kept in the kiosk database (migration m010_server_settings).

The sync worker stores what each catalog pull carries (``settings``: values and where each came from);
the app reads it back and lays it over config.toml (:func:`effective_config`): a value the server sets
wins, a value it does not set (or clears) falls back to config.toml. Every value is checked again here
against kiosk.domain.kiosk_settings, the list the server checks with: a value this kiosk cannot use is
left out (and named, so the worker logs it) while the rest still apply. docs/kiosk-settings.md.

The screen on/off times cannot be applied by the app (root's systemd timers own the screen): they are
written to a small file next to the database that the screen timers read (:func:`write_screen_schedule`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..config import Config
from ..domain import kiosk_settings as spec
from ..errors import StoreError

SCREEN_SCHEDULE = "screen-schedule.json"
_SOURCES = (spec.SOURCE_KIOSK, spec.SOURCE_OFFICE)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # key -> "kiosk" | "office" (and staff_pin's)
    received_at: str | None = None


def accept(sent: Any) -> tuple[ServerSettings, dict[str, str]]:
    """What this kiosk takes from a pull's ``settings``: the usable values, and key -> why for the rest."""
    if not isinstance(sent, dict):
        return ServerSettings(), {"settings": "not an object"}
    good, bad = spec.check_all(sent.get("values", {}))
    raw_sources = sent.get("sources") if isinstance(sent.get("sources"), dict) else {}
    sources = {}
    for key in list(good):
        source = raw_sources.get(key)
        sources[key] = source if source in _SOURCES else spec.SOURCE_OFFICE
    pin_source = raw_sources.get("staff_pin")
    if pin_source in (*_SOURCES, spec.SOURCE_CONFIG):
        sources["staff_pin"] = pin_source
    return ServerSettings(good, sources), {k: e.render() for k, e in bad.items()}


def stored(db: Database) -> ServerSettings:
    """What the server last sent (empty before the first pull that carried settings)."""
    try:
        row = db.execute("SELECT values_json, sources_json, received_at FROM server_settings WHERE id = 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the server's settings could not be read ({exc})") from exc
    if row is None:
        return ServerSettings()
    # Checked again on the way out: a row written by an older kiosk version must not bypass the bounds.
    try:
        values, sources = json.loads(row[0]), json.loads(row[1])
    except ValueError:
        return ServerSettings()
    kept, _ = accept({"values": values, "sources": sources})
    return ServerSettings(kept.values, kept.sources, row[2])


def store(db: Database, settings: ServerSettings) -> bool:
    """Keep ``settings`` in place of what was there; returns whether anything changed."""
    current = stored(db)
    if (current.values, current.sources) == (settings.values, settings.sources) and current.received_at:
        return False
    received = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with db.atomic():
            db.execute(
                "INSERT INTO server_settings (id, values_json, sources_json, received_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET values_json = excluded.values_json, "
                "sources_json = excluded.sources_json, received_at = excluded.received_at",
                (json.dumps(settings.values, ensure_ascii=False), json.dumps(settings.sources), received),
            )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the server's settings could not be saved ({exc})") from exc
    return True


def effective_config(cfg: Config, settings: ServerSettings) -> Config:
    """config.toml with the server's values laid over it (what the app runs with)."""
    v = settings.values
    ui = cfg.ui._replace(
        idle_timeout_s=v.get("idle_timeout_s", cfg.ui.idle_timeout_s),
        idle_countdown_s=v.get("idle_countdown_s", cfg.ui.idle_countdown_s),
        languages=tuple(v["languages"]) if "languages" in v else cfg.ui.languages,
    )
    office = cfg.office._replace(agency_id=v.get("agency_id", cfg.office.agency_id),
                                 unit=v.get("unit", cfg.office.unit))
    survey = cfg.survey._replace(mode=v.get("survey_mode", cfg.survey.mode))
    return cfg._replace(ui=ui, office=office, survey=survey)


def config_value(cfg: Config, key: str) -> Any:
    """The config.toml value of a setting (None where config.toml has no such key)."""
    return {
        "idle_timeout_s": cfg.ui.idle_timeout_s,
        "idle_countdown_s": cfg.ui.idle_countdown_s,
        "languages": list(cfg.ui.languages),
        "survey_mode": cfg.survey.mode,
        "agency_id": cfg.office.agency_id or None,
        "unit": cfg.office.unit or None,
    }.get(key)


def origins(cfg: Config, settings: ServerSettings) -> list[tuple[str, str, str]]:
    """(key, value as written, source) for every setting, for the admin screen; source "config" when the
    server does not set it (the value is then config.toml's, or "" where config.toml has none)."""
    out = []
    for key in spec.NAMES:
        if key in settings.values:
            out.append((key, spec.text_of(key, settings.values[key]), settings.sources.get(key, spec.SOURCE_OFFICE)))
        else:
            out.append((key, spec.text_of(key, config_value(cfg, key)), spec.SOURCE_CONFIG))
    return out


def write_screen_schedule(data_dir: Path, settings: ServerSettings) -> bool:
    """``{"on": "HH:MM", "off": "HH:MM"}`` (either may be missing) in data_dir/screen-schedule.json for the
    screen timers; the file is removed when the server sets neither. Written whole (rename), so a
    reader never sees half a file. Returns whether the file changed."""
    path = Path(data_dir) / SCREEN_SCHEDULE
    schedule = {name: settings.values[key] for name, key in (("on", "screen_on"), ("off", "screen_off"))
                if key in settings.values}
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else None
    except OSError:
        before = None
    if not schedule:
        if before is None:
            return False
        path.unlink(missing_ok=True)
        return True
    text = json.dumps(schedule, sort_keys=True) + "\n"
    if text == before:
        return False
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o644)  # read by the screen services (root); nothing secret in it
    os.replace(tmp, path)
    return True
