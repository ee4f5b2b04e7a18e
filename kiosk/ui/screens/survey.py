"""Survei kepuasan: the nine IKM questions of PermenPANRB 14/2017, one per screen, four big faces each.

service -> U1..U9 -> optional profile -> optional comment -> thanks. The service is filled in when the
citizen came from a service's page, and the list starts at the kiosk's own office when the config names
one (a kiosk at one unit's door). Each face carries the element's own words from the domain ("Sangat
mudah", "Gratis", ...), not a generic scale.

Quick mode (``[survey] mode = "quick"``) is a satisfaction terminal: one question, four faces, a thank
you, and the faces again; taps repeated within ``repeat_tap_interval_s`` count once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kivy.clock import Clock
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ...domain.ikm import ELEMENTS, Element
from ...domain.rating import (
    EDUCATION,
    EDUCATION_LABELS,
    FACES,
    GENDER_LABELS,
    GENDERS,
    OCCUPATION_LABELS,
    OCCUPATIONS,
    TapDebouncer,
)
from .. import picker  # noqa: F401 - ServicePicker, used in survey.kv
from ..i18n import N_, tr
from ..kv import load_kv
from ..forms import Choice
from ..widgets import Pressable
from .wizard import PickerStep, Step, TextStep, WizardScreen

FACE_ICONS = ("emoticon-cry-outline", "emoticon-sad-outline", "emoticon-happy-outline", "emoticon-excited-outline")
FACE_COLOURS = ("error", "warn", "ok", "ok")
THANKS_S = 12.0  # the thank-you stays this long, then Home (the next citizen may already be waiting)
QUICK_THANKS_S = 4.0


@dataclass
class SurveyDraft:
    agency_id: str = ""
    service_id: str = ""
    service_name: tuple[str, ...] = ()  # its names in Indonesian and English
    answers: dict[str, int] = field(default_factory=dict)
    gender: str = ""
    age: str = ""
    education: str = ""
    occupation: str = ""
    comment: str = ""

    def to_raw(self) -> dict[str, Any]:
        profile = {"jenis_kelamin": self.gender, "usia": self.age, "pendidikan": self.education, "pekerjaan": self.occupation}
        return {
            "service_id": self.service_id,
            "answers": dict(self.answers),
            "profile": profile if any(profile.values()) else None,
            "comment": self.comment or None,
        }


class FaceButton(Pressable, BoxLayout):
    score = NumericProperty(1)
    icon = StringProperty("")
    text = StringProperty("")
    tint = StringProperty("ok")

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("kind", "choice")
        super().__init__(**kwargs)


class FacesStep(Step):
    """Four faces, worst to best, each with its own words; touching one answers and moves on."""

    value = ObjectProperty(None, allownone=True)
    labels = ListProperty(["", "", "", ""])
    __events__ = ("on_face",)

    def on_kv_post(self, _base) -> None:
        for i, button in enumerate(self._faces()):
            button.score = i + 1
            button.icon = FACE_ICONS[i]
            button.tint = FACE_COLOURS[i]
            button.bind(on_release=self._tapped)
        self.show_next = False

    def _faces(self) -> list[FaceButton]:
        return [self.ids.f1, self.ids.f2, self.ids.f3, self.ids.f4]

    def on_value(self, _w, value) -> None:
        for button in self._faces():
            button.selected = button.score == value
        self.show_next = value is not None

    def on_labels(self, _w, labels) -> None:
        for button, label in zip(self._faces(), labels):
            button.text = label

    def _tapped(self, button: FaceButton) -> None:
        self.dispatch("on_face", button.score)

    def on_face(self, score: int) -> None:
        if self.wizard is None or not self.wizard.accepts_taps():
            return
        self.value = score
        self.wizard.next()

    def clear(self) -> None:
        self.value = None


class QuestionStep(FacesStep):
    """One IKM element."""

    element: Element

    def __init__(self, element: Element, **kwargs) -> None:
        self.element = element
        super().__init__(**kwargs)
        self.relabel()

    def relabel(self) -> None:
        e = self.element
        self.question = tr.pick(e.name_id, e.name_en)
        self.hint = N_("How was it for you? Touch the face that fits best.")
        self.labels = [tr.pick(i, en) for i, en in zip(e.labels_id, e.labels_en)]

    def load(self, draft) -> None:
        self.value = draft.answers.get(self.element.code)

    def save(self, draft) -> bool:
        if self.value is None:
            return False
        draft.answers[self.element.code] = self.value
        return True


class QuickStep(FacesStep):
    """Satisfaction-terminal mode: one question, answered again and again by different people."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("How satisfied are you with our service today?")
        self.hint = N_("Touch one face.")
        self.relabel()

    def relabel(self) -> None:
        self.labels = [tr._(english) for _v, _id, english in FACES]

    def on_face(self, score: int) -> None:
        self.wizard.quick_tap(score)


class ServiceStep(PickerStep):
    label_key = "service_name"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("Which service did you receive today?")
        self.hint = N_("Search for it, or choose the office and then the service.")
        self.show_next = False

    def load(self, draft) -> None:
        self.show_chosen(draft)
        self.show_next = bool(draft.service_id)
        if not self.ids.picker.agency_id:
            self.ids.picker.load(only_agency=self.wizard.app.cfg.office.agency_id)

    def save(self, draft) -> bool:
        return bool(draft.service_id)


class ProfileStep(Step):
    """About you, optional: the four questions the regulation's report groups answers by."""

    gender = StringProperty("")
    education = StringProperty("")
    occupation = StringProperty("")

    def __init__(self, **kwargs) -> None:
        self._groups: dict[str, list[Choice]] = {}
        super().__init__(**kwargs)
        self.question = N_("A little about you (optional)")
        self.hint = N_("This helps the office understand who it serves. We never ask your name. You can skip any question.")
        self.optional = True

    def on_kv_post(self, _base) -> None:
        for key, grid, values, labels in (
            ("gender", self.ids.genders, GENDERS, GENDER_LABELS),
            ("education", self.ids.educations, EDUCATION, EDUCATION_LABELS),
            ("occupation", self.ids.occupations, OCCUPATIONS, OCCUPATION_LABELS),
        ):
            buttons = []
            for value in values:
                button = Choice(value=value)
                button.msgid = labels[value]
                button.group = key
                button.bind(on_release=self._chosen)
                grid.add_widget(button)
                buttons.append(button)
            self._groups[key] = buttons
        self.relabel()

    def relabel(self) -> None:
        for buttons in self._groups.values():
            for button in buttons:
                button.text = tr._(button.msgid)

    def _chosen(self, button: Choice) -> None:
        # A second touch on the chosen answer takes it back: every question here may stay empty.
        current = getattr(self, button.group)
        setattr(self, button.group, "" if current == button.value else button.value)

    def on_gender(self, *_a) -> None:
        self._mark("gender")

    def on_education(self, *_a) -> None:
        self._mark("education")

    def on_occupation(self, *_a) -> None:
        self._mark("occupation")

    def _mark(self, key: str) -> None:
        for button in self._groups.get(key, ()):
            button.selected = button.value == getattr(self, key)

    def load(self, draft) -> None:
        self.gender, self.education, self.occupation = draft.gender, draft.education, draft.occupation
        ti = self.ids.age.ids.ti
        if ti.text != draft.age:
            ti.text = draft.age

    def save(self, draft) -> bool:
        from ...domain.rating import AGE_MAX, AGE_MIN, MSG_AGE

        age = self.ids.age.ids.ti.text.strip()
        if age and not (age.isdigit() and AGE_MIN <= int(age) <= AGE_MAX):
            self.ids.age.error = tr.f(MSG_AGE, low=AGE_MIN, high=AGE_MAX)
            return False
        self.ids.age.error = ""
        draft.gender, draft.age, draft.education, draft.occupation = self.gender, age, self.education, self.occupation
        return True

    def show_error(self, field: str | None, message: str) -> None:
        self.ids.age.error = message

    def clear(self) -> None:
        self.gender = self.education = self.occupation = ""
        self.ids.age.clear()


class CommentStep(TextStep):
    draft_key = "comment"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question = N_("Anything else you want to tell us? (optional)")
        self.hint = N_("What went well, and what should be better?")
        self.optional = True
        self.next_label = N_("Send my answers")

    def save(self, draft) -> bool:
        draft.comment = self.ids.field.ids.ti.text.strip()
        return True


class ThanksView(Step):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.next_label = N_("Finish")


# Which step holds the field a ValidationError names.
FIELD_STEPS = {"service_id": "service", "profile": "profile", "comment": "comment"}


class SurveyScreen(WizardScreen):
    FIELD_STEPS = FIELD_STEPS
    unsent_question = N_("Discard the survey answers you have not sent?")
    unsent_detail = N_("If you go to the start now, the answers you gave are deleted.")

    def __init__(self, **kwargs) -> None:
        self.service_given = False  # opened from a service's page: "which service" is answered
        super().__init__(**kwargs)
        self._thanks_ev = None
        self._debounce = TapDebouncer(self.app.cfg.survey.repeat_tap_interval_s)

    @property
    def quick(self) -> bool:
        return self.app.cfg.survey.mode == "quick"

    def new_draft(self) -> SurveyDraft:
        return SurveyDraft()

    def open(self, service_id: str = "", **_params) -> None:
        if service_id:
            self.forget()
            self.call(lambda k: k.service(service_id), on_done=self._preset)

    def _preset(self, service) -> None:
        self.draft.agency_id, self.draft.service_id = service.agency_id, service.id
        self.draft.service_name = (service.name, service.name_en)
        self.service_given = True
        self.start()

    def step_names(self) -> list[str]:
        if self.quick:
            return ["quick"]
        names = [] if self.service_given else ["service"]
        return names + [e.code for e in ELEMENTS] + ["profile", "comment"]

    def make_step(self, name: str) -> Step:
        if name == "quick":
            return QuickStep()
        if name == "service":
            return ServiceStep()
        for element in ELEMENTS:
            if element.code == name:
                return QuestionStep(element)
        return {"profile": ProfileStep, "comment": CommentStep, "thanks": ThanksView}[name]()

    # --- full survey ------------------------------------------------------------------------------

    def finish(self) -> None:
        self.sending = True
        self.call(lambda k, raw: k.add_survey(raw), self.draft.to_raw(), on_done=self._saved, on_error=self._failed)

    def _saved(self, _uuid) -> None:
        self.sending = False
        self._show_thanks(THANKS_S, home=True)

    def _show_thanks(self, seconds: float, *, home: bool) -> None:
        self.show_end("thanks")
        self._cancel_thanks()
        after = self.app.home if home else self.start
        self._thanks_ev = Clock.schedule_once(lambda _dt: after(), seconds)

    def _cancel_thanks(self) -> None:
        if self._thanks_ev is not None:
            self._thanks_ev.cancel()
            self._thanks_ev = None

    # --- quick mode -------------------------------------------------------------------------------

    def quick_tap(self, face: int) -> None:
        if not self._debounce.accept(time.monotonic()):
            return  # a repeated tap: counted once already
        raw: dict[str, Any] = {"face": face}
        if self.app.cfg.office.agency_id:
            raw["agency_id"] = self.app.cfg.office.agency_id
        self.current_step.value = face
        self.call(lambda k, r: k.add_quick_rating(r), raw, on_done=lambda _u: self._show_thanks(QUICK_THANKS_S, home=False))

    # --- leaving ----------------------------------------------------------------------------------

    def on_leave(self, *_args) -> None:
        self._cancel_thanks()

    def reset(self) -> None:
        self._cancel_thanks()
        self.service_given = False
        self._debounce.reset()
        super().reset()


load_kv(__file__)
