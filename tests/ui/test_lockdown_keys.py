"""No key opens anything that is not the kiosk's own, and Kivy's config cannot be changed at run time.

Kivy's App toggles its settings panel (Fullscreen, Rotation, Keyboard mode...) on F1 and adds it to the
window; a choice there was written to KIVY_HOME/config.ini and survived a restart. tests/ui_x11 checks
the same with real key events in an X11 window.
"""

from __future__ import annotations

import os
import string

import pytest

pytestmark = pytest.mark.ui

F_KEYS = range(282, 294)  # Kivy's key codes of F1 .. F12
MODIFIERS = ([], ["shift"], ["ctrl"], ["alt"], ["meta"], ["ctrl", "alt"])


def _press(window, key: int, modifiers: list[str], codepoint: str | None = None) -> None:
    """A key as Kivy's SDL2 window reports one: key down (and on_keyboard), then key up."""
    window.dispatch("on_key_down", key, 0, codepoint, modifiers)
    window.dispatch("on_keyboard", key, 0, codepoint, modifiers)
    window.dispatch("on_key_up", key, 0)


@pytest.mark.parametrize("screen", ["home", "agencies"])
def test_function_keys_add_nothing_to_the_window(ui, screen):
    from kivy.core.window import Window

    d = ui
    if screen != "home":
        d.app.go(screen)
        d.frames(2)
    before = list(Window.children)
    for key in F_KEYS:
        for modifiers in MODIFIERS:
            _press(Window, key, modifiers)
            d.frames(1)
            added = [c for c in Window.children if c not in before]
            assert Window.children == before, f"F{key - 281} with {modifiers} put {added} on the window"
    assert d.app.current == screen


def test_modifier_letter_combinations_add_nothing_to_the_window(ui):
    from kivy.core.window import Window

    d = ui
    before = list(Window.children)
    for modifiers in (["ctrl"], ["alt"], ["meta"], ["ctrl", "shift"]):
        for letter in string.ascii_lowercase:
            _press(Window, ord(letter), modifiers, letter)
        d.frames(1)
        added = [c for c in Window.children if c not in before]
        assert Window.children == before, f"{modifiers} + a letter put {added} on the window"
    _press(Window, 285, ["alt"])  # Alt+F4
    assert Window.dispatch("on_request_close", source="keyboard") is True
    d.frames(1)
    assert Window.children == before


def test_a_long_press_in_a_text_box_opens_no_kivy_bubble(ui):
    """A gesture either: Kivy's Cut/Copy/Paste bubble (English, added to the window) stays closed."""
    import time

    from kivy.base import EventLoop
    from kivy.core.window import Window

    d = ui
    d.app.go("track")
    d.frames(2)
    ti = d.app.screen.ids.field.ids.ti
    before = list(Window.children)
    touch = d.touch(*ti.to_window(*ti.center), up=False)
    held_until = time.monotonic() + 1.0  # Kivy opens the bubble after 0.5 s
    while time.monotonic() < held_until:
        d.frames(1)
    EventLoop.post_dispatch_input("end", touch)
    d.frames(2)
    assert Window.children == before, [c for c in Window.children if c not in before]


def test_kivy_settings_panel_cannot_be_opened(ui):
    from kivy.core.window import Window

    d = ui
    before = list(Window.children)
    assert not d.app.open_settings()
    d.frames(1)
    assert Window.children == before
    assert d.app._app_settings is None


def test_kivy_config_is_not_written_at_run_time(ui):
    """What the settings panel did with a choice: set it and write the file. Nothing reaches the disk."""
    import kivy
    from kivy.config import Config

    before = os.path.exists(kivy.kivy_config_fn)
    assert Config.get("graphics", "rotation") == "0"
    try:
        Config.set("graphics", "rotation", "90")
        assert Config.write() is False
    finally:
        Config.set("graphics", "rotation", "0")
    assert not before and not os.path.exists(kivy.kivy_config_fn), "Kivy keeps a config.ini in KIVY_HOME"
