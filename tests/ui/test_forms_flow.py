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
