"""What staff change on the admin screen: the starting language and the idle time, kept across restarts.

``config.toml`` stays the technician's file; these few staff choices live beside the database, in
``<data_dir>/ui-settings.json``, and are read and written on the backend's thread like any other I/O.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "ui-settings.json"
IDLE_CHOICES_S = (60, 90, 120, 180, 300)


@dataclass(frozen=True)
class UiSettings:
    language: str | None = None  # None: the first of config ui.languages
    idle_timeout_s: int | None = None  # None: config ui.idle_timeout_s


def load(data_dir: Path) -> UiSettings:
    path = Path(data_dir) / FILE_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UiSettings()
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored (%s)", path, exc)
        return UiSettings()
    language = raw.get("language") if raw.get("language") in ("id", "en") else None
    idle = raw.get("idle_timeout_s")
    idle = idle if isinstance(idle, int) and not isinstance(idle, bool) and 15 <= idle <= 3600 else None
    return UiSettings(language=language, idle_timeout_s=idle)


def save(data_dir: Path, settings: UiSettings) -> None:
    path = Path(data_dir) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
