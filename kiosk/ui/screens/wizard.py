"""One question per screen: the step machinery the complaint and survey screens share.

A wizard screen lists its steps (some appear only for some answers: no identity step for an
anonymous report), shows one step widget at a time on its ``stage``, and keeps the citizen's answers in
a plain draft object. Back goes to the previous step and keeps every answer; the review step can jump
to any step to change it. ``reset`` drops the draft and clears every step widget.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from ...domain.errors import ValidationError
from ..forms import Choice, ErrorLine, Field, typed_in
from ..i18n import tr
from ..kv import load_kv
from ..step_errors import ErrorSummary, mark_field
from .base import KScreen

# A second tap this soon after a step changed belongs to the previous step (a double tap), not to the
# new question that appeared under the finger.
STEP_GUARD_S = 0.45


@dataclass(frozen=True)
class Fault:
    """A refused answer as the citizen must see it: the ``message``, the part of the step that shows it
    (``group``: the field, or the box with its message) and what takes the focus (a text box), if any."""

    message: str
    group: Any
    focus: Any = None


class Step(BoxLayout):
    """One screen of a wizard. Subclasses fill ``load``/``save``/``clear``, and ``recheck`` for
    messages that must go as soon as the answer is right."""

    wizard = ObjectProperty(None, allownone=True, rebind=True)
    question = StringProperty("")  # msgid
    hint = StringProperty("")  # msgid
    optional = BooleanProperty(False)
    next_label = StringProperty("Next")  # msgid of the main button
    show_next = BooleanProperty(True)

    def load(self, draft: Any) -> None:
        """Show what the draft holds (coming back to this step)."""

    def save(self, draft: Any) -> bool:
        """Check and store this step's answer; False keeps the citizen here (errors shown)."""
        return True

    def clear(self) -> None:
        """Forget everything typed or chosen."""

    def show_error(self, field: str | None, message: str) -> None:
        """A validation error from the core that belongs to this step."""
        self.wizard.app.notify(message)

    def on_kv_post(self, _base) -> None:
        # Every text field of the step is marked while it holds a message, and a change to its text
        # checks the answer again (a stale "you wrote 0 characters" under 35 of them misleads).
        for widget in self.walk(restrict=True):
            if isinstance(widget, Field) and not _in_picker(widget):
                mark_field(widget)
                widget.ids.ti.fbind("text", self._answer_changed)

    def _answer_changed(self, *_args) -> None:
        if self.faults():
            self.recheck()
        self.summarize()

    def recheck(self) -> None:
        """The answer changed while a message shows: update the messages (empty when right now)."""

    def faults(self) -> list[Fault]:
        """The messages showing on this step, top to bottom."""
        found: list[Fault] = []
        for widget in self.walk(restrict=True):
            if isinstance(widget, Field) and widget.error:
                found.append(Fault(widget.error, widget, widget.ids.ti))
            elif isinstance(widget, ErrorLine) and widget.text and not isinstance(widget.parent, Field):
                found.append(Fault(widget.text, widget.parent if widget.parent is not self else widget))
        return found

    def summarize(self) -> None:
        """Refresh the summary of errors at the top of the step, if it has one."""
        summary = self.ids.get("summary")
        if isinstance(summary, ErrorSummary) and self.wizard is not None:
            summary.faults = [(f.message, lambda f=f: self.wizard.go_to_fault(f)) for f in self.faults()]


class StepHeading(BoxLayout):
    """The question and its hint, above a step's content."""

    step = ObjectProperty(None, allownone=True, rebind=True)


class ChoiceStep(Step):
    """A question answered by one big choice; choosing moves on at once."""

    options = ListProperty([])  # (value, label msgid, description msgid, icon)
    value = ObjectProperty(None, allownone=True)
    draft_key = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._buttons: list[Choice] = []
        self.fbind("options", self._build)
        self._build()
        self.show_next = self.optional

    def _build(self, *_args) -> None:
        grid = self.ids.choices
        grid.clear_widgets()
        self._buttons = []
        for value, _label, _desc, icon in self.options:
            button = Choice(value=value, icon=icon)
            button.bind(on_release=self._chosen)
            grid.add_widget(button)
            self._buttons.append(button)
        self.relabel()

    def relabel(self) -> None:
        for button, (_value, label, desc, _icon) in zip(self._buttons, self.options):
            button.text = tr._(label)
            button.description = tr._(desc) if desc else ""

    def on_value(self, _w, value) -> None:
        for button in self._buttons:
            button.selected = button.value == value
        self.show_next = value is not None or self.optional

    def _chosen(self, button: Choice) -> None:
        if self.wizard is None or not self.wizard.accepts_taps():
            return
        self.value = button.value
        self.wizard.next()

    def load(self, draft) -> None:
        self.value = getattr(draft, self.draft_key)

    def save(self, draft) -> bool:
        if self.value is None and not self.optional:
            self.wizard.app.notify(tr._("Please choose one of the answers."))
            return False
        setattr(draft, self.draft_key, self.value)
        return True

    def clear(self) -> None:
        self.value = None


class TextStep(Step):
    """A question answered by typing into one ``Field`` (id ``field``); ``draft_key`` names the draft's field.

    With ``autofocus`` the cursor is in the box and the keyboard up when the step shows: typing is the
    only thing to do on the page, and a first-time citizen otherwise has to find the box first."""

    draft_key = ""
    autofocus = False

    def focus_first(self) -> None:
        if not self.autofocus:
            return
        self.ids.field.ids.ti.focus = True
        heading = next((w for w in self.children if isinstance(w, StepHeading)), None)
        # Once the keyboard is up: the question too, above the box, when both fit in what is left.
        _after_frames(3, lambda: self.wizard.app.scroll_into_view(self.ids.field, lead=heading)
                      if self.ids.field.ids.ti.focus else None)

    def load(self, draft) -> None:
        ti = self.ids.field.ids.ti
        value = getattr(draft, self.draft_key)
        if ti.text != value:
            ti.text = value

    def show_error(self, field: str | None, message: str) -> None:
        self.ids.field.error = message

    def clear(self) -> None:
        self.ids.field.clear()


class PickerStep(Step):
    """A question answered with the ``ServicePicker`` (id ``picker``); picking one moves on at once.

    The draft gets the agency, the service and the names of what was picked (Indonesian, English)
    under ``label_key``: shown in the language of the moment, also after a switch.
    """

    chosen = StringProperty("")
    label_key = ""

    def on_wizard(self, _w, wizard) -> None:
        if wizard is not None:
            self.ids.picker.caller = wizard

    def picked(self, agency_id: str, service_id: str, names: tuple[str, str]) -> None:
        draft = self.wizard.draft
        draft.agency_id, draft.service_id = agency_id, service_id
        setattr(draft, self.label_key, names)
        self.chosen = tr.pick(*names)
        self.wizard.next()

    def show_chosen(self, draft) -> None:
        names = getattr(draft, self.label_key)
        self.chosen = tr.pick(*names) if names else ""

    def relabel(self) -> None:
        self.ids.picker.relabel()
        if self.wizard is not None:
            self.show_chosen(self.wizard.draft)

    def clear(self) -> None:
        self.chosen = ""
        self.ids.picker.clear()


class WizardScreen(KScreen):
    step_no = NumericProperty(1)
    step_total = NumericProperty(1)
    step_name = StringProperty("")
    # rebind: the button bar follows the step on stage, also when the step changes its own label
    # (a choice made turns "Skip this question" into "Next").
    current_step = ObjectProperty(None, allownone=True, rebind=True)
    done = BooleanProperty(False)  # the last screen (receipt, thanks) is showing
    sending = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._steps: dict[str, Step] = {}
        self._changed_at = 0.0
        self.draft = self.new_draft()

    # --- to fill in -------------------------------------------------------------------------------

    def new_draft(self) -> Any:
        raise NotImplementedError

    def step_names(self) -> Sequence[str]:
        raise NotImplementedError

    def make_step(self, name: str) -> Step:
        raise NotImplementedError

    def finish(self) -> None:
        """Called when the last step is saved (submit)."""

    # Which step holds the field a ValidationError from the core names (its first dotted part).
    FIELD_STEPS: ClassVar[dict[str, str]] = {}

    # --- navigation -------------------------------------------------------------------------------

    def step(self, name: str) -> Step:
        widget = self._steps.get(name)
        if widget is None:
            widget = self.make_step(name)
            widget.wizard = self
            self._steps[name] = widget
        return widget

    def show(self, name: str) -> None:
        names = list(self.step_names())
        widget = self.step(name)
        self._put_on_stage(name, widget)
        self.step_no = names.index(name) + 1
        self.step_total = len(names)
        self.done = False
        self._changed_at = time.monotonic()
        widget.load(self.draft)
        self.ids.page.scroll_y = 1
        if hasattr(widget, "focus_first"):
            # After the step is laid out (the keyboard then scrolls the box into view).
            Clock.schedule_once(lambda _dt: widget.focus_first() if self.current_step is widget and not self.done else None, 0)

    def _put_on_stage(self, name: str, widget: Step) -> None:
        self.app.clear_focus()
        stage = self.ids.stage
        stage.clear_widgets()
        stage.add_widget(widget)
        self.current_step = widget
        self.step_name = name

    def show_end(self, name: str) -> Step:
        """The last screen (receipt, thanks): no step bar, and the citizen's answers are forgotten."""
        widget = self.step(name)
        self._put_on_stage(name, widget)
        self.done = True
        self.ids.page.scroll_y = 1
        # What the citizen typed is not needed any more on this kiosk's screen.
        self.draft = self.new_draft()
        for other, step in self._steps.items():
            if other != name:
                step.clear()
        return widget

    def _failed(self, exc: BaseException) -> None:
        """Sending failed: a ValidationError goes to the step that owns its field, anything else to a notice."""
        self.sending = False
        field = getattr(exc, "field", None) if isinstance(exc, ValidationError) else None
        step = self.FIELD_STEPS.get((field or "").split(".")[0])
        message = tr.error(exc)
        if step and step in self.step_names():
            self.show(step)
            self.current_step.show_error(field, message)
            self.show_first_error(self.current_step)  # in view, focused, and in the summary
        else:
            self.app.notify(message)

    def relabel(self) -> None:
        for widget in self._steps.values():
            if hasattr(widget, "relabel"):
                widget.relabel()

    def accepts_taps(self) -> bool:
        return time.monotonic() - self._changed_at >= STEP_GUARD_S

    # Draft fields that are not the citizen's answers (ids, the service they came from): losing only these
    # needs no question.
    NOT_ENTERED = ("key", "agency_id", "service_id", "place", "service_name")

    def has_unsent(self) -> bool:
        """An answer saved in the draft, or words typed in the step on screen; not once sent or sending."""
        if self.done or self.sending or self.current_step is None:
            return False
        fresh = self.new_draft()
        return typed_in(self.current_step) or any(
            getattr(self.draft, f.name) != getattr(fresh, f.name) for f in fields(self.draft) if f.name not in self.NOT_ENTERED)

    def next(self) -> None:
        if self.done:
            self.app.home()
            return
        widget = self.current_step
        if widget is None or self.sending:
            return
        if not widget.save(self.draft):
            self.show_first_error(widget)
            return
        names = list(self.step_names())  # may change with the answer just saved
        index = names.index(self.step_name)
        if index + 1 < len(names):
            self.show(names[index + 1])
        else:
            self.finish()

    def show_first_error(self, step: Step) -> None:
        """A refusal shows why, in view: the first faulty field is scrolled into view (with the summary
        above it, when both fit) and takes the focus; the summary lists every message."""
        step.summarize()
        faults = step.faults()
        if faults:
            self.go_to_fault(faults[0])

    def go_to_fault(self, fault: Fault) -> None:
        summary = self.current_step.ids.get("summary") if self.current_step is not None else None
        lead = summary if isinstance(summary, ErrorSummary) and summary.faults else None

        def place(*_args) -> None:
            if fault.group.get_root_window() is not None:  # else the citizen moved on meanwhile
                self.app.scroll_into_view(fault.group, lead=lead)

        def bring(*_args) -> None:
            if fault.focus is not None and not fault.focus.focus and fault.group.get_root_window() is not None:
                # The keyboard comes up and the page gets shorter: place the field once it has.
                fault.focus.focus = True
                _after_frames(3, place)
            else:
                place()

        # Two frames: the message takes its height, then the page lays out again around it.
        _after_frames(2, bring)

    def back(self) -> bool:
        if self.done:
            self.app.home()
            return True
        if self.sending:
            return True
        names = list(self.step_names())
        index = names.index(self.step_name) if self.step_name in names else 0
        if index == 0:
            return False
        self.show(names[index - 1])
        return True

    def reset(self) -> None:
        self.draft = self.new_draft()
        self.sending = False
        for widget in self._steps.values():
            widget.clear()
        self.start()

    def start(self) -> None:
        self.show(self.step_names()[0])

    def on_enter(self, *_args) -> None:
        if self.current_step is None:
            self.start()


def _after_frames(n: int, fn) -> None:
    """Run ``fn`` ``n`` frames from now (layout settles over a few frames)."""
    Clock.schedule_once(lambda _dt: fn() if n <= 1 else _after_frames(n - 1, fn), 0)


def _in_picker(widget) -> bool:
    """The search box of the office/service picker is not an answer to check."""
    from ..picker import ServicePicker

    node = widget.parent
    while node is not None and not isinstance(node, Step):
        if isinstance(node, ServicePicker):
            return True
        node = node.parent
    return False


load_kv(__file__)

