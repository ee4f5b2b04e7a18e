"""The Forms screen driven by touch: pick a form, fill it with the on-screen keyboard, see an error next
to a bad value, preview the pages, print with the pdf backend, and nothing typed is left afterwards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kiosk.actions import MSG_FORM_PRINTED
from kiosk.i18n import translator

pytestmark = pytest.mark.ui

FORM = "dinkes-sipa"
NAME = "Rina Marlina"


def back(d) -> None:
    d.tap(d.app.root.ids.bottombar.ids.back)


def touch_next(d) -> None:
    d.tap(d.app.screen.ids.next)
    d.settle()


def type_into(d, text: str) -> None:
    """Touch the step's box (the keyboard comes up) and type with its keys."""
    ti = d.app.screen.current_step.field.ids.ti
    d.tap(ti)
    assert d.app.keyboard.shown
    d.type(text)
    assert ti.text == text


def set_text(d, text: str) -> None:
    """Put text in the step's box the way the keyboard does (into the focused box), quicker than keys."""
    ti = d.app.screen.current_step.field.ids.ti
    d.tap(ti)
    ti.text = text
    d.frames(1)


def pick_option(d, index: int) -> None:
    screen = d.app.screen
    d.wait(screen.accepts_taps, what="the step guard")
    d.tap(screen.current_step.ids.choices.children[::-1][index])
    d.settle()


def open_form_from_home(d):
    d.tap(d.screen("home").ids.tile_forms)
    d.settle()
    screen = d.app.screen
    assert screen.name == "forms" and screen.stage_name == "list"
    buttons = {b.value: b for b in screen.ids.list.children}
    assert FORM in buttons
    d.wait(screen.accepts_taps, what="the step guard")
    d.tap(buttons[FORM])
    assert screen.stage_name == "field" and screen.step_no == 1
    return screen


def fill_all(d, screen, core) -> None:
    assert screen.step_total == 9
    type_into(d, NAME)
    assert d.app.keyboard.layout == "text"
    touch_next(d)
    assert screen.step_no == 2
    # A bad NIK: the core's message shows next to the box and the citizen stays on the step.
    type_into(d, "5271")
    assert d.app.keyboard.layout == "digits"
    touch_next(d)
    step = screen.current_step
    assert screen.step_no == 2
    exc = core.form_errors(FORM, {"nik": "5271"})["nik"]  # the same rule as the form file
    assert step.field.error == translator("id")(exc.message).format(**exc.params) != ""
    set_text(d, "5271015009930002")
    touch_next(d)
    assert screen.step_no == 3 and step.field.error == ""
    set_text(d, "19930910/STRA-UNRAM/2018/204512")
    touch_next(d)
    type_into(d, "081353672020")  # phone: the digit keypad
    touch_next(d)
    set_text(d, "rina.marlina@gmail.com")
    assert d.app.keyboard.layout == "email"
    touch_next(d)
    assert screen.step_no == 6 and screen.current_step.kind == "choice"
    pick_option(d, 0)  # apotek: choosing moves on
    assert screen.step_no == 7
    set_text(d, "Apotek Sehat Sentosa")
    touch_next(d)
    set_text(d, "Jl. Airlangga No. 44, Mataram")
    touch_next(d)
    assert screen.step_no == 9
    pick_option(d, 0)


def no_value_left(screen) -> None:
    assert screen.values == {}
    for step in screen._field_steps:
        assert not step.value
    texts = [getattr(w, "text", "") for w in screen.walk(restrict=True)]
    assert not any(NAME in t or "5271015009930002" in t for t in texts if isinstance(t, str))


def test_form_from_home_filled_previewed_and_printed(ui, core, ui_config):
    d = ui
    screen = open_form_from_home(d)
    fill_all(d, screen, core)
    d.wait(lambda: screen.stage_name == "preview" and screen.ids.pages.children, what="the preview pages")
    assert all(img.texture is not None for img in screen.ids.pages.children)
    # Back from the preview edits the last field, and every answer is still there.
    back(d)
    assert screen.stage_name == "field" and screen.step_no == 9
    back(d)
    assert screen.current_step.field.ids.ti.text == "Jl. Airlangga No. 44, Mataram"
    touch_next(d)
    pick_option(d, 0)
    d.wait(lambda: screen.stage_name == "preview" and screen.ids.pages.children, what="the preview pages")
    before = set(Path(ui_config.pdf_dir).glob("*.pdf")) if Path(ui_config.pdf_dir).exists() else set()
    touch_next(d)  # print
    d.wait(lambda: screen.stage_name == "result", what="the print result")
    assert screen.printed and screen.result_text == MSG_FORM_PRINTED
    new = set(Path(ui_config.pdf_dir).glob("*.pdf")) - before
    assert len(new) == 1
    (pdf,) = new
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert NAME in text and "5271015009930002" in text.replace(" ", "")
    # Printed: nothing typed is left in the screen.
    no_value_left(screen)
    touch_next(d)  # Finish
    assert d.app.current == "home"


def test_idle_reset_leaves_nothing_and_back_returns_to_the_list(ui):
    d = ui
    screen = open_form_from_home(d)
    type_into(d, NAME)
    touch_next(d)
    assert screen.values
    back(d)
    assert screen.current_step.field.ids.ti.text == NAME
    back(d)
    assert screen.stage_name == "list" and screen.values == {}
    d.app.reset_all()
    d.settle()
    assert d.app.current == "home"
    no_value_left(screen)
    assert screen.spec is None and screen.stage_name == "list"


def test_form_opened_for_a_service_starts_at_its_first_field(ui):
    d = ui
    d.app.go("forms", form_id=FORM)
    d.settle()
    screen = d.app.screen
    assert screen.stage_name == "field" and screen.step_no == 1 and screen.spec.id == FORM
    back(d)  # arrived with a form: Back leaves the screen
    assert d.app.current == "home"


def test_service_page_with_a_form_leads_to_it(ui, monkeypatch):
    from kiosk.actions import Kiosk

    # The small test catalog links no form; this service gets one (the facade runs on the backend).
    monkeypatch.setattr(Kiosk, "form_for_service", lambda self, sid: self.form(FORM) if sid == "dinkes-sipa" else None)
    d = ui
    d.app.go("service", service_id="bappenda-pkb")
    d.settle()
    # No form: the button is not laid out at all (invisible, it left an empty row above the page).
    assert d.app.screen.form_id == "" and d.app.screen.ids.fill_form.parent is None
    d.app.go("service", service_id="dinkes-sipa")
    d.settle()
    service = d.app.screen
    assert service.form_id == FORM and service.ids.fill_form.parent is service.ids.complain.parent
    d.tap(service.ids.fill_form)
    d.settle()
    screen = d.app.screen
    assert screen.name == "forms" and screen.stage_name == "field" and screen.spec.id == FORM
    back(d)  # arrived with a form: Back returns to the service page
    assert d.app.current == "service"


# --- issue #13: what a citizen stumbled on in the forms ---------------------------------------------


def test_the_preview_shows_the_reference_that_is_printed(ui, ui_config, monkeypatch):
    """The preview said F-TT8D-ZB2A and the paper F-M227-P2CM: each made its own reference. Every page
    rendered for one filled form (preview, preview again after a change, print) carries one reference,
    the one on the paper."""
    from kiosk.printing import formpdf

    rendered = []
    real = formpdf.render

    def spy(spec, values, *, lang, context):
        rendered.append(context.ref)
        return real(spec, values, lang=lang, context=context)

    monkeypatch.setattr(formpdf, "render", spy)
    d = ui
    d.app.go("forms", form_id=FORM)
    d.settle()
    screen = d.app.screen
    screen.values = dict(screen.spec.example_values())
    screen.preview()
    d.settle()
    d.wait(lambda: screen.stage_name == "preview" and screen.ids.pages.children, what="the preview pages")
    d.tap(screen.ids.edit)  # Change: back to the first field, then on to the preview again
    screen.preview()
    d.settle()
    d.wait(lambda: screen.ids.pages.children, what="the preview again")
    before = set(Path(ui_config.pdf_dir).glob("*.pdf")) if Path(ui_config.pdf_dir).exists() else set()
    touch_next(d)  # print
    d.wait(lambda: screen.stage_name == "result", what="the print result")
    (pdf,) = set(Path(ui_config.pdf_dir).glob("*.pdf")) - before
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert len(rendered) == 3 and rendered[0], rendered
    assert set(rendered) == {rendered[0]}, f"preview and print made different references: {rendered}"
    assert rendered[0] in text, "the printed page carries that reference"
    assert screen.form_ref == "", "printed: the reference goes with the values"


def _open_field(d, form_id: str, field_id: str):
    d.app.go("forms", form_id=form_id)
    d.settle()
    screen = d.app.screen
    index = next(i for i, s in enumerate(screen._field_steps) if s.spec.id == field_id)
    screen.show_field(index)
    d.frames(2)
    return screen, screen.current_step


def test_a_date_typed_on_the_keypad_looks_like_the_example_in_the_hint(ui):
    """The hint showed "05-12-1990" but the digit keypad has no dash: what it asked could not be typed."""
    d = ui
    screen, step = _open_field(d, "bakesbang-izin-penelitian", "tanggal_lahir")
    assert step.spec.example == "05-12-1990" and "05-12-1990" in step.hint
    d.tap(step.field.ids.ti)
    assert d.app.keyboard.layout == "digits"
    d.type("0512199")
    assert step.field.ids.ti.text == "05-12-199"
    d.type("0")
    assert step.field.ids.ti.text == step.spec.example, "typed on the keypad, it reads like the example"
    d.tap(d.key_for("\b"))  # backspace takes the last digit, and a dash left at the end goes with the next
    assert step.field.ids.ti.text == "05-12-199"
    d.type("0")
    touch_next(d)
    assert step.field.error == "" and screen.values["tanggal_lahir"] == "05-12-1990"
    # A USB keyboard's own way of writing it is left alone (the core reads 5/12/1990 too).
    assert __import__("kiosk.ui.screens.forms", fromlist=["date_mask"]).date_mask("5/12/1990") == "5/12/1990"


def test_a_checkbox_step_does_not_say_its_sentence_twice(ui):
    d = ui
    _screen, step = _open_field(d, "pendaftaran-pelatihan-ikm", "bersedia")
    sentence = step.spec.label("id")
    from kivy.uix.label import Label

    texts = [w.text for w in d.walk() if isinstance(w, Label)]
    assert sum(sentence in t for t in texts) == 1, "the sentence shows once, beside its box"
    assert step.question and step.question != sentence
