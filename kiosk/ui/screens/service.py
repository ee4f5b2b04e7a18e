"""One service's standard: the six public components, the maklumat and the service's IKM.

PermenPANRB 15/2014 puts six of the fourteen components in front of the public: requirements (a
checklist the citizen can tick), procedure (numbered steps), completion time, fees ("Gratis" said
plainly), product, and complaint handling. From here one touch leads to a complaint or a survey about
the service.
"""

from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, StringProperty

from ...domain.catalog import PUBLIC_COMPONENTS
from ..i18n import tr
from ..kv import load_kv
from ..theme import theme
from ..forms import Badge, CheckItem, NumberedStep, QRCodeView, Section
from ..widgets import Txt
from .base import KScreen

log = logging.getLogger(__name__)

COMPONENT_ICONS = {
    "requirements": "clipboard-list-outline",
    "procedure": "format-list-numbered",
    "duration": "clock-outline",
    "fees": "cash",
    "products": "package-variant-closed",
    "complaint_handling": "message-reply-text-outline",
}


def component_title(key: str) -> str:
    for k, indonesian, english in PUBLIC_COMPONENTS:
        if k == key:
            return tr.pick(indonesian, english)
    raise KeyError(key)


def format_score(score, lang: str) -> str:
    """87.5 -> "87,50" in Indonesian, "87.50" in English."""
    text = f"{score:.2f}"
    return text.replace(".", ",") if lang == "id" else text


class ServiceScreen(KScreen):
    service_id = StringProperty("")
    title = StringProperty("")
    agency_name = StringProperty("")
    loading = BooleanProperty(True)
    form_id = StringProperty("")  # the service's application form, when it has one

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._found = None
        # "Fill in the form" is in the row of actions only for a service that has a form: left there
        # invisible, it took a row of its own when the actions wrap, an empty band above the page.
        self._fill_form = self.ids.fill_form.__self__  # the widget itself: ids hold weak proxies
        self._actions = self._fill_form.parent
        self._actions.remove_widget(self._fill_form)

    def on_form_id(self, _screen, form_id: str) -> None:
        shown = self._fill_form.parent is not None
        if form_id and not shown:
            self._actions.add_widget(self._fill_form)
        elif not form_id and shown:
            self._actions.remove_widget(self._fill_form)

    def open(self, service_id: str = "", **_params) -> None:
        if service_id != self.service_id or self._found is None:
            self.forget()
            self.service_id = service_id
            self.call(self._load, service_id, on_done=self._show)
            self.call(self._load_form, service_id, on_done=self._form_found, on_error=lambda _e: None)

    @staticmethod
    def _load_form(kiosk, service_id: str) -> str:
        spec = kiosk.form_for_service(service_id)
        return spec.id if spec is not None else ""

    def _form_found(self, form_id: str) -> None:
        self.form_id = form_id

    def fill_form(self) -> None:
        if self.form_id:
            self.app.go("forms", form_id=self.form_id)

    @staticmethod
    def _load(kiosk, service_id: str):
        service = kiosk.service(service_id)
        return service, kiosk.agency(service.agency_id), kiosk.service_ikm(service_id), _performance_qr(kiosk, service)

    def _show(self, found) -> None:
        self._found = found
        self.loading = False
        self._build()

    def relabel(self) -> None:
        if self._found is not None:
            ticked = {item.text for item in self.ids.content.walk() if isinstance(item, CheckItem) and item.selected}
            self._build(ticked)

    def _build(self, ticked: set[str] = frozenset()) -> None:
        service, agency, ikm, qr = self._found
        self.title = tr.pick(service.name, service.name_en)
        self.agency_name = tr.pick(agency.name, agency.name_en)
        self.ids.content.clear_widgets()
        # One section per step: a long standard takes several frames to lay out.
        self.build_in_steps(self._sections(service, agency, ikm, qr, ticked))

    def _sections(self, service, agency, ikm, qr, ticked):
        std = service.standard
        content = self.ids.content

        def section(key: str) -> Section:
            box = Section(title=component_title(key), icon=COMPONENT_ICONS[key])
            content.add_widget(box)
            return box

        def requirements():
            box = section("requirements")
            box.add_widget(Txt(text=tr._("Tick what you already have with you."), role="small",
                               color=theme.muted))
            for requirement in std.requirements:
                box.add_widget(CheckItem(text=requirement, selected=requirement in ticked))

        def procedure():
            box = section("procedure")
            for number, step in enumerate(std.procedure, 1):
                box.add_widget(NumberedStep(number=number, text=step))

        def duration_and_fees():
            section("duration").add_widget(Txt(text=std.duration))
            box = section("fees")
            if std.is_free:
                box.add_widget(Badge(text=tr._("Free of charge"), icon="check-circle-outline", color=theme.ok))
            box.add_widget(Txt(text=std.fees))

        def products_and_complaints():
            box = section("products")
            for product in std.products:
                box.add_widget(Txt(text="\u2022 " + product))
            box = section("complaint_handling")
            for channel in std.complaint_handling:
                box.add_widget(Txt(text="\u2022 " + channel))

        def maklumat():
            box = Section(title=tr._("Service charter (maklumat pelayanan)"), icon="certificate-outline")
            box.add_widget(Txt(text=agency.maklumat.text))
            box.add_widget(Txt(text=f"{agency.maklumat.signed_by}, {agency.maklumat.signed_on}",
                               role="small", color=theme.muted))
            content.add_widget(box)

        def satisfaction():
            box = Section(title=tr._("Satisfaction with this service (IKM)"), icon="emoticon-happy-outline")
            if ikm is None:
                box.add_widget(Txt(text=tr._("Nobody has rated this service at this kiosk yet. Be the first!")))
            else:
                kinerja = tr.pick(ikm.band.kinerja_id, ikm.band.kinerja_en)
                box.add_widget(Txt(
                    text=tr.f("Score {score} of 100: grade {grade} ({meaning})",
                              score=format_score(ikm.score, tr.lang), grade=ikm.band.mutu, meaning=kinerja),
                    role="button", bold=True,
                ))
                box.add_widget(Txt(text=tr.f("From {count} surveys answered at this kiosk.", count=ikm.respondents),
                                   role="small", color=theme.muted))
            if qr:
                # The province's figures for the whole agency (all kiosks, complaints, compliance), on the
                # citizen's phone: the kiosk itself knows only its own surveys.
                box.add_widget(Txt(text=tr._("See how this service performs"), role="small", bold=True))
                box.add_widget(QRCodeView(matrix=qr, size_hint=(None, None), size=(theme.k * 200, theme.k * 200)))
            content.add_widget(box)

        return (requirements, procedure, duration_and_fees, products_and_complaints, maklumat, satisfaction)

    def complain(self) -> None:
        if self._found is not None:
            service = self._found[0]
            self.app.go("complaint", service_id=service.id, agency_id=service.agency_id)

    def rate(self) -> None:
        if self._found is not None:
            self.app.go("survey", service_id=self._found[0].id)

    def reset(self) -> None:
        self._steps_token += 1  # whatever is left of a page being built is dropped
        self._found = None
        self.service_id = ""
        self.form_id = ""
        self.title = self.agency_name = ""
        self.loading = True
        self.ids.content.clear_widgets()
        self.ids.page.scroll_y = 1


def _performance_qr(kiosk, service) -> list:
    """On the worker: the QR matrix of the transparency page at this service's agency ([] if it fails:
    a missing QR must not keep the service's standard off the screen)."""
    from ...printing.qr import qr_matrix

    try:
        return qr_matrix(kiosk.config.transparency_url(service.agency_id))
    except Exception:  # any failure here only costs the QR
        log.exception("QR code of the transparency page failed")
        return []


load_kv(__file__)
