"""The gettext catalogs, compiled once to JSON so that a start needs neither Babel nor the .po parser.

``kiosk.i18n`` reads every ``.po`` file with Babel, which costs tens of milliseconds on the way to the
Home screen. The app asks here instead: the first start after any catalog changed compiles them
through ``kiosk.i18n.messages`` into ``$XDG_CACHE_HOME/iplik-kiosk/`` (``~/.cache`` by default), keyed by
each file's name, size and modification time; later starts read the JSON. The cache is only ever a copy:
if it cannot be read or written, the catalogs are read from the ``.po`` files as before.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from ..paths import ASSETS

log = logging.getLogger(__name__)

# The same as kiosk.i18n (tests/ui check it), without importing Babel to learn it.
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALE_DIR = ASSETS / "locale"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iplik-kiosk"


def _stamp(lang: str) -> list[list]:
    return [
        [po.name, po.stat().st_size, po.stat().st_mtime_ns]
        for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))
    ]


def messages(lang: str) -> dict[str, str]:
    """msgid -> translation for ``lang``, from the compiled copy when it is up to date."""
    stamp = _stamp(lang)
    path = cache_dir() / f"messages-{lang}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("stamp") == stamp and str(LOCALE_DIR) == cached.get("dir"):
            return cached["messages"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    from .. import i18n  # Babel: only when the catalogs changed since the last start

    table = i18n.messages(lang, LOCALE_DIR)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"dir": str(LOCALE_DIR), "stamp": stamp, "messages": table}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.info("translations not cached (%s); read from the .po files at each start", exc)
    return table
