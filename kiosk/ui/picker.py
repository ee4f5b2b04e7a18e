"""Finding the office or the service a complaint or a survey is about: browse the offices or search.

Tapping an office opens its services; typing searches all services at once. For a complaint the whole
office is an answer too (many citizens do not know the name of the service); a survey needs a service.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from .i18n import tr
from .kv import load_kv
from .forms import Choice

MAX_RESULTS = 30
TYPING_PAUSE_S = 0.12


class ServicePicker(BoxLayout):
    __events__ = ("on_picked",)

    caller = ObjectProperty(None, allownone=True)  # the screen whose ``call`` runs the queries
    allow_agency = BooleanProperty(True)
    mode = OptionProperty("agencies", options=("agencies", "services", "search"))
    agency_id = StringProperty("")  # the office whose services are listed
    browsing_title = StringProperty("")
    query = StringProperty("")
    has_hits = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._agencies: list = []
        self._services: list = []
        self._hits: list = []
        self._agency_buttons: list[Choice] = []
        self._pool = [Choice(icon="file-document-outline") for _ in range(MAX_RESULTS)]
        for button in self._pool:
            button.bind(on_release=self._service_chosen)
        self._whole = Choice(icon="office-building-outline")
        self._whole.bind(on_release=lambda _b: self.pick_whole_agency())
        self._search_ev = Clock.create_trigger(self._search, TYPING_PAUSE_S)

    def on_kv_post(self, _base) -> None:
        self.ids.field.ids.ti.bind(text=self._typed)

    # --- loading ----------------------------------------------------------------------------------

    def load(self, only_agency: str = "") -> None:
        """Fill the list of offices (or, with ``only_agency``, go straight to that office's services)."""
        if only_agency:
            self.open_agency(only_agency)
        elif not self._agencies:
            self.caller.call(lambda k: k.agencies(), on_done=self._show_agencies)
        else:
            self.mode = "agencies"

    def _show_agencies(self, agencies) -> None:
        self._agencies = agencies
        listing = self.ids.agencies
        listing.clear_widgets()
        self._agency_buttons = []
        for agency in agencies:
            button = Choice(icon="office-building-outline", value=agency.id)
            button.bind(on_release=self._agency_chosen)
            listing.add_widget(button)
            self._agency_buttons.append(button)
        self.mode = "agencies"
        self.relabel()

    def open_agency(self, agency_id: str) -> None:
        self.caller.call(lambda k: (k.agency(agency_id), k.services(agency_id)), on_done=self._show_services)

    def _show_services(self, found) -> None:
        agency, services = found
        self.agency_id = agency.id
        self._browsing = agency
        self._services = services
        listing = self.ids.services
        listing.clear_widgets()
        if self.allow_agency:
            listing.add_widget(self._whole)
        for _service in services:
            button = Choice(icon="file-document-outline")
            button.bind(on_release=self._service_chosen)
            listing.add_widget(button)
        self.mode = "services"
        self.relabel()

    # --- search -----------------------------------------------------------------------------------

    def _typed(self, _ti, text: str) -> None:
        self.query = text
        self._search_ev()

    def _search(self, _dt=None) -> None:
        text = self.query.strip()
        if not text:
            self.mode = "services" if self.agency_id and self._services else "agencies"
            return
        self.caller.call(lambda k: k.search(text, MAX_RESULTS), on_done=lambda hits: self._show_hits(hits, text))

    def _show_hits(self, hits, text: str) -> None:
        if text != self.query.strip():
            return
        self._hits = hits
        self.has_hits = bool(hits)
        listing = self.ids.results
        listing.clear_widgets()
        for button, _hit in zip(self._pool, hits):
            listing.add_widget(button)
        self.mode = "search"
        self.relabel()

    # --- labels -----------------------------------------------------------------------------------

    def relabel(self) -> None:
        for button, agency in zip(self._agency_buttons, self._agencies):
            button.text = tr.pick(agency.name, agency.name_en)
        if self.mode == "services":
            agency = self._browsing
            self.browsing_title = tr.pick(agency.name, agency.name_en)
            self._whole.text = tr._("The office in general, or I do not know which service")
            buttons = [b for b in self.ids.services.children[::-1] if b is not self._whole]
            for button, service in zip(buttons, self._services):
                button.value = (service.agency_id, service.id)
                button.names = (service.name, service.name_en)
                button.text = tr.pick(*button.names)
                button.description = ""
        elif self.mode == "search":
            for button, hit in zip(self._pool, self._hits):
                button.value = (hit.agency_id, hit.service_id)
                button.names = (hit.name, hit.name_en)
                button.text = tr.pick(*button.names)
                button.description = hit.agency_name

    # --- choosing ---------------------------------------------------------------------------------

    def _agency_chosen(self, button) -> None:
        self.open_agency(button.value)

    def _service_chosen(self, button) -> None:
        agency_id, service_id = button.value
        self.dispatch("on_picked", agency_id, service_id, button.names)

    def pick_whole_agency(self) -> None:
        agency = self._browsing
        self.dispatch("on_picked", agency.id, "", (agency.name, agency.name_en))

    def back_to_agencies(self) -> None:
        self.agency_id = ""
        self.load()

    def on_picked(self, agency_id: str, service_id: str, names: tuple[str, str]) -> None:
        """``names``: what was picked, in Indonesian and in English (shown in whichever is current)."""
        pass

    def clear(self) -> None:
        self._search_ev.cancel()
        self.ids.field.clear()
        self.query = ""
        self.agency_id = ""
        self._services = []
        self._hits = []
        self.ids.services.clear_widgets()
        self.ids.results.clear_widgets()
        self.mode = "agencies"


load_kv(__file__)
