"""Service information, first step: the agencies (Perangkat Daerah) of the province."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from ..i18n import tr
from ..kv import load_kv
from ..widgets import KButton
from .base import KScreen


class AgenciesScreen(KScreen):
    loading = BooleanProperty(True)
    empty = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._agencies: list = []
        self._shown_ids: tuple[str, ...] = ()

    def open(self, **_params) -> None:
        self.call(lambda k: k.agencies(), on_done=self._show)

    def _show(self, agencies) -> None:
        self.loading = False
        self.empty = not agencies
        self._agencies = agencies
        ids = tuple(a.id for a in agencies)
        grid = self.ids.listing
        if ids != self._shown_ids:  # the catalog changed (or first visit): rebuild the buttons
            grid.clear_widgets()
            for agency in agencies:
                button = KButton(icon="office-building-outline")
                button.agency_id = agency.id
                button.bind(on_release=self._chosen)
                grid.add_widget(button)
            self._shown_ids = ids
        self.relabel()

    def relabel(self) -> None:
        by_id = {a.id: a for a in self._agencies}
        for button in self.ids.listing.children:
            agency = by_id[button.agency_id]
            button.text = tr.pick(agency.name, agency.name_en)

    def _chosen(self, button) -> None:
        self.app.go("services", agency_id=button.agency_id)

    def reset(self) -> None:
        self.ids.page.scroll_y = 1


load_kv(__file__)
