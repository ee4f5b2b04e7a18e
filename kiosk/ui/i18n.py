"""Translations inside the Kivy app: ``tr._("Home")`` in KV rules and Python, redrawn on a switch.

KV rules write ``text: tr._("Back")``. Kivy's rule compiler binds every ``tr._`` it finds to ``tr``
through :meth:`Translator.fbind`; :meth:`Translator.switch` then re-runs exactly those rules, so the
current screen redraws in the new language while the citizen's typed text stays where it is (the
pattern of Kivy's own i18n example). When a widget is garbage collected Kivy's builder unbinds its rules
through :meth:`unbind_uid`, so screens built and dropped many times do not leak observers.

The catalogs are the project's gettext files (``kiosk.i18n``): English msgids, Indonesian first, read
through their compiled copy (:mod:`kiosk.ui.catalogs`).
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.event import Observable

from . import catalogs

_TRANSLATE_ATTR = "_"


def N_(msgid: str) -> str:
    """Marks a msgid kept in a constant (translated where it is shown), for the catalog check."""
    return msgid


class Translator(Observable):
    def __init__(self, lang: str = catalogs.DEFAULT_LANGUAGE) -> None:
        super().__init__()
        self.lang = lang if lang in catalogs.LANGUAGES else catalogs.DEFAULT_LANGUAGE
        self._table = catalogs.messages(self.lang)
        self._observers: dict[int, tuple[Callable, tuple, dict]] = {}
        self._next_uid = 1

    def _(self, msgid: str) -> str:
        return self._table.get(msgid, msgid)

    def f(self, msgid: str, **params: object) -> str:
        """Translate and fill ``{named}`` placeholders."""
        return self._(msgid).format(**params)

    def pick(self, indonesian: str, english: str) -> str:
        """Catalog content carries both languages side by side: the one for the current language."""
        return english if self.lang == "en" and english else indonesian

    def date(self, value) -> str:
        """A date as people write it: "23 November 2026"."""
        from babel.dates import format_date

        return format_date(value, format="long", locale=self.lang)

    def datetime(self, value, tz) -> str:
        """A moment in the office's time zone: "23 November 2026, 14.05"."""
        from babel.dates import format_time

        local = value.astimezone(tz)
        return f"{self.date(local.date())}, {format_time(local, format='short', locale=self.lang)}"

    def error(self, exc: Exception) -> str:
        """A domain or kiosk error's message for people: its msgid translated, its params filled in."""
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            try:
                return self._(message).format(**getattr(exc, "params", {}))
            except (KeyError, IndexError, ValueError):
                return self._(message)
        return self._("Something went wrong. Please try again, or ask the staff for help.")

    def switch(self, lang: str) -> None:
        if lang not in catalogs.LANGUAGES or lang == self.lang:
            return
        self.lang = lang
        self._table = catalogs.messages(lang)
        # A redraw allocates, so the collector may free a screen mid-loop: Kivy then unbinds its
        # rules (skip those still in the snapshot), and a rule whose widget is already gone raises
        # ReferenceError before its destructor has run (drop it; nothing is left to redraw).
        for uid in list(self._observers):
            entry = self._observers.get(uid)
            if entry is None:
                continue
            func, args, kwargs = entry
            try:
                func(*args, None, None, **kwargs)
            except ReferenceError:
                self._observers.pop(uid, None)

    # --- the binding protocol Kivy's builder speaks -----------------------------------------------

    def fbind(self, name, func, *args, **kwargs):
        if name != _TRANSLATE_ATTR:
            return 0
        uid = self._next_uid
        self._next_uid += 1
        self._observers[uid] = (func, args, kwargs)
        return uid

    def funbind(self, name, func, *args, **kwargs):
        if name != _TRANSLATE_ATTR:
            return
        for uid, entry in list(self._observers.items()):
            if entry == (func, args, kwargs):
                del self._observers[uid]
                return

    def unbind_uid(self, name, uid):
        if name == _TRANSLATE_ATTR:
            self._observers.pop(uid, None)

    @property
    def observer_count(self) -> int:
        return len(self._observers)


tr = Translator()
