"""Translation catalogs: English msgids, Indonesian first.

Every citizen-facing string goes through ``translator(lang)``. Catalogs are gettext ``.po`` files under
``assets/locale/<lang>/LC_MESSAGES/``; every ``*.po`` there is merged, so each part of the program keeps
its own file (``core.po``, ``receipt.po``, ``ui.po`` ...) and nobody edits a shared one. The ``.po`` text
is read with Babel at first use and cached; no compile step is needed on a kiosk.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from .paths import ASSETS

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALE_DIR = ASSETS / "locale"

Translate = Callable[[str], str]


@functools.cache
def messages(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """msgid -> translated text for one language (fuzzy and empty entries are left out)."""
    from babel.messages.pofile import read_po  # 8 ms to import: only when a catalog is read

    table: dict[str, str] = {}
    for po in sorted((locale_dir / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=None)
        for msg in catalog:
            if msg.id and msg.string and not msg.fuzzy and isinstance(msg.id, str):
                table[msg.id] = msg.string
    return table


def translator(lang: str) -> Translate:
    """A ``_`` function for ``lang``; unknown msgids fall back to the English source text."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    table = messages(lang)
    return lambda msgid: table.get(msgid, msgid)


def fill(message: str, params: dict) -> str:
    """A message with its ``{named}`` params filled in; left as it is when they do not match."""
    try:
        return message.format(**params)
    except (KeyError, IndexError):
        return message


def both(msgid: str, **params: object) -> str:
    """'Indonesian / English' in one line, for the command line and logs seen by staff."""
    ind = translator("id")(msgid).format(**params)
    eng = translator("en")(msgid).format(**params)
    return ind if ind == eng else f"{ind} / {eng}"
