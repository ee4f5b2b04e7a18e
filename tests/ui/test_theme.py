"""Sizes and colours: the numbers of UI-GUIDE.md, measured rather than assumed."""

from __future__ import annotations

import pytest

from kiosk.ui.theme import LARGE_TEXT_FACTOR, Theme, contrast_ratio, hex_to_rgba, readable_primary, text_on

pytestmark = pytest.mark.ui


def theme_at(width: int, height: int, *, large: bool = False, primary: str = "#0B5394") -> Theme:
    t = Theme()
    t.set_primary(primary)
    t.resize(width, height)
    t.large = large
    return t


@pytest.mark.parametrize("primary", ["#0B5394", "#1B7F3A", "#F4B400", "#8E24AA", "#00BCD4", "#FFFFFF"])
def test_every_text_colour_reads_at_4_5_to_1(primary):
    t = theme_at(1920, 1080, primary=primary)
    for name, (fg, bg) in t.text_pairs().items():
        assert contrast_ratio(fg, bg) >= 4.5, f"{name} with primary {primary}: {contrast_ratio(fg, bg):.2f}"
    for name, (fg, bg) in t.edge_pairs().items():
        assert contrast_ratio(fg, bg) >= 3.0, f"{name}: {contrast_ratio(fg, bg):.2f}"


def test_contrast_formula_matches_wcag_examples():
    assert contrast_ratio(hex_to_rgba("#000000"), hex_to_rgba("#FFFFFF")) == pytest.approx(21.0)
    assert contrast_ratio(hex_to_rgba("#777777"), hex_to_rgba("#FFFFFF")) == pytest.approx(4.48, abs=0.01)
    assert text_on(hex_to_rgba("#0B5394")) == hex_to_rgba("#FFFFFF")
    assert text_on(hex_to_rgba("#FFE082"))[0] < 0.2


def test_a_dark_primary_is_kept_as_configured():
    assert readable_primary("#0B5394") == hex_to_rgba("#0B5394")


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_sizes_at_1080p_follow_the_ui_guide(size):
    t = theme_at(*size)
    assert t.body >= 24 and t.small >= 24
    assert 40 <= t.h2 <= 56 and 40 <= t.h1 <= 56
    assert t.button >= 28
    assert t.target >= 48 and t.key >= 64 and t.tile >= 90
    assert t.gap == 16


def test_large_text_adds_about_30_percent_and_small_screens_scale_down():
    normal, large = theme_at(1920, 1080), theme_at(1920, 1080, large=True)
    for name in ("body", "button", "h1", "target"):
        assert getattr(large, name) == pytest.approx(getattr(normal, name) * LARGE_TEXT_FACTOR, abs=1)
    assert large.gap == normal.gap  # spacing follows the window only
    small = theme_at(1280, 800)
    assert small.body == round(28 * 800 / 1080)


# --- buttons: readable in every state, and a press that cannot be missed (issue #13) --------------

PRIMARIES = ["#0B5394", "#1B7F3A", "#F4B400", "#8E24AA", "#00BCD4", "#FFFFFF"]


@pytest.mark.parametrize("primary", PRIMARIES)
def test_a_pressed_fill_differs_from_the_resting_one_by_3_to_1(primary):
    """It was 1.22:1 on keys (light grey on the grey tray) and 1.39:1 on tiles."""
    t = theme_at(1920, 1080, primary=primary)
    for name, (pressed, resting) in t.press_pairs().items():
        assert contrast_ratio(pressed, resting) >= 3.0, f"{name} with primary {primary}: {contrast_ratio(pressed, resting):.2f}"


@pytest.mark.parametrize("primary", PRIMARIES)
def test_words_and_icons_of_every_button_state_read(primary):
    """Busy ("Mohon tunggu...") was grey words on the primary fill: 2.03:1."""
    t = theme_at(1920, 1080, primary=primary)
    for name, (fg, bg, minimum) in t.paint_pairs().items():
        assert contrast_ratio(fg, bg) >= minimum, f"{name} with primary {primary}: {contrast_ratio(fg, bg):.2f}"


def _ground(widget, t):
    """The colour a person sees inside a button: its fill, or (drawn without one) the ground it is on."""
    colour = tuple(widget.bg_color)
    if colour[3] == 0:
        return tuple(t.resting_ground(widget.kind)) if widget.kind == "key" else tuple(t.bg)
    return colour


def _held(d, widget):
    """Colours of ``widget`` while a finger rests on it (touch down, no touch up yet)."""
    from kivy.base import EventLoop

    from kiosk.ui.driver import _touch_class
    from kiosk.ui.theme import theme as t

    d.frames(1)
    x, y = widget.to_window(*widget.center)
    win = EventLoop.window
    touch = _touch_class()("driver", 9000 + id(widget) % 1000, {"x": x / max(1, win.width - 1), "y": y / max(1, win.height - 1)})
    resting = _ground(widget, t)
    EventLoop.post_dispatch_input("begin", touch)
    try:
        # A page that scrolls hands a touch to its buttons after its scroll timeout (55 ms): wait for it.
        d.wait(lambda: widget.state == "down", 2.0, "the pressed state")
        return resting, _ground(widget, t), tuple(widget.fg_color)
    finally:
        EventLoop.post_dispatch_input("end", touch)
        d.frames(2)


def test_pressing_a_tile_a_key_and_the_busy_button_in_the_real_window(ui):
    """What a finger on the glass gets: the tile's and the key's pressed fill against their resting look,
    and the words on each, read from the widgets' own colours."""
    from kiosk.ui.theme import theme as t

    d = ui
    tile = d.screen("home").ids.tiles.children[-1]
    resting, pressed, words = _held(d, tile)
    assert contrast_ratio(pressed, resting) >= 3.0, f"tile: {contrast_ratio(pressed, resting):.2f}"
    assert contrast_ratio(words, pressed) >= 4.5

    d.app.go("forms")
    d.settle()
    d.app.go("forms", form_id="dinkes-sipa")
    d.settle()
    d.wait(lambda: d.screen().stage_name == "field", 5, "the first field")
    d.tap(d.screen().current_step.field.ids.ti)
    d.wait(lambda: d.app.typing, 5, "the keyboard")
    key = d.key_for("a")
    resting, pressed, words = _held(d, key)
    assert contrast_ratio(pressed, resting) >= 3.0, f"key: {contrast_ratio(pressed, resting):.2f}"
    assert contrast_ratio(words, pressed) >= 4.5

    # The main button while the form's check runs ("Mohon tunggu..."): disabled, and its words read.
    screen = d.screen()
    screen.busy_work = True
    d.frames(1)
    button = screen.ids.next
    assert button.disabled
    fill = _ground(button, t)
    words = button.ids.lbl
    assert words.text == "Mohon tunggu..." and words.disabled
    # The colour Kivy draws a disabled label in (its disabled_color), not only the one the button asked for.
    drawn = words.disabled_color
    assert drawn[3] == 1, "opaque words"
    assert contrast_ratio(drawn, fill) >= 4.5, f"busy: {contrast_ratio(drawn, fill):.2f}"
    screen.busy_work = False
