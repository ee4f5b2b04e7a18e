"""Nobody gets out, nothing of the last person stays, and the staff door has a lock that locks."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.ui.lockdown import AlreadyRunning, CloseGuard, InstanceLock, lock_window

pytestmark = pytest.mark.ui

DEMO_PIN = "246810"  # the demo PIN of the repository's config.toml


def test_escape_and_window_close_do_nothing(ui):
    from kivy.base import EventLoop
    from kivy.core.window import Window

    d = ui
    d.app.go("agencies")
    Window.dispatch("on_keyboard", 27, 41, None, [])  # Escape
    Window.dispatch("on_key_down", 27, 41, None, [])
    assert Window.dispatch("on_request_close") is True  # the close is refused
    d.frames(2)
    assert EventLoop.status == "started"
    assert d.app.current == "agencies"


def test_the_window_has_no_multisampling(ui):
    """Every frame of a software-rendered kiosk would pay twice for antialiasing that nothing needs."""
    from kivy.graphics.opengl import glGetIntegerv

    GL_SAMPLE_BUFFERS, GL_SAMPLES = 0x80A8, 0x80A9
    assert list(glGetIntegerv(GL_SAMPLE_BUFFERS)) == [0]
    assert list(glGetIntegerv(GL_SAMPLES)) == [0]


def test_close_guard_lets_staff_out_only_after_release():
    guard = CloseGuard()
    assert guard.on_keyboard(None, 27) and guard.on_request_close()
    assert not guard.on_keyboard(None, 13)  # other keys pass through
    guard.release()
    assert not guard.on_keyboard(None, 27) and not guard.on_request_close()


def test_full_screen_hides_the_cursor():
    class FakeWindow:
        show_cursor = True
        borderless = False

        def bind(self, **_handlers):
            self.bound = set(_handlers)

    window = FakeWindow()
    lock_window(window, fullscreen=True)
    assert window.show_cursor is False and window.borderless is True
    assert window.bound == {"on_keyboard", "on_request_close"}


def test_kivy_settings_for_a_kiosk():
    from kivy.config import Config

    from kiosk.ui.lockdown import configure_kivy

    keys = ("kivy.exit_on_escape", "input.mouse", "graphics.fullscreen", "graphics.borderless", "graphics.show_cursor",
            "graphics.resizable")
    saved = {k: Config.getdefault(*k.split("."), None) for k in keys}
    try:
        configure_kivy(fullscreen=True)
        assert Config.get("kivy", "exit_on_escape") == "0"
        assert "disable_multitouch" in Config.get("input", "mouse")
        assert Config.get("graphics", "fullscreen") == "auto"
        assert Config.get("graphics", "borderless") == "1"
        assert Config.get("graphics", "show_cursor") == "0"
    finally:
        for key, value in saved.items():
            if value is None:
                Config.remove_option(*key.split("."))
            else:
                Config.set(*key.split("."), value)


def test_one_instance_per_data_directory(tmp_path):
    first = InstanceLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning):
            InstanceLock(tmp_path).acquire()
    finally:
        first.release()
    again = InstanceLock(tmp_path)
    again.acquire()
    again.release()


def _idle_out(d, extra: float = 0.0) -> None:
    """Move the idle watcher's clock past the timeout (and ``extra`` seconds into the countdown)."""
    idle = d.app.idle
    base = idle.now()
    idle.now = lambda: base + idle.timeout_s + extra + 1
    idle.check()
    d.frames(1)


def test_idle_asks_then_clears_every_trace_of_the_citizen(ui):
    import time

    d = ui
    app = d.app
    # A citizen half-way through a complaint, in English, large text, with the search box filled too.
    d.tap(d.screen("home").ids.search)
    d.type("pajak")
    app.go("complaint")
    screen = app.screen
    screen.draft.complaint_class, screen.draft.topic = "pengaduan", "lambat"
    screen.show("describe")
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type("petugas tidak ada di loket")
    d.tap(d.app.root.ids.topbar.ids.lang_en)
    d.tap(d.app.root.ids.topbar.ids.large)
    assert app.lang == "en" and app.large_text
    idle = app.idle
    try:
        _idle_out(d)
        assert app.idle_left == app.cfg.ui.idle_countdown_s  # "Masih di sana?" with its countdown
        assert d.app.idle_overlay.shown
        assert screen.current_step.ids.field.ids.ti.text == "petugas tidak ada di loket"  # not yet cleared
        base = idle.now()
        idle.now = lambda: base + app.cfg.ui.idle_countdown_s + 1
        idle.tick()
        d.settle()
    finally:
        idle.now = time.monotonic
        idle.last_activity = time.monotonic()
    assert app.current == "home" and app.idle_left == 0
    assert app.lang == app.cfg.ui.languages[0] and not app.large_text
    assert screen.draft.is_empty() and screen.step_name == "class"
    assert app.focused_input is None and not app.keyboard.shown
    # No text box anywhere in the app still holds what was typed.
    for loaded in app.screens.loaded():
        for step in getattr(loaded, "_steps", {}).values():
            for widget in step.walk(restrict=True):
                assert getattr(widget, "text", "") not in ("petugas tidak ada di loket", "pajak")
        for widget in loaded.walk(restrict=True):
            assert getattr(widget, "text", "") not in ("petugas tidak ada di loket", "pajak")
    assert app.screens.get("search").query == ""


def test_a_touch_during_the_question_keeps_the_citizen_where_they_were(ui):
    import time

    d = ui
    app = d.app
    app.go("track")
    d.press_keys("abcd")
    idle = app.idle
    try:
        _idle_out(d)
        assert app.idle_left > 0
        d.tap(d.app.idle_overlay.ids.still_here)
    finally:
        idle.now = time.monotonic
        idle.last_activity = time.monotonic()
    assert app.idle_left == 0 and app.current == "track"
    assert app.screen.ids.field.ids.ti.text == "abcd"


def test_idle_at_home_resets_quietly(ui):
    import time

    d = ui
    app = d.app
    app.lang = "en"
    idle = app.idle
    try:
        _idle_out(d)
    finally:
        idle.now = time.monotonic
        idle.last_activity = time.monotonic()
    assert app.idle_left == 0 and app.lang == "id"


def _no_lockout(cfg) -> None:
    """No failures counted (the lockout is kept in the kiosk database, so it outlives a test)."""
    from kiosk.actions import Kiosk
    from kiosk.store import staff_pin

    kiosk = Kiosk.open(cfg)
    try:
        staff_pin.clear_lockout(kiosk.store)
    finally:
        kiosk.close()


def _pin(d, screen, digits: str) -> None:
    keys = {k.text: k for k in screen.ids.pad.children if k.text}
    for digit in digits:
        d.tap(keys[digit], frames=0)
    d.tap(screen.ids.ok)
    d.settle()


def test_admin_opens_on_five_quick_taps_only(ui):
    d = ui
    corner = d.app.root.ids.topbar.ids.office
    for _ in range(4):
        d.tap(corner, frames=0)
    d.frames(2)
    assert d.app.current == "home"
    clock = iter([100.0, 101.0, 102.0, 103.5, 104.5, 105.0])  # taps spread over five seconds
    corner._now = lambda: next(clock)
    corner._taps.clear()
    try:
        for _ in range(5):
            d.tap(corner, frames=0)
        assert d.app.current == "home"
    finally:
        import time

        corner._now = time.monotonic
        corner._taps.clear()
    for _ in range(5):
        d.tap(corner, frames=0)
    d.frames(2)
    assert d.app.current == "admin" and not d.app.screen.unlocked


def test_admin_pin_unlocks_then_locks_out_after_repeated_failures(ui, ui_config):
    d = ui
    app = d.app
    _no_lockout(ui_config)  # a fresh count for this test (the lockout is kept in the kiosk database)
    try:
        app.open_admin()
        screen = app.screen
        _pin(d, screen, DEMO_PIN)
        assert screen.unlocked
        d.wait(lambda: screen.status_text, what="the kiosk status")
        assert "ui-test-1" in screen.status_text
        exits = []
        app.staff_exit = lambda: exits.append(True)  # the real one ends the session's app
        try:
            d.tap(screen.ids.exit)
            assert screen.confirm_exit and not exits  # one stray touch does not close the kiosk
            d.tap(screen.ids.exit)
            assert exits == [True]
        finally:
            del app.staff_exit
        app.home()  # leaving locks it again
        app.open_admin()
        assert not screen.unlocked
        for _attempt in range(ui_config.admin.max_attempts):
            _pin(d, screen, "1111")
            assert not screen.unlocked
        assert "5 menit" in screen.message  # locked for lockout_s = 300
        _pin(d, screen, DEMO_PIN)  # even the right PIN waits out the lockout
        assert not screen.unlocked and "5 menit" in screen.message
        app.home()
        app.open_admin()  # leaving and coming back does not reset the count
        _pin(d, screen, DEMO_PIN)
        assert not screen.unlocked
    finally:
        _no_lockout(ui_config)


def test_admin_status_gives_times_in_the_office_time_zone_not_iso(ui, core, ui_config):
    d = ui
    app = d.app
    core.file_complaint({
        "class": "aspirasi", "topic": "sarana", "description": "Mohon papan petunjuk arah ke loket diperbesar.",
        "privacy": "anonim", "consent_version": "pdp-2026-11",
    })
    oldest = core.status().oldest_pending_at
    assert oldest and "T" in oldest  # stored as UTC ISO text
    local = datetime.fromisoformat(oldest).astimezone(ZoneInfo(ui_config.office.timezone))
    _no_lockout(ui_config)
    try:
        app.open_admin()
        screen = app.screen
        _pin(d, screen, DEMO_PIN)
        d.wait(lambda: "Menunggu paling lama sejak" in screen.status_text, what="the kiosk status")
        line = next(x for x in screen.status_text.splitlines() if x.startswith("Menunggu paling lama sejak"))
        assert f"{local:%H.%M}" in line and str(local.day) in line, line
        assert not re.search(r"\d{4}-\d{2}-\d{2}T", screen.status_text), screen.status_text
    finally:
        app.home()
        _no_lockout(ui_config)


def test_the_offline_mark_shows_only_what_the_sync_worker_reported(ui):
    from kiosk.ui.app import KioskApp

    d = ui
    app = d.app
    mark = app.root.ids.topbar.ids.offline
    assert KioskApp.online.defaultvalue is True, "before the first report the kiosk does not claim to be offline"
    try:
        for state, shown in (("offline", True), ("idle", False), ("error", True), ("sending", False)):
            app._show_sync(state)
            d.frames(1)
            assert mark.shown is shown, state
            assert bool(mark.children) is shown, "a folded mark is taken off the screen"
    finally:
        app._show_sync("idle")
