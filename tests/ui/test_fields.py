"""Text fields tell their limit before it is reached and stop there, a held backspace repeats, a clear
button empties a box, undrawable characters never land in a box, and Home asks before throwing away what
a citizen has not sent (issue #13, items 4 and 6, and the emoji of item 13). All through the real window."""

from __future__ import annotations

import time

import pytest

from kiosk.domain.identity import NAME_MAX
from kiosk.ui.keyboard import BKSP, HIDE, REPEAT_DELAY_S, REPEAT_RATE

pytestmark = pytest.mark.ui

FORM = "dinkes-sipa"  # its first field, "nama", is text of at most 90 characters


def identity_step(d):
    app = d.app
    app.go("complaint")
    screen = app.screen
    screen.draft.privacy = "biasa"
    screen.show("identity")
    d.frames(2)
    return screen.current_step


def focus_name(d):
    field = identity_step(d).ids.name
    d.tap(field.ids.ti)
    assert d.app.keyboard.shown
    return field


def fill(d, ti, text: str) -> None:
    """Text already in the focused box, cursor at its end (quicker than keys; the limit is what is tested)."""
    ti.text = text
    ti.cursor = ti.get_cursor_from_index(len(text))
    d.frames(1)


# --- limits and the counter ------------------------------------------------------------------------


def test_on_screen_keys_stop_at_the_limit_and_the_counter_says_so(ui):
    d = ui
    field = focus_name(d)
    ti = field.ids.ti
    fill(d, ti, "a" * (NAME_MAX - 2))
    d.type("bcde")
    assert ti.text == "a" * (NAME_MAX - 2) + "bc", "typing goes on past the name's limit"
    assert field.ids.counter.text == f"Batas tercapai: {NAME_MAX} karakter"
    assert field.error == ""


def test_a_physical_keyboard_and_a_paste_stop_at_the_limit(ui):
    d = ui
    field = focus_name(d)
    ti = field.ids.ti
    fill(d, ti, "a" * (NAME_MAX - 3))
    d.press_keys("xy")
    assert ti.text.endswith("xy") and len(ti.text) == NAME_MAX - 1
    from kivy.core.clipboard import Clipboard

    Clipboard.copy("Nurul Aini")
    ti.paste()  # what Ctrl+V does
    d.frames(1)
    assert ti.text == "a" * (NAME_MAX - 3) + "xyN", "a paste goes past the limit"


def test_the_counter_shows_from_eighty_percent_of_the_limit(ui):
    d = ui
    field = focus_name(d)
    ti = field.ids.ti
    below = int(NAME_MAX * 0.8) - 1
    fill(d, ti, "a" * below)
    assert field.ids.counter.text == "" and field.ids.counter.height == 0
    d.type("b")
    assert field.ids.counter.text == f"{below + 1} dari {NAME_MAX} karakter"
    assert field.ids.counter.height > 0 and field.ids.counter.get_root_window() is not None


def test_a_form_field_stops_at_the_forms_max_length(ui):
    d = ui
    d.app.go("forms", form_id=FORM)
    d.settle()
    screen = d.app.screen
    assert screen.stage_name == "field" and screen.current_step.spec.id == "nama"
    limit = screen.current_step.spec.max_length
    ti = screen.current_step.field.ids.ti
    d.tap(ti)
    fill(d, ti, "Rina " * (limit // 5))
    d.type("Marlina")
    assert len(ti.text) == limit, "the form's max_length does not stop typing"


def window_rect(widget):
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


@pytest.mark.parametrize("when", ["focused near the limit", "reaching the counter while typing"])
def test_the_counter_is_never_under_the_button_bar_or_the_keyboard(ui, when):
    d = ui
    d.app.toggle_large_text()  # the tightest case: large text at 1280x800
    d.app.go("forms", form_id=FORM)
    d.settle()
    screen = d.app.screen
    field = screen.current_step.field
    ti = field.ids.ti
    limit = int(field.max_chars)
    start = limit - 6 if when == "focused near the limit" else int(limit * 0.8) - 2
    ti.text = "a" * start
    d.tap(ti)
    ti.cursor = ti.get_cursor_from_index(len(ti.text))
    d.type("bcd")
    d.frames(4)
    counter = field.ids.counter
    assert counter.text
    _x, counter_bottom, _x1, counter_top = window_rect(counter)
    _x, _y, _x1, next_top = window_rect(screen.ids.next)
    _x, _y, _x1, keyboard_top = window_rect(d.app.keyboard)
    _x, page_bottom, _x1, page_top = window_rect(screen.ids.page)
    assert counter_bottom >= max(next_top, keyboard_top) - 1, "the counter is under the Next bar"
    assert counter_top <= page_top + 1


# --- held backspace --------------------------------------------------------------------------------


def test_a_held_backspace_repeats_until_released(ui):
    d = ui
    from kivy.base import EventLoop

    field = focus_name(d)
    ti = field.ids.ti
    fill(d, ti, "a" * 60)
    key = d.key_for(BKSP)
    x, y = key.to_window(*key.center)
    touch = d.touch(x, y, up=False)
    pressed = time.monotonic()
    first = None
    while time.monotonic() - pressed < 1.5:
        d.frames(1)
        if first is None and len(ti.text) < 60:
            first = time.monotonic() - pressed
    EventLoop.post_dispatch_input("end", touch)
    d.frames(1)
    held_s = time.monotonic() - pressed
    deleted = 60 - len(ti.text)
    assert first is not None, "holding backspace deleted nothing while held"
    assert first >= REPEAT_DELAY_S * 0.9, f"the repeat started after {first:.2f} s: a tap would delete twice"
    expected = 1 + (held_s - REPEAT_DELAY_S) * REPEAT_RATE
    assert expected * 0.6 <= deleted <= expected + 2, f"{deleted} deleted in {held_s:.2f} s"
    # Released: nothing more goes.
    left = ti.text
    until = time.monotonic() + 3 / REPEAT_RATE
    while time.monotonic() < until:
        d.frames(1)
    assert ti.text == left


def test_a_tap_on_backspace_still_deletes_one(ui):
    d = ui
    field = focus_name(d)
    ti = field.ids.ti
    fill(d, ti, "Baiq")
    d.tap(d.key_for(BKSP))
    assert ti.text == "Bai"


# --- the clear button ------------------------------------------------------------------------------


def test_the_clear_button_empties_the_box_and_keeps_the_keyboard(ui):
    d = ui
    field = focus_name(d)
    ti, clear = field.ids.ti, field.ids.clear_button
    assert not clear.shown
    d.type("Baiq")
    assert clear.shown and clear.label == "Hapus teks"
    assert clear.width >= 48 and clear.height >= 48
    d.tap(clear)
    assert ti.text == "" and ti.focus and d.app.keyboard.shown
    assert not clear.shown


def test_an_empty_box_takes_a_touch_where_the_clear_button_would_be(ui):
    d = ui
    step = identity_step(d)
    field = step.ids.name
    d.bring_into_view(field)
    x, y = field.ids.clear_button.to_window(*field.ids.clear_button.center)
    d.touch(x, y)
    d.frames(2)
    assert field.ids.ti.focus and d.app.keyboard.shown


# --- characters the font cannot draw ---------------------------------------------------------------


def test_emoji_from_a_physical_keyboard_do_not_land_in_the_box(ui):
    d = ui
    field = focus_name(d)
    ti = field.ids.ti
    d.press_keys("Ani 😀👍🏽 é")
    assert ti.text == "Ani  é"
    from kivy.core.clipboard import Clipboard

    Clipboard.copy(" Jl. Merdeka \U0001F3E0\u200d No 5")
    ti.paste()
    d.frames(1)
    assert ti.text == "Ani  é Jl. Merdeka  No 5"


def test_the_drawable_set_comes_from_the_bundled_font():
    from kiosk.ui.glyphs import drawable, text_font_codepoints

    known = text_font_codepoints()
    assert all(code in known for code in range(0x20, 0x7F))
    assert ord("é") in known and ord("—") in known and ord("€") in known
    assert 0x1F600 not in known and 0x4E2D not in known  # an emoji, a Chinese character
    assert drawable("Rp 100.000 — 😀\n中") == "Rp 100.000 — \n"


# --- Home asks before throwing away -----------------------------------------------------------------


def home_button(d):
    bar = d.app.root.ids.bottombar
    if not bar.shown:  # the keyboard is up: its own key puts it away, as a citizen would
        d.tap(d.key_for(HIDE))
    return bar.ids.home


def dialog(d):
    from kiosk.ui.confirm import ConfirmDialog

    return d.app.layer(ConfirmDialog)


def describe_typed(d, text: str):
    app = d.app
    app.go("complaint")
    screen = app.screen
    screen.draft.complaint_class, screen.draft.topic = "pengaduan", "lambat"
    screen.show("describe")
    d.frames(2)
    ti = screen.current_step.ids.field.ids.ti
    d.tap(ti)
    d.type(text)
    return screen, ti


def test_home_with_an_unsent_complaint_asks_and_keep_keeps_it(ui):
    d = ui
    screen, ti = describe_typed(d, "loket tutup")
    d.tap(home_button(d))
    assert d.app.current == "complaint", "Home threw the complaint away without asking"
    ask = dialog(d)
    assert ask.shown
    card = ask.ids.card
    texts = [w.text for w in card.walk(restrict=True) if hasattr(w, "text") and isinstance(w.text, str)]
    assert "Buang pengaduan yang belum dikirim?" in texts
    d.tap(ask.ids.keep)
    assert not ask.shown and d.app.current == "complaint"
    assert ti.text == "loket tutup" and screen.draft.topic == "lambat"


def test_home_with_an_unsent_complaint_discards_when_told(ui):
    d = ui
    screen, ti = describe_typed(d, "loket tutup")
    d.tap(home_button(d))
    assert d.app.current == "complaint", "Home threw the complaint away without asking"
    d.tap(dialog(d).ids.discard)
    assert d.app.current == "home" and not dialog(d).shown
    assert ti.text == "" and screen.draft.topic is None


def test_a_touch_beside_the_question_keeps_the_draft(ui):
    d = ui
    _screen, ti = describe_typed(d, "antre lama")
    d.tap(home_button(d))
    assert d.app.current == "complaint", "Home threw the complaint away without asking"
    ask = dialog(d)
    card = ask.ids.card
    d.touch(card.x + card.width / 2, max(2, card.y / 2))  # on the dim below the card
    d.frames(2)
    assert not ask.shown and d.app.current == "complaint" and ti.text == "antre lama"


def test_home_with_nothing_entered_does_not_ask(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_complaint)
    d.settle()
    d.tap(home_button(d))
    assert d.app.current == "home" and not dialog(d).shown


def test_the_idle_reset_clears_without_asking_and_closes_the_question(ui):
    d = ui
    screen, ti = describe_typed(d, "loket tutup")
    d.tap(home_button(d))
    assert d.app.current == "complaint", "Home threw the complaint away without asking"
    assert dialog(d).shown
    d.app.idle.reset()
    d.settle()
    assert d.app.current == "home" and not dialog(d).shown
    assert ti.text == "" and screen.draft.topic is None


def test_home_asks_in_the_survey_once_an_answer_is_given(ui):
    d = ui
    app = d.app
    app.go("survey", service_id="bappenda-pkb")
    d.settle()
    screen = app.screen
    assert screen.step_name == "U1"
    d.tap(home_button(d))
    assert app.current == "home", "no answer yet: Home goes straight home"
    app.go("survey", service_id="bappenda-pkb")
    d.settle()
    d.wait(screen.accepts_taps, what="the step guard")
    d.tap(screen.current_step.ids.f3)
    # Home at once: the face is saved to the draft only when the step moves on, a moment later.
    d.tap(home_button(d))
    assert app.current == "survey", "Home threw the survey answers away without asking"
    assert dialog(d).shown
    d.tap(dialog(d).ids.discard)
    assert app.current == "home" and not screen.draft.answers


def test_home_asks_in_a_form_with_a_field_filled(ui):
    d = ui
    app = d.app
    app.go("forms", form_id=FORM)
    d.settle()
    screen = app.screen
    ti = screen.current_step.field.ids.ti
    d.tap(ti)
    d.type("Rina")
    d.tap(home_button(d))
    assert app.current == "forms", "Home threw the form away without asking"
    assert dialog(d).shown
    d.tap(dialog(d).ids.keep)
    assert ti.text == "Rina" and screen.stage_name == "field"
