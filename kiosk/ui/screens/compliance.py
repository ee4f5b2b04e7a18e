"""The compliance menu of one agency: the nine aspects the Ombudsman checks, with status and evidence,
and the approved public photo of an aspect when the kiosk has fetched it (issue 15; the file is looked
up on the backend's thread, decoded by Kivy's loader thread: docs/compliance-evidence.md)."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.image import AsyncImage

from ...domain.catalog import COMPLIANCE_LABELS, ComplianceAspect, ComplianceStatus
from ...store import evidence_files
from ..i18n import N_, tr
from ..kv import load_kv
from ..theme import theme
from ..forms import Badge, Section
from ..widgets import Txt
from .base import KScreen

STATUS_LOOK = {
    ComplianceStatus.ADA: (N_("In place"), "check-circle-outline", "ok"),
    ComplianceStatus.SEBAGIAN: (N_("Partly in place"), "alert-outline", "warn"),
    ComplianceStatus.BELUM: (N_("Not yet in place"), "close-circle-outline", "error"),
}
ASPECT_ICONS = {
    ComplianceAspect.STANDAR_PELAYANAN: "clipboard-list-outline",
    ComplianceAspect.MAKLUMAT: "certificate-outline",
    ComplianceAspect.SISTEM_INFORMASI: "information-outline",
    ComplianceAspect.SARANA_PRASARANA: "office-building-outline",
    ComplianceAspect.PELAYANAN_KHUSUS: "account-outline",
    ComplianceAspect.PENGELOLAAN_PENGADUAN: "message-reply-text-outline",
    ComplianceAspect.PENILAIAN_KINERJA: "star-outline",
    ComplianceAspect.VISI_MISI_MOTTO: "comment-text-outline",
    ComplianceAspect.ATRIBUT: "card-account-details-outline",
}


class ComplianceScreen(KScreen):
    agency_id = StringProperty("")
    title = StringProperty("")
    loading = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._agency = None
        self._photos: dict[ComplianceAspect, str] = {}

    def open(self, agency_id: str = "", **_params) -> None:
        if agency_id != self.agency_id or self._agency is None:
            self.forget()
            self.agency_id = agency_id
            self.call(_agency_and_photos, agency_id, on_done=self._show)

    def _show(self, found) -> None:
        agency, self._photos = found
        self._agency = agency
        self.loading = False
        self.relabel()

    def relabel(self) -> None:
        agency = self._agency
        if agency is None:
            return
        self.title = tr.pick(agency.name, agency.name_en)
        content = self.ids.content
        content.clear_widgets()
        by_aspect = {item.aspect: item for item in agency.compliance}
        for aspect in ComplianceAspect:
            indonesian, english = COMPLIANCE_LABELS[aspect]
            box = Section(title=tr.pick(indonesian, english), icon=ASPECT_ICONS[aspect])
            item = by_aspect.get(aspect)
            if item is None:
                box.add_widget(Txt(text=tr._("No information yet."), color=theme.muted))
            else:
                word, icon, colour = STATUS_LOOK[item.status]
                box.add_widget(Badge(text=tr._(word), icon=icon, color=getattr(theme, colour)))
                if item.evidence:
                    box.add_widget(Txt(text=item.evidence))
                if aspect in self._photos:
                    box.add_widget(AsyncImage(source=self._photos[aspect], fit_mode="contain",
                                              size_hint_y=None, height=dp(240)))
            content.add_widget(box)
        if agency.motto:
            content.add_widget(Txt(text=tr.f("Motto: {motto}", motto=agency.motto), color=theme.muted))

    def reset(self) -> None:
        self._agency = None
        self._photos = {}
        self.agency_id = self.title = ""
        self.loading = True
        self.ids.content.clear_widgets()
        self.ids.page.scroll_y = 1


def _agency_and_photos(k, agency_id: str):
    """On the backend's thread: the agency, and {aspect: path} of the photos this kiosk has (a photo the
    sync has not fetched yet, or could not, is simply left out)."""
    agency = k.agency(agency_id)
    photos = {}
    for item in agency.compliance:
        a = item.attachment
        if a is not None and a.is_image and (path := evidence_files.path_for(k.config.data_dir, a.sha256)):
            photos[item.aspect] = str(path)
    return agency, photos


load_kv(__file__)
