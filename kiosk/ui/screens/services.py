"""Service information, second step: one agency's services, its contact details and compliance menu."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from ..i18n import tr
from ..kv import load_kv
from ..widgets import KButton
from .base import KScreen


class ServicesScreen(KScreen):
    agency_id = StringProperty("")
    title = StringProperty("")
    details = StringProperty("")
    loading = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._agency = None
        self._services: list = []

    def open(self, agency_id: str = "", **_params) -> None:
        if agency_id != self.agency_id or self._agency is None:
            self.forget()
            self.agency_id = agency_id
            self.call(lambda k: (k.agency(agency_id), k.services(agency_id)), on_done=self._show)

    def _show(self, found) -> None:
        self._agency, self._services = found
        self.loading = False
        items = self.ids.listing
        items.clear_widgets()
        for service in self._services:
            button = KButton(icon="file-document-outline")
            button.service_id = service.id
            button.bind(on_release=self._chosen)
            items.add_widget(button)
        self.relabel()

    def relabel(self) -> None:
        agency = self._agency
        if agency is None:
            return
        self.title = tr.pick(agency.name, agency.name_en)
        lines = [agency.address, agency.hours, agency.phone]
        self.details = "\n".join(line for line in lines if line)
        by_id = {s.id: s for s in self._services}
        for button in self.ids.listing.children:
            service = by_id[button.service_id]
            button.text = tr.pick(service.name, service.name_en)

    def _chosen(self, button) -> None:
        self.app.go("service", service_id=button.service_id)

    def open_compliance(self) -> None:
        self.app.go("compliance", agency_id=self.agency_id)

    def reset(self) -> None:
        self._agency = None
        self._services = []
        self.agency_id = ""
        self.title = self.details = ""
        self.loading = True
        self.ids.listing.clear_widgets()
        self.ids.page.scroll_y = 1


load_kv(__file__)
