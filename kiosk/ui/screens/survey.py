"""Survei kepuasan: the nine IKM questions of PermenPANRB 14/2017, one per screen, four big faces each.

service -> U1..U9 -> optional profile -> optional comment -> thanks. The service is filled in when the
citizen came from a service's page, and the list starts at the kiosk's own office when the config names
one (a kiosk at one unit's door). Each face carries the element's own words from the domain ("Sangat
mudah", "Gratis", ...), not a generic scale.

Each element is asked as the plain question of the regulation's questionnaire ("Bagaimana pendapat
Saudara tentang ...?"), with the element's official name small above it.

No tap of a citizen answering is thrown away for being quick. A touch answers the question that was on
screen when the finger came down: the chosen face lights up for ``ANSWER_SHOWN_S``, then the next
question comes. The second tap of a double tap falls in that moment, on the same question, and changes
nothing (or corrects the answer, if it hit another face); a touch that began on one question and ends
on the next answers neither. The repeated-tap filter (``TapDebouncer``) belongs to the quick rating.

Quick mode (``[survey] mode = "quick"``) is a satisfaction terminal: the four faces are on Home itself
(one tap rates, the thank-you shows, then Home again); this screen's quick step is the same question for
a visit that opens the survey directly. Taps repeated within ``repeat_tap_interval_s`` count once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from kivy.clock import Clock
from kivy.properties import ListProperty, ObjectProperty, StringProperty

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
from .. import faces as _faces  # noqa: F401 - FaceRow, used in survey.kv
from .. import picker  # noqa: F401 - ServicePicker, used in survey.kv
from ..i18n import N_, tr
from ..kv import load_kv
from ..forms import Choice
from .wizard import PickerStep, Step, TextStep, WizardScreen

log = logging.getLogger(__name__)

# The chosen answer stays lit this long before the next question: the citizen sees what was taken, and
# the second tap of a double tap (well under this after the first) lands on the same question.
ANSWER_SHOWN_S = 0.35
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


class FacesStep(Step):
    """Four faces, worst to best, each with its own words; touching one answers and moves on."""

    value = ObjectProperty(None, allownone=True)
    labels = ListProperty(["", "", "", ""])
    element_name = StringProperty("")  # the small label above the question (an IKM element's name)
    __events__ = ("on_face",)

    def on_kv_post(self, _base) -> None:
        row = self.ids.faces
        # The faces by the ids a step always had (f1..f4), for the tests and the screenshot scenes.
        self.ids.update({f"f{n}": face for n, face in enumerate(row.faces, 1)})
        row.bind(on_face=self._tapped)
        self.show_next = False

    def on_value(self, _w, value) -> None:
        self.ids.faces.value = value

    def on_labels(self, _w, labels) -> None:
        self.ids.faces.labels = labels

    def _tapped(self, _row, score: int) -> None:
        # A finger that came down on this step and lifts after the next one showed answers nothing:
        # it was aimed at a question that is gone (the new step's faces never saw it come down).
        if self.wizard is None or self.wizard.current_step is not self:
            return
        self.dispatch("on_face", score)

    def on_face(self, score: int) -> None:
        self.value = score
        self.wizard.answered(self)

    def clear(self) -> None:
        self.value = None


class QuestionStep(FacesStep):
    """One IKM element, asked as the questionnaire's plain question."""

    element: Element

    def __init__(self, element: Element, **kwargs) -> None:
        self.element = element
        super().__init__(**kwargs)
        self.relabel()

    def relabel(self) -> None:
        e = self.element
        self.element_name = tr.pick(e.name_id, e.name_en)
        self.question = e.question_en  # a msgid: StepHeading translates it (survey_ux.po)
        self.hint = N_("Touch the face that fits best.")
        self.labels = [tr.pick(i, en) for i, en in zip(e.labels_id, e.labels_en)]

    def load(self, draft) -> None:
        self.value = draft.answers.get(self.element.code)
        self.show_next = self.value is not None  # back at an answered question: Next keeps the answer

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

    def picked(self, agency_id: str, service_id: str, names: tuple[str, str]) -> None:
        # As a face does: the choice shows a moment, so a double tap on the service's row does not
        # answer the first question with the face that appears under the finger.
        if self.wizard is None or self.wizard.current_step is not self:
            return
        draft = self.wizard.draft
        draft.agency_id, draft.service_id = agency_id, service_id
        draft.service_name = names
        self.chosen = tr.pick(*names)
        self.wizard.answered(self)

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
        self._advance_ev = None
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

    def answered(self, step: Step) -> None:
        """A step was answered by a touch: the next one in ``ANSWER_SHOWN_S``. Touching again meanwhile
        (a double tap, a correction) keeps that moment; Back, Next or Home cancel it."""
        if self._advance_ev is None:
            self._advance_ev = Clock.schedule_once(lambda _dt: self._advance(step), ANSWER_SHOWN_S)

    def _advance(self, step: Step) -> None:
        self._advance_ev = None
        if self.current_step is step and not self.done:
            self.next()

    def has_unsent(self) -> bool:
        # A face just touched is saved to the draft only when its step moves on (ANSWER_SHOWN_S later):
        # Home in that moment is leaving an answer too.
        return super().has_unsent() or (self._advance_ev is not None and not self.done)

    def _cancel_advance(self) -> None:
        if self._advance_ev is not None:
            self._advance_ev.cancel()
            self._advance_ev = None

    def show(self, name: str) -> None:
        self._cancel_advance()
        super().show(name)

    def show_end(self, name: str) -> Step:
        self._cancel_advance()
        return super().show_end(name)

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

    def quick_tap(self, face: int, *, from_home: bool = False) -> bool:
        """One tap on a face in quick mode; False for a repeated tap (counted once already).

        From Home the thank-you shows on this screen, then Home again; on this screen's own quick step
        the faces come back."""
        if not self._debounce.accept(time.monotonic()):
            # Dropped, but counted: the server reports how many taps the filter threw away. A failure to
            # count is no reason to show the citizen an error, hence the silent on_error.
            self.call(lambda k: k.count_discarded_tap(), on_error=_count_lost)
            return False
        raw: dict[str, Any] = {"face": face}
        if self.app.cfg.office.agency_id:
            raw["agency_id"] = self.app.cfg.office.agency_id
        if from_home:
            self.call(lambda k, r: k.add_quick_rating(r), raw, on_done=lambda _u: self._thank_from_home())
            return True
        self.current_step.value = face
        self.call(lambda k, r: k.add_quick_rating(r), raw, on_done=lambda _u: self._show_thanks(QUICK_THANKS_S, home=False))
        return True

    def _thank_from_home(self) -> None:
        if self.app.current != "home":
            return  # the citizen has moved on meanwhile (a tile): the rating is kept, no thank-you
        self.app.go("survey", remember=False)
        self._show_thanks(QUICK_THANKS_S, home=True)

    # --- leaving ----------------------------------------------------------------------------------

    def on_leave(self, *_args) -> None:
        self._cancel_thanks()
        self._cancel_advance()

    def reset(self) -> None:
        self._cancel_thanks()
        self._cancel_advance()
        self.service_given = False
        self._debounce.reset()
        super().reset()


def _count_lost(exc: BaseException) -> None:
    log.warning("a discarded tap could not be counted: %s", exc)


load_kv(__file__)
