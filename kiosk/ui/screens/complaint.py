"""Sampaikan pengaduan: a complaint, one question per screen, ending with a receipt and its QR code.

class -> topic -> office/service (optional) -> the part of the service's standard that was not kept (only
when a service was picked; "I don't know" is an answer) -> description -> privacy -> identity (not for anonymous
reports) -> personal-data notice -> review -> send -> receipt. Back, and "Change" on the review, edit any
answer. The core validates again when the complaint is filed; an error it finds sends the citizen to the
step that owns the field, with the message next to it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ...domain import identity as ident
from ...domain.complaint import (
    CLASS_LABELS,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MSG_DESCRIPTION_LONG,
    MSG_DESCRIPTION_SHORT,
    PRIVACY_LABELS,
    STANDARD_PART_LABELS,
    TOPIC_LABELS,
    ComplaintClass,
    Privacy,
    StandardPart,
    Topic,
    sanitize_text,
)
from ...domain.errors import ValidationError
from ...domain.workflow import STATUS_EXPLANATIONS, Status
from .. import picker  # noqa: F401 - ServicePicker, used in complaint.kv
from ..i18n import N_, tr
from ..kv import load_kv
from ..step_errors import FaultMark
from .wizard import ChoiceStep, PickerStep, Step, TextStep, WizardScreen

log = logging.getLogger(__name__)


@dataclass
class ComplaintDraft:
    complaint_class: str | None = None
    topic: str | None = None
    agency_id: str = ""
    service_id: str = ""
    place: tuple[str, ...] = ()  # what the citizen picked: its names in Indonesian and English
    standard_part: str | None = None  # a StandardPart value, or PART_UNKNOWN
    description: str = ""
    privacy: str | None = None
    name: str = ""
    nik: str = ""
    phone: str = ""
    email: str = ""
    consent: bool = False
    # The filing's idempotency key, made with the draft: a second Send of the same wizard (after an
    # error, a double tap) returns the complaint the first one stored instead of filing it twice.
    key: str = dc_field(default_factory=lambda: str(uuid.uuid4()))

    def to_raw(self, consent_version: str) -> dict[str, Any]:
        """The complaint as ``Kiosk.file_complaint`` takes it."""
        raw: dict[str, Any] = {
            "class": self.complaint_class,
            "topic": self.topic,
            "agency_id": self.agency_id or None,
            "service_id": self.service_id or None,
            # The standard is the service's: no service, no part (an agency alone has no standard).
            "standard_part": self.standard_part if self.service_id and self.standard_part != PART_UNKNOWN else None,
            "description": self.description,
            "privacy": self.privacy,
            "consent_version": consent_version if self.consent else None,
        }
        if self.privacy != Privacy.ANONIM.value:
            raw["identity"] = {"name": self.name, "nik": self.nik, "phone": self.phone, "email": self.email}
        return raw

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) == f.default for f in fields(self) if f.name != "key")


# Plain words under each choice.
CLASS_HELP = {
    ComplaintClass.PENGADUAN: N_("Something went wrong with a public service."),
    ComplaintClass.ASPIRASI: N_("An idea to make a service better."),
    ComplaintClass.PERMINTAAN_INFORMASI: N_("You want information that you could not find."),
}
CLASS_ICONS = {
    ComplaintClass.PENGADUAN: "message-alert-outline",
    ComplaintClass.ASPIRASI: "comment-text-outline",
    ComplaintClass.PERMINTAAN_INFORMASI: "information-outline",
}
TOPIC_HELP = {
    Topic.PUNGLI: N_("Someone asked you for money that the service does not charge."),
    Topic.LAMBAT: N_("It took longer than the promised time."),
    Topic.PROSEDUR_TIDAK_JELAS: N_("You did not know what to bring or where to go."),
    Topic.PERILAKU_PETUGAS: N_("An officer was rude, absent or unhelpful."),
    Topic.SARANA: N_("Waiting room, toilets, access for wheelchairs, parking."),
    Topic.BIAYA_TIDAK_SESUAI: N_("You paid a different amount than the standard says."),
    Topic.LAINNYA: N_("Anything else."),
}
TOPIC_ICONS = {
    Topic.PUNGLI: "cash",
    Topic.LAMBAT: "clock-outline",
    Topic.PROSEDUR_TIDAK_JELAS: "format-list-numbered",
    Topic.PERILAKU_PETUGAS: "account-outline",
    Topic.SARANA: "office-building-outline",
    Topic.BIAYA_TIDAK_SESUAI: "cash",
    Topic.LAINNYA: "comment-text-outline",
}
PRIVACY_HELP = {
    Privacy.BIASA: N_("The office sees your name and can contact you. Others see the report without your contact details."),
    Privacy.ANONIM: N_("Nobody sees your name, not even the office. You give no contact details, so nobody can call you back."),
    Privacy.RAHASIA: N_("The office sees your name and can contact you, but the report itself is never made public."),
}
# The answer "I don't know" to the standard question: a real answer on screen, nothing in the report.
PART_UNKNOWN = "tidak_tahu"
PART_HELP = {
    StandardPart.PERSYARATAN: N_("You were asked for documents or conditions the standard does not list."),
    StandardPart.PROSEDUR: N_("The steps were different from the published ones, or nobody explained them."),
    StandardPart.WAKTU: N_("The service took longer than the standard promises."),
    StandardPart.BIAYA: N_("You paid more than the published fee, or paid for a free service."),
    StandardPart.PRODUK: N_("What you received (a letter, a card, a permit) was wrong or incomplete."),
    StandardPart.SARANA: N_("The waiting room, counters, toilets or access were not as promised."),
    StandardPart.KOMPETENSI: N_("The officers did not know how to serve you, or did not serve you well."),
    StandardPart.PENGADUAN: N_("An earlier complaint or suggestion of yours was not handled."),
}
PART_ICONS = {
    StandardPart.PERSYARATAN: "file-document-outline",
    StandardPart.PROSEDUR: "format-list-numbered",
    StandardPart.WAKTU: "clock-outline",
    StandardPart.BIAYA: "cash",
    StandardPart.PRODUK: "package-variant-closed",
    StandardPart.SARANA: "office-building-outline",
    StandardPart.KOMPETENSI: "account-outline",
    StandardPart.PENGADUAN: "message-alert-outline",
}
PART_UNKNOWN_LABEL = N_("I don't know")
PART_UNKNOWN_HELP = N_("That is fine: the office will work it out from your description.")

PRIVACY_ICONS = {Privacy.BIASA: "eye-outline", Privacy.ANONIM: "incognito", Privacy.RAHASIA: "lock-outline"}

# Which step holds the field a ValidationError names.
FIELD_STEPS = {
    "class": "class",
    "topic": "topic",
    "agency_id": "where",
    "service_id": "where",
    "standard_part": "standard",
    "description": "describe",
    "privacy": "privacy",
    "identity": "identity",
    "consent_version": "consent",
}


class WhereStep(PickerStep):
    label_key = "place"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("Which office or service is it about?")
        self.hint = N_("You can skip this if you are not sure.")
        self.optional = True
        self.next_label = N_("Skip this question")

    def load(self, draft) -> None:
        self.show_chosen(draft)
        self.next_label = N_("Next") if draft.place else N_("Skip this question")
        self.ids.picker.load()

    def remove(self) -> None:
        draft = self.wizard.draft
        draft.agency_id = draft.service_id = ""
        draft.place = ()
        draft.standard_part = None
        self.chosen = ""
        self.next_label = N_("Skip this question")


class DescribeStep(TextStep):
    draft_key = "description"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("What happened?")
        self.hint = N_("Say what happened, where and when, and who was involved. Do not write your NIK or phone number here.")

    autofocus = True

    @staticmethod
    def problem(typed: str) -> str:
        """The message for this description ("" when it can be sent)."""
        try:
            text = sanitize_text(typed, max_len=DESCRIPTION_MAX)
        except ValidationError as exc:
            return tr.f(MSG_DESCRIPTION_LONG, max=DESCRIPTION_MAX, count=exc.params["count"])
        if len(text) < DESCRIPTION_MIN:
            return tr.f(MSG_DESCRIPTION_SHORT, min=DESCRIPTION_MIN, count=len(text))
        return ""

    def save(self, draft) -> bool:
        field = self.ids.field
        field.error = self.problem(field.ids.ti.text)
        if field.error:
            return False
        draft.description = sanitize_text(field.ids.ti.text, max_len=DESCRIPTION_MAX)
        return True

    def recheck(self) -> None:
        # The count in the message follows the typing, and the message goes once the text is long enough.
        field = self.ids.field
        field.error = self.problem(field.ids.ti.text)


IDENTITY_FIELDS = {"name": ident.validate_name, "nik": ident.validate_nik, "phone": ident.normalize_phone, "email": ident.validate_email}


class IdentityStep(Step):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("How can the office reach you?")
        self.hint = N_("Your name, and a phone number or an email address. The NIK is optional.")

    def _fields(self):
        return {key: self.ids[key] for key in IDENTITY_FIELDS}

    def load(self, draft) -> None:
        for key, field in self._fields().items():
            value = getattr(draft, key)
            if field.ids.ti.text != value:
                field.ids.ti.text = value

    def problems(self) -> dict[str, str]:
        """The message for each field that cannot be sent as it is, top to bottom on the screen."""
        values = {key: field.ids.ti.text.strip() for key, field in self._fields().items()}
        found: dict[str, str] = {}
        if not values["name"]:
            found["name"] = tr._(ident.MSG_NAME_EMPTY)
        for key, value in values.items():
            if not value or key in found:
                continue
            try:
                IDENTITY_FIELDS[key](value)
            except ValidationError as exc:
                found[key] = tr.error(exc)
        if not found and not (values["phone"] or values["email"]):
            found["phone"] = tr._("Please give a phone number or an email address, so the agency can answer you.")
        return found

    def save(self, draft) -> bool:
        found = self.problems()
        for key, field in self._fields().items():
            field.error = found.get(key, "")
        if found:
            return False
        for key, field in self._fields().items():
            setattr(draft, key, field.ids.ti.text.strip())
        return True

    def recheck(self) -> None:
        # Only the fields already showing a message change: a message appears on Next, never while the
        # citizen is still typing; it goes as soon as the answer is right. "Phone or email" belongs to
        # both: an email given clears it from the phone.
        found = self.problems()
        for key, field in self._fields().items():
            if field.error:
                field.error = found.get(key, "")

    def show_error(self, field: str | None, message: str) -> None:
        key = (field or "").split(".")[-1]
        target = self.ids.get(key) if key in IDENTITY_FIELDS else self.ids.phone
        target.error = message

    def clear(self) -> None:
        for field in self._fields().values():
            field.clear()


class ConsentStep(Step):
    agreed = BooleanProperty(False)
    version = StringProperty("")
    # An anonymous report gives no name and no contact: the notice is about the report, not "this data".
    anonymous = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("Your personal data")
        self.hint = N_("Please read this before you send your report.")

    def on_anonymous(self, _w, anonymous: bool) -> None:
        self.question = N_("Before you send your report") if anonymous else N_("Your personal data")

    def load(self, draft) -> None:
        self.anonymous = draft.privacy == Privacy.ANONIM.value
        self.agreed = draft.consent
        self.version = self.wizard.app.cfg.privacy.consent_version

    def toggle(self) -> None:
        self.agreed = not self.agreed
        if self.agreed:
            self.ids.error.text = ""  # the answer is right now: the message goes at once

    def save(self, draft) -> bool:
        if not self.agreed:
            self.ids.error.text = tr._("Please read and accept the personal data notice first.")
            return False
        self.ids.error.text = ""
        draft.consent = True
        return True

    def on_kv_post(self, base) -> None:
        super().on_kv_post(base)
        FaultMark(self.ids.error, "text", self.ids.consent_group, self.ids.agree)

    def show_error(self, field: str | None, message: str) -> None:
        self.ids.error.text = message

    def clear(self) -> None:
        self.agreed = False
        self.ids.error.text = ""


class ReviewStep(Step):
    rows = ListProperty([])  # (label msgid, value, step)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("Check your report")
        self.hint = N_("Touch Change to correct anything. Nothing is sent until you touch Send.")
        self.next_label = N_("Send my report")

    def load(self, draft) -> None:
        self.relabel()

    def relabel(self) -> None:
        draft = self.wizard.draft
        none = tr._("Not given")
        rows = [
            (N_("Type"), tr._(CLASS_LABELS[ComplaintClass(draft.complaint_class)]) if draft.complaint_class else none, "class"),
            (N_("Topic"), tr._(TOPIC_LABELS[Topic(draft.topic)]) if draft.topic else none, "topic"),
            (N_("Office or service"), tr.pick(*draft.place) if draft.place else none, "where"),
        ]
        if draft.service_id:
            rows.append((N_("Part of the standard not kept"), part_label(draft.standard_part) or none, "standard"))
        rows += [
            (N_("What happened"), draft.description or none, "describe"),
            (N_("Privacy"), tr._(PRIVACY_LABELS[Privacy(draft.privacy)]) if draft.privacy else none, "privacy"),
        ]
        if draft.privacy != Privacy.ANONIM.value:
            contact = [draft.name, ident.mask_nik(draft.nik) if draft.nik else "", draft.phone, draft.email]
            rows.append((N_("Your details"), "\n".join(v for v in contact if v) or none, "identity"))
        self.rows = rows
        self._build()

    def _build(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        for label, value, step in self.rows:
            row = ReviewRow()
            row.ids.label.text = tr._(label)
            row.ids.value.text = value
            row.ids.change.text = tr._("Change")
            row.ids.change.bind(on_release=lambda _b, s=step: self.wizard.show(s))
            box.add_widget(row)


def part_label(value: str | None) -> str:
    """The standard part as the citizen chose it, in the language of the moment ("" when not answered)."""
    if value == PART_UNKNOWN:
        return tr._(PART_UNKNOWN_LABEL)
    return tr._(STANDARD_PART_LABELS[StandardPart(value)]) if value else ""


class ReviewRow(BoxLayout):
    pass


class ReceiptView(Step):
    """The end of the wizard: the tracking code in large type and its QR code."""

    code = StringProperty("")
    matrix = ListProperty([])
    explanation = StringProperty("")
    pdf = StringProperty("")
    note = StringProperty("")  # msgid: printed, or not (then the code and QR on screen are the receipt)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.next_label = N_("Finish")


class ComplaintScreen(WizardScreen):
    FIELD_STEPS = FIELD_STEPS
    unsent_question = N_("Discard the complaint you have not sent?")
    unsent_detail = N_("If you go to the start now, everything you wrote for this complaint is deleted.")

    def new_draft(self) -> ComplaintDraft:
        return ComplaintDraft()

    def __init__(self, **kwargs) -> None:
        # Steps answered before the wizard started ("where", from a service's page): not asked again,
        # unless the citizen asks to change the answer (Change on the review).
        self.known: set[str] = set()
        super().__init__(**kwargs)

    def open(self, agency_id: str = "", service_id: str = "", **_params) -> None:
        """From a service's page: the service is filled in and its question is not asked; Back from the
        first question returns to the service's page."""
        if service_id or agency_id:
            self.forget()
            # The ids are known now, so the steps and their count are right from the first screen;
            # the names (for the review) come from the catalog.
            self.draft.agency_id, self.draft.service_id = agency_id, service_id
            # An office alone still leaves the question of its service open.
            self.known = {"where"} if service_id else set()
            self.call(self._preset_label, agency_id, service_id, on_done=self._apply_preset)
            self.start()

    @staticmethod
    def _preset_label(kiosk, agency_id: str, service_id: str):
        if service_id:
            service = kiosk.service(service_id)
            return service.agency_id, service.id, (service.name, service.name_en)
        agency = kiosk.agency(agency_id)
        return agency.id, "", (agency.name, agency.name_en)

    def _apply_preset(self, found) -> None:
        agency_id, service_id, names = found
        self.draft.agency_id, self.draft.service_id = agency_id, service_id
        self.draft.place = names

    def reset(self) -> None:
        self.known = set()
        super().reset()

    def show(self, name: str) -> None:
        self.known.discard(name)  # asked for by name (Change on the review): it is a question again
        super().show(name)

    def step_names(self) -> list[str]:
        names = ["class", "topic"]
        if "where" not in self.known:
            names.append("where")
        if self.draft.service_id:
            names.append("standard")
        names += ["describe", "privacy"]
        if self.draft.privacy != Privacy.ANONIM.value:
            names.append("identity")
        return names + ["consent", "review"]

    def make_step(self, name: str) -> Step:
        if name == "class":
            options = [(c.value, CLASS_LABELS[c], CLASS_HELP[c], CLASS_ICONS[c]) for c in ComplaintClass]
            return ChoiceStep(question=N_("What would you like to send?"), options=options, draft_key="complaint_class")
        if name == "topic":
            options = [(t.value, TOPIC_LABELS[t], TOPIC_HELP[t], TOPIC_ICONS[t]) for t in Topic]
            return ChoiceStep(question=N_("What is it about?"), options=options, draft_key="topic")
        if name == "standard":
            options = [(p.value, STANDARD_PART_LABELS[p], PART_HELP[p], PART_ICONS[p]) for p in StandardPart]
            options.append((PART_UNKNOWN, PART_UNKNOWN_LABEL, PART_UNKNOWN_HELP, "information-outline"))
            return ChoiceStep(
                question=N_("Which part of the service's standard was not kept?"),
                hint=N_("Every service publishes a standard: what it needs, how long it takes, what it costs. Choose the part that went wrong."),
                options=options,
                draft_key="standard_part",
            )
        if name == "privacy":
            options = [(p.value, PRIVACY_LABELS[p], PRIVACY_HELP[p], PRIVACY_ICONS[p]) for p in Privacy]
            return ChoiceStep(
                question=N_("Who may see your name?"),
                hint=N_("Choose how your report is handled. All three are taken equally seriously."),
                options=options,
                draft_key="privacy",
            )
        return {"where": WhereStep, "describe": DescribeStep, "identity": IdentityStep, "consent": ConsentStep,
                "review": ReviewStep, "receipt": ReceiptView}[name]()

    # --- sending ----------------------------------------------------------------------------------

    def finish(self) -> None:
        self.sending = True
        raw = self.draft.to_raw(self.app.cfg.privacy.consent_version)
        self.call(_file_and_receipt, raw, tr.lang, self.draft.key, on_done=self._filed, on_error=self._failed)

    def _filed(self, result) -> None:
        filed, pdf_path, matrix, note = result
        self.sending = False
        receipt = self.step("receipt")
        receipt.code = filed.tracking_code
        receipt.matrix = matrix
        receipt.pdf = str(pdf_path) if pdf_path else ""
        receipt.note = note
        receipt.explanation = STATUS_EXPLANATIONS[Status.RECEIVED_AT_KIOSK]
        self.show_end("receipt")


def _file_and_receipt(kiosk, raw: dict, lang: str, key: str):
    """On the worker: file the complaint (once per ``key``), print its receipt, make the QR for the screen.

    Returns (filed complaint, receipt file of the pdf printer or None, QR matrix, note msgid). Only an
    error before the complaint is stored reaches the screen; after that the code is always shown, and
    when no receipt came out the note says so and the code and QR on the screen are the receipt.
    """
    from ...domain import tracking
    from ...printing.qr import qr_matrix

    filed, outcome = kiosk.file_complaint_and_print(raw, lang, uuid=key)
    try:
        matrix = qr_matrix(kiosk.config.tracking_url(tracking.parse(filed.tracking_code)))
    except Exception:  # the code in large type is the receipt still; a missing QR must not hide it
        log.exception("QR code of a stored complaint failed")
        matrix = []
    return filed, outcome.pdf_path, matrix, outcome.message_id


load_kv(__file__)
