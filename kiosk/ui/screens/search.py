"""Search for a service by name, keyword or office; results follow each keystroke.

Results come first: the heading and the example fold away once typing starts, the office list button goes
below the results, and a drag on the page (the citizen reaching for the list) or "Hide keyboard" puts the
on-screen keyboard away so the results get the whole page. Close matches found despite a typo say so.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from ..i18n import tr
from ..kv import load_kv
from ..theme import theme
from .. import forms  # noqa: F401 - Field, used in search.kv
from ..widgets import KButton
from .base import KScreen

MAX_RESULTS = 30
# Typing settles for this long before a query runs: one query per pause, not per key.
TYPING_PAUSE_S = 0.12
NBSP = "\u00a0"


class SearchScreen(KScreen):
    query = StringProperty("")
    searched = StringProperty("")  # the query the results shown belong to
    has_results = BooleanProperty(False)
    close = BooleanProperty(False)  # the results are close matches for a typo, not the words as typed
    started = BooleanProperty(False)  # something is typed: the heading and the example make room

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._hits: list = []
        self._search_ev = Clock.create_trigger(self._search, TYPING_PAUSE_S)
        # A fixed pool of result buttons: searching thousands of times allocates nothing new.
        self._pool = [KButton(icon="file-document-outline") for _ in range(MAX_RESULTS)]
        for button in self._pool:
            button.bind(on_release=self._chosen)
        self.ids.field.ids.ti.bind(text=self._typed)

    def on_enter(self, *_args) -> None:
        self.ids.field.ids.ti.focus = True
        # The typo index is built once per catalog; build it while the citizen reads, not on a key.
        self.call(lambda k: k.prepare_search())

    def on_touch_move(self, touch):
        # A finger dragging over the page wants the results, not the keys: put the keyboard away. (A tap
        # moves a few pixels at most; the page's own scrolling starts at a similar distance.)
        # Not a drag that began in the box itself (moving the cursor), nor on the keys (outside the page).
        if (
            self.has_results
            and self.app.typing
            and abs(touch.y - touch.oy) > theme.gap * 1.5
            and self.ids.page.collide_point(*self.to_local(*touch.opos))
            and not self.ids.field.ids.ti.collide_point(*self.ids.field.ids.ti.to_widget(*touch.opos))
        ):
            self.app.clear_focus()
        return super().on_touch_move(touch)

    def _typed(self, _ti, text: str) -> None:
        self.query = text
        self.started = bool(text.strip())
        self._search_ev()

    def _search(self, _dt=None) -> None:
        text = self.query.strip()
        if not text:
            self._show([], "")
            return
        self.call(lambda k: k.search(text, MAX_RESULTS), on_done=lambda hits: self._show(hits, text))

    def _show(self, hits, text: str) -> None:
        if text != self.query.strip():
            return  # typing went on; a newer query is on its way
        self._hits = hits
        self.searched = text
        self.has_results = bool(hits)
        self.close = bool(hits) and hits[0].close
        items = self.ids.listing
        items.clear_widgets()
        for button, _hit in zip(self._pool, hits):
            items.add_widget(button)
        self.relabel()

    def relabel(self) -> None:
        for button, hit in zip(self._pool, self._hits):
            button.service_id = hit.service_id
            # The office after the name on the same line: a short name takes one line, not two. No-break
            # spaces keep "· office" whole and with the name's last word when the line wraps.
            office = hit.agency_short.replace(" ", NBSP)
            button.text = f"{tr.pick(hit.name, hit.name_en)}{NBSP * 2}·{NBSP * 2}{office}"

    def _chosen(self, button) -> None:
        self.app.go("service", service_id=button.service_id)

    def reset(self) -> None:
        self._search_ev.cancel()
        self.ids.field.clear()
        self.query = self.searched = ""
        self.started = False
        self._hits = []
        self.has_results = self.close = False
        self.ids.listing.clear_widgets()
        self.ids.page.scroll_y = 1


load_kv(__file__)
