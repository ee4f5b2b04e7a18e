"""Formulir layanan: pick an application form, fill it one field per screen, preview it, print it.

list -> one step per field the kiosk asks ("Langkah N dari M") -> preview (the printed pages as images)
-> print -> result. Back goes one step back and keeps what was typed. Each field is checked by the core
with the same rules as the form file when the citizen moves on; the error shows next to the box. The
values live only in this screen: printing drops them (unless the form says they may be kept) and
``reset`` (Home, idle) always does.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ..forms import Choice, Field, typed_in
from ..i18n import N_, tr
from ..kv import load_kv
from .base import KScreen
from .wizard import STEP_GUARD_S

TYPED_LIMIT = ("text", "multiline", "email")  # field types whose max_length counts every typed character

# The docked keyboard's layouts for the form file's keyboards.
OSK = {"text": "text", "digits": "digits", "phone": "digits", "email": "email", "none": "text"}

# A date as the digit keypad types it (digits only), or as this mask already shows it, one digit or one
# backspace later. Anything else (5/12/1990 from a USB keyboard) is left as typed: the core reads it.
_DATE_MASKABLE = re.compile(r"\d{0,2}|\d{2}-\d{0,3}|\d{2}-\d{2}-\d{0,5}|\d{3,8}")


def date_mask(text: str) -> str:
    """Digits typed on the keypad shown as the form's examples write dates: 05121990 -> 05-12-1990.
    (The keypad has no dash, and the hint showed "05-12-1990": the citizen could not type what it showed.)"""
    if not _DATE_MASKABLE.fullmatch(text):
        return text
    digits = text.replace("-", "")[:8]
    return "-".join(part for part in (digits[:2], digits[2:4], digits[4:]) if part)


class FormStep(BoxLayout):
    """One field of the form: its label, the help from the form file, and a box, options or a tick."""

    screen = ObjectProperty(None, allownone=True, rebind=True)
    question = StringProperty("")
    hint = StringProperty("")
    error = StringProperty("")
    kind = StringProperty("text")  # text | choice | checkbox

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self._buttons: list[Choice] = []
        if spec.type == "choice":
            self.kind = "choice"
            for opt in spec.options:
                button = Choice(value=opt.value, icon="chevron-right")
                button.bind(on_release=self._chosen)
                self.ids.choices.add_widget(button)
                self._buttons.append(button)
        elif spec.type == "checkbox":
            self.kind = "checkbox"
            button = Choice(value=True, icon="checkbox-blank-outline")
            button.bind(on_release=self._ticked)
            self.ids.choices.add_widget(button)
            self._buttons.append(button)
        else:
            self.kind = "text"
            # Typing stops at the form's max_length (digits are counted without their separators: no stop).
            field = Field(osk=OSK.get(spec.keyboard, "text"), multiline=spec.type == "multiline",
                          lines=4 if spec.type == "multiline" else 1,
                          max_chars=(spec.max_length or 0) if spec.type in TYPED_LIMIT else 0)
            self.ids.box.add_widget(field)
            self.field = field
            if spec.type == "date":
                field.ids.ti.bind(text=self._masked)
                # After the box has placed its cursor for the key (it does so after setting the text).
                self._cursor_to_end = Clock.create_trigger(lambda _dt: setattr(field.ids.ti, "cursor", (len(field.ids.ti.text), 0)), -1)
        self.relabel()

    def _masked(self, ti, text: str) -> None:
        shown = date_mask(text)
        if shown != text:
            ti.text = shown  # runs this once more, with nothing left to change
            self._cursor_to_end()

    def relabel(self) -> None:
        lang = tr.lang
        spec = self.spec
        # A checkbox carries its sentence itself; a heading repeating it word for word read twice.
        self.question = tr._("Please read this and tick the box") if self.kind == "checkbox" else spec.label(lang)
        parts = [spec.help(lang)] if spec.help else []
        if spec.type == "date":
            parts.append(tr._("Type the day, month and year as digits; the dashes appear by themselves."))
        if spec.example and self.kind == "text":
            parts.append(tr.f("Example: {example}", example=spec.example))
        if not spec.required:
            parts.append(tr._("You can leave this empty."))
        self.hint = "\n".join(parts)
        if self.kind == "choice":
            for button, opt in zip(self._buttons, spec.options):
                button.text = opt.label(lang)
        elif self.kind == "checkbox":
            self._buttons[0].text = spec.label(lang)
            self._buttons[0].description = tr._("Touch to tick or untick.")

    # --- the value ------------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        if self.kind == "text":
            return self.field.ids.ti.text
        chosen = [b.value for b in self._buttons if b.selected]
        if self.kind == "checkbox":
            return bool(chosen)
        return chosen[0] if chosen else None

    def load(self, value: Any) -> None:
        if self.kind == "text":
            ti = self.field.ids.ti
            text = "" if value is None else str(value)
            if ti.text != text:
                ti.text = text
            return
        for button in self._buttons:
            button.selected = (button.value == value) if self.kind == "choice" else bool(value)
        self._icons()

    def _icons(self) -> None:
        for button in self._buttons:
            if self.kind == "checkbox":
                button.icon = "checkbox-marked-outline" if button.selected else "checkbox-blank-outline"

    def _chosen(self, button: Choice) -> None:
        if self.screen is None or not self.screen.accepts_taps():
            return
        for b in self._buttons:
            b.selected = b is button
        self._icons()
        self.screen.next()

    def _ticked(self, button: Choice) -> None:
        button.selected = not button.selected
        self._icons()

    def on_error(self, _w, error: str) -> None:
        if self.kind == "text":
            self.field.error = error

    def clear(self) -> None:
        self.error = ""
        if self.kind == "text":
            self.field.clear()
        else:
            for button in self._buttons:
                button.selected = False
            self._icons()


class FormsScreen(KScreen):
    stage_name = StringProperty("list")  # list | field | preview | result
    step_no = NumericProperty(1)
    step_total = NumericProperty(1)
    title = StringProperty("")
    busy_work = BooleanProperty(False)
    printed = BooleanProperty(False)
    result_text = StringProperty("")  # msgid from the print outcome
    current_step = ObjectProperty(None, allownone=True)
    pages = ListProperty([])  # Kivy textures of the preview pages
    main_label = StringProperty("Next")  # msgid of the main button
    # The filled form's reference: made once, at its first preview, and printed as previewed.
    form_ref = StringProperty("")

    unsent_question = N_("Discard the form you have not printed?")
    unsent_detail = N_("If you go to the start now, everything you filled in on this form is deleted.")

    def has_unsent(self) -> bool:
        """Fields answered, or words typed in the field on screen, before the form is printed."""
        if self.stage_name not in ("field", "preview"):
            return False
        typed = self.current_step is not None and typed_in(self.current_step)
        return typed or any(value not in (None, "", False) for value in self.values.values())

    def on_stage_name(self, _w, name: str) -> None:
        self.main_label = MAIN_LABELS.get(name, "Next")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = None
        self.values: dict[str, Any] = {}
        self.index = 0
        self._forms: list = []
        self._field_steps: list[FormStep] = []
        self._changed_at = 0.0
        self._arrived_with_form = False

    @property
    def _steps(self) -> dict[str, FormStep]:
        """The field steps by field id (what the idle test looks through, like the wizards' steps)."""
        return {step.spec.id: step for step in self._field_steps}

    # --- opening --------------------------------------------------------------------------------

    def open(self, form_id: str = "", **_params) -> None:
        if form_id:
            if self.spec is None or self.spec.id != form_id:
                self.forget()
                self._arrived_with_form = True
                self.call(lambda k: k.form(form_id), on_done=self._start)
        elif self.spec is None:
            self._show_list()

    def on_enter(self, *_args) -> None:
        if self.spec is None and not self._forms and not self._arrived_with_form:
            self._show_list()

    def _show_list(self) -> None:
        self.stage_name = "list"
        self._changed_at = time.monotonic()
        if not self._forms:
            self.call(lambda k: k.forms(), on_done=self._listed)
        else:
            self._build_list()

    def _listed(self, forms) -> None:
        self._forms = list(forms)
        self._build_list()

    def _build_list(self) -> None:
        box = self.ids.list
        box.clear_widgets()
        for spec in self._forms:
            button = Choice(icon="file-document-outline", text=spec.title(tr.lang),
                            description=spec.agency_name, value=spec.id)
            button.bind(on_release=self._picked)
            box.add_widget(button)

    def _picked(self, button: Choice) -> None:
        if not self.accepts_taps():
            return
        spec = next((s for s in self._forms if s.id == button.value), None)
        if spec is not None:
            self._start(spec)

    def _start(self, spec) -> None:
        self.spec = spec
        self.values = {}
        self.form_ref = ""
        self._field_steps = []
        for f in spec.kiosk_fields:
            step = FormStep(f, screen=self)
            self._field_steps.append(step)
        self.title = spec.title(tr.lang)
        self.show_field(0)

    # --- steps ------------------------------------------------------------------------------------

    def accepts_taps(self) -> bool:
        return time.monotonic() - self._changed_at >= STEP_GUARD_S

    def show_field(self, index: int) -> None:
        self.app.clear_focus()
        self.index = index
        step = self._field_steps[index]
        stage = self.ids.stage
        stage.clear_widgets()
        stage.add_widget(step)
        step.load(self.values.get(step.spec.id))
        self.current_step = step
        self.step_no, self.step_total = index + 1, len(self._field_steps)
        self.stage_name = "field"
        self._changed_at = time.monotonic()
        self.ids.page.scroll_y = 1

    def next(self) -> None:
        """The main button: check this field and move on; on the preview, print; at the end, Home."""
        if self.busy_work:
            return
        if self.stage_name == "field":
            step = self.current_step
            value = step.value
            form_id, field_id = self.spec.id, step.spec.id
            self.busy_work = True
            self.call(lambda k: k.validate_form_field(form_id, field_id, value),
                      on_done=lambda _clean: self._field_ok(step, value), on_error=self._field_bad)
        elif self.stage_name == "preview":
            self.print_form()
        elif self.stage_name == "result":
            self.app.home()

    def _field_ok(self, step: FormStep, value: Any) -> None:
        self.busy_work = False
        step.error = ""
        self.values[step.spec.id] = value
        if self.index + 1 < len(self._field_steps):
            self.show_field(self.index + 1)
        else:
            self.preview()

    def _field_bad(self, exc: BaseException) -> None:
        self.busy_work = False
        if self.current_step is not None and self.stage_name == "field":
            self.current_step.error = tr.error(exc)
        else:
            self.show_error(exc)

    def _to_field_of(self, exc: BaseException) -> bool:
        field = getattr(exc, "field", None)
        for i, step in enumerate(self._field_steps):
            if step.spec.id == field:
                self.show_field(i)
                step.error = tr.error(exc)
                return True
        return False

    def _failed(self, exc: BaseException) -> None:
        self.busy_work = False
        if not self._to_field_of(exc):
            self.show_error(exc)

    # --- preview and print ------------------------------------------------------------------------

    def preview(self) -> None:
        self.app.clear_focus()
        self.stage_name = "preview"
        self.current_step = None
        self.ids.stage.clear_widgets()
        self.pages = []
        self.ids.page.scroll_y = 1
        self._changed_at = time.monotonic()
        form_id, values, lang, ref = self.spec.id, dict(self.values), tr.lang, self.form_ref

        def work(k):
            made = ref or k.new_form_reference()
            return made, k.form_preview_png(form_id, values, lang, ref=made)

        self.busy_work = True
        self.call(work, on_done=self._show_pages, on_error=self._failed)

    def _show_pages(self, done: tuple[str, list[bytes]]) -> None:
        from kivy.core.image import Image as CoreImage
        from kivy.uix.image import Image

        self.busy_work = False
        self.form_ref, pngs = done
        box = self.ids.pages
        box.clear_widgets()
        for png in pngs:
            texture = CoreImage(io.BytesIO(png), ext="png").texture
            image = Image(texture=texture, size_hint_y=None, fit_mode="contain")
            # As wide as the page, as tall as the paper's proportions make it.
            ratio = texture.height / max(1, texture.width)
            image.bind(width=lambda img, w, r=ratio: setattr(img, "height", w * r))
            image.height = max(1, box.width) * ratio
            box.add_widget(image)

    def print_form(self) -> None:
        form_id, values, lang, ref = self.spec.id, dict(self.values), tr.lang, self.form_ref or None
        self.busy_work = True
        self.call(lambda k: k.print_form(form_id, values, lang, ref=ref), on_done=self._printed, on_error=self._failed)

    def _printed(self, outcome) -> None:
        self.busy_work = False
        if not self.spec.keep_after_print:
            self._drop_values()
        self.result_text = outcome.message_id
        self.pdf = outcome.pdf_path
        self.printed = bool(outcome.printed)
        self.ids.pages.clear_widgets()
        self.ids.stage.clear_widgets()
        self.pages = []
        self.current_step = None
        self.stage_name = "result"
        self._changed_at = time.monotonic()

    def _drop_values(self) -> None:
        self.values = {}
        self.form_ref = ""
        for step in self._field_steps:
            step.clear()

    # --- back, reset, language --------------------------------------------------------------------

    def edit(self) -> None:
        """From the preview: back to the first field to change anything."""
        if self._field_steps:
            self.show_field(0)

    def back(self) -> bool:
        if self.busy_work:
            return True
        if self.stage_name == "result":
            self.app.home()
            return True
        if self.stage_name == "preview":
            self.ids.pages.clear_widgets()
            self.show_field(len(self._field_steps) - 1)
            return True
        if self.stage_name == "field":
            if self.index > 0:
                self.show_field(self.index - 1)
                return True
            if not self._arrived_with_form:
                self._drop_values()
                self.spec = None
                self._field_steps = []
                self.current_step = None
                self.ids.stage.clear_widgets()
                self._show_list()
                return True
        return False

    def relabel(self) -> None:
        if self.stage_name == "list":
            self._build_list()
        if self.spec is not None:
            self.title = self.spec.title(tr.lang)
        for step in self._field_steps:
            step.relabel()
        if self.stage_name == "preview":
            self.preview()

    def reset(self) -> None:
        self._drop_values()
        self.spec = None
        self._field_steps = []
        self.current_step = None
        self.index = 0
        self.title = ""
        self.busy_work = False
        self.printed = False
        self.result_text = ""
        self.pdf = None
        self.pages = []
        self._arrived_with_form = False
        self.ids.stage.clear_widgets()
        self.ids.pages.clear_widgets()
        self.stage_name = "list"
        self.ids.page.scroll_y = 1


MAIN_LABELS = {
    "field": N_("Next"),
    "preview": N_("Print the form"),
    "result": N_("Finish"),
}

load_kv(__file__)
