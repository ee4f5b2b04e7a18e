"""Issue 13, items 7 to 9: nothing of the last person shows to the next one (a tracking result under a
new error, a half-typed complaint behind "Masih di sana?"), and the staff PIN screen is calm to use."""

from __future__ import annotations

import re

import pytest

from kiosk.domain import tracking
from kiosk.domain.tracking import MSG_CODE_MISTYPED
from kiosk.i18n import translator

pytestmark = pytest.mark.ui

FIRST = "Mohon disediakan ramp untuk kursi roda di pintu depan."


def _file(core, description: str = FIRST):
    return core.file_complaint({
        "class": "aspirasi", "topic": "sarana", "description": description,
        "privacy": "anonim", "consent_version": "pdp-2026-11",
    })


def _result_texts(d, screen) -> list[str]:
    return [w.text for w in d.walk(screen.ids.result) if getattr(w, "text", "")]


def _type_and_check(d, screen, text: str) -> None:
    """The next person: clears the box, types on the on-screen keyboard, touches "Check the status"."""
    ti = screen.ids.field.ids.ti
    ti.text = ""
    d.tap(ti)
    d.type(text)
    d.tap(screen.ids.check)


def _look_up(d, screen, code: str) -> None:
    """A receipt under the scanner: its whole URL and Enter, then the answer."""
    d.press_keys(f"https://iplik.ntbprov.go.id/lacak/{tracking.parse(code)}", enter=True)
    d.settle()
    d.wait(lambda: screen._result is not None and screen._result.tracking_code == code, what="the result")


# --- item 7: Track ------------------------------------------------------------------------------------


def test_a_mistyped_or_short_code_does_not_leave_the_last_result_on_screen(ui, core):
    d = ui
    filed = _file(core)
    d.tap(d.screen("home").ids.tile_track)
    screen = d.app.screen
    _look_up(d, screen, filed.tracking_code)
    assert any(filed.tracking_code in t for t in _result_texts(d, screen))

    # The next person types a code with a typo: the error shows, the last person's report does not.
    wrong = filed.tracking_code[:-1] + ("2" if filed.tracking_code[-1] != "2" else "3")
    _type_and_check(d, screen, wrong)
    assert screen.ids.field.error == translator("id")(MSG_CODE_MISTYPED)
    assert _result_texts(d, screen) == [] and not screen.found

    # Same after a code that is too short, typed after a fresh result.
    _look_up(d, screen, filed.tracking_code)
    _type_and_check(d, screen, "K7P")
    assert screen.ids.field.error
    assert _result_texts(d, screen) == [] and not screen.found


def test_a_new_lookup_clears_the_old_result_before_it_asks_and_on_not_found(ui, core):
    d = ui
    filed = _file(core)
    d.tap(d.screen("home").ids.tile_track)
    screen = d.app.screen
    _look_up(d, screen, filed.tracking_code)
    # What is on screen the moment the new question goes to the store.
    seen_while_asking = []
    screen.bind(searching=lambda _s, on: on and seen_while_asking.append(_result_texts(d, screen)))
    # A well-formed code that no kiosk gave out: same shape, other letters, valid check character.
    unknown = tracking.generate()
    while unknown == tracking.parse(filed.tracking_code):
        unknown = tracking.generate()
    _type_and_check(d, screen, unknown)
    d.settle()
    d.wait(lambda: not screen.searching, what="the lookup's answer")
    assert seen_while_asking == [[]], "the old result was still on screen while the new code was looked up"
    assert screen.ids.field.error  # not found, said beside the box
    assert _result_texts(d, screen) == [] and not screen.found


# --- item 8: nothing readable behind "Masih di sana?" ----------------------------------------------

TYPED = "petugas loket minta uang padahal gratis"


def _seen_opacity(widget) -> float:
    """How opaque a widget is drawn: its own opacity times every parent's (Kivy multiplies them)."""
    alpha, w = 1.0, widget
    while w is not None and w is not w.parent:
        alpha *= w.opacity
        w = w.parent
    return alpha


def _idle_out(d) -> None:
    idle = d.app.idle
    base = idle.now()
    idle.now = lambda: base + idle.timeout_s + 1
    idle.check()
    d.frames(2)


def _pixels(d, tmp_path, widget, name: str):
    """The window's pixels under ``widget`` (RGB, top row first), from a real screenshot."""
    from kivy.core.window import Window
    from PIL import Image

    shot = Image.open(d.screenshot(tmp_path / f"{name}.png")).convert("RGB")
    x, y = widget.to_window(widget.x, widget.y)
    scale = shot.width / Window.width
    left, right = int(x * scale) + 2, int((x + widget.width) * scale) - 2
    top, bottom = int(shot.height - (y + widget.height) * scale) + 2, int(shot.height - y * scale) - 2
    return shot.crop((left, top, right, bottom))


def test_the_idle_question_hides_what_the_citizen_typed_and_still_here_brings_it_back(ui, tmp_path):
    import time

    d = ui
    app = d.app
    app.go("complaint")
    screen = app.screen
    screen.draft.complaint_class, screen.draft.topic = "pengaduan", "pungli"
    screen.show("describe")
    ti = screen.current_step.ids.field.ids.ti
    d.tap(ti)
    d.type(TYPED)
    app.clear_focus()  # the keyboard down: the box and its text show in full behind the question
    d.frames(2)
    before = _pixels(d, tmp_path, ti, "before")
    assert len(set(before.getdata())) > 2, "the typed text shows before the question (the check can fail)"
    idle = app.idle
    try:
        _idle_out(d)
        assert app.idle_overlay.shown
        readable = [w for w in app.root.ids.sm.walk(restrict=True)
                    if getattr(w, "text", "") and _seen_opacity(w) > 0]
        assert not readable, f"readable behind the question: {[w.text for w in readable][:5]}"
        # And in the pixels: where the box is (outside the question's card), one flat colour.
        card = app.idle_overlay.children[0]
        shot = _pixels(d, tmp_path, ti, "during")
        cx, _cy = card.to_window(card.x, card.y)
        bx, _by = ti.to_window(ti.x, ti.y)
        assert not (bx >= cx and bx + ti.width <= cx + card.width), "the test needs part of the box beside the card"
        beside = shot.crop((0, 0, max(1, int(cx - bx) - 4), shot.height)) if bx < cx else shot
        assert len(set(beside.getdata())) == 1, "the typed text or the box shows through the dim"
        d.tap(app.idle_overlay.ids.still_here)
    finally:
        idle.now = time.monotonic
        idle.last_activity = time.monotonic()
    d.frames(2)
    assert not app.idle_overlay.shown and ti.text == TYPED
    assert _seen_opacity(ti) == 1.0
    assert list(_pixels(d, tmp_path, ti, "after").getdata()) == list(before.getdata())


# --- item 9: the staff PIN screen ---------------------------------------------------------------------

DEMO_PIN = "246810"  # the demo PIN of the repository's config.toml


@pytest.fixture
def no_lockout(core):
    """No failures counted before and after (the lockout is kept in the kiosk database)."""
    from kiosk.store import staff_pin

    staff_pin.clear_lockout(core.store)
    yield core
    staff_pin.clear_lockout(core.store)


def _keys(screen) -> dict:
    return {k.text: k for k in screen.ids.pad.children if k.text}


def _press(d, screen, digits: str) -> None:
    keys = _keys(screen)
    for digit in digits:
        d.tap(keys[digit], frames=0)
    d.frames(1)


def _blobs(image) -> list[tuple[int, float]]:
    """Dark shapes in a picture of the dots: (pixel count, share of its bounding box it fills) each.
    A filled round dot fills about pi/4 (0.785) of its box; a missing-glyph box is a hollow frame."""
    grey = image.convert("L")
    w, h = grey.size
    px = grey.load()
    dark = {(x, y) for y in range(h) for x in range(w) if px[x, y] < 128}
    shapes = []
    while dark:
        stack = [dark.pop()]
        seen = list(stack)
        while stack:
            x, y = stack.pop()
            for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if n in dark:
                    dark.remove(n)
                    stack.append(n)
                    seen.append(n)
        xs, ys = [p[0] for p in seen], [p[1] for p in seen]
        box = (max(xs) - min(xs) + 1) * (max(ys) - min(ys) + 1)
        shapes.append((len(seen), len(seen) / box))
    return shapes


def test_the_pin_shows_one_round_dot_per_digit(ui, no_lockout, tmp_path):
    d = ui
    d.app.open_admin()
    screen = d.app.screen
    d.settle()
    _press(d, screen, "246")
    d.frames(2)
    shapes = [s for s in _blobs(_pixels(d, tmp_path, screen.ids.dots, "dots")) if s[0] > 20]
    assert len(shapes) == 3, shapes
    for _size, fill in shapes:
        assert 0.65 < fill < 0.9, f"not a round dot: fills {fill:.2f} of its box"
    d.app.home()


def test_a_wrong_pin_does_not_move_the_keypad(ui, no_lockout):
    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    d.settle()
    d.frames(2)
    key = _keys(screen)["5"]
    before = key.to_window(*key.center)
    _press(d, screen, "1111")
    d.tap(screen.ids.ok)
    d.settle()
    d.wait(lambda: screen.message, what="the wrong-PIN message")
    d.frames(3)
    after = key.to_window(*key.center)
    assert after == before, f"the keypad moved {after[1] - before[1]:+.0f} px when the message appeared"
    app.home()


def test_the_whole_keypad_shows_above_the_bottom_bar_in_large_text(ui, no_lockout):
    d = ui
    app = d.app
    d.tap(app.root.ids.topbar.ids.large)
    app.open_admin()
    screen = app.screen
    d.settle()
    _press(d, screen, "1111")
    d.tap(screen.ids.ok)
    d.settle()
    d.wait(lambda: screen.message, what="the wrong-PIN message")
    d.frames(3)
    pad, bar = screen.ids.pad, app.root.ids.bottombar
    assert screen.ids.page.scroll_y == 1
    gap = pad.to_window(pad.x, pad.y)[1] - bar.to_window(bar.x, bar.top)[1]
    assert gap >= 0, f"the keypad's last row is {-gap:.0f} px under the bottom bar"
    app.home()


def test_taps_right_after_the_pin_screen_idles_back_home_do_not_open_anything(ui, no_lockout):
    """Staff typing the PIN when the screen clears: their next taps land on Home's tiles (the keypad
    sits where "Sampaikan keluhan" is), and must not open a complaint the moment Home appears."""
    import time

    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    d.settle()
    _press(d, screen, "24")
    idle = app.idle
    try:
        _idle_out(d)
        assert app.idle_overlay.shown  # "Masih di sana?" on the PIN screen too
        base = idle.now()
        idle.now = lambda: base + app.cfg.ui.idle_countdown_s + 1
        idle.tick()
        d.settle()
        assert app.current == "home"
        tile = d.screen("home").ids.tile_complaint
        for _ in range(2):  # fingers already on their way to the next digits
            d.tap(tile)
            assert app.current == "home", "a tap meant for the PIN screen opened a complaint"
        later = idle.now() + 5
        idle.now = lambda: later  # a moment later, Home answers as always
        d.tap(tile)
        assert app.current == "complaint"
    finally:
        idle.now = time.monotonic
        idle.last_activity = time.monotonic()


def _unlocked_status(d, screen) -> str:
    keys = _keys(screen)
    for digit in DEMO_PIN:
        d.tap(keys[digit], frames=0)
    d.tap(screen.ids.ok)
    d.settle()
    assert screen.unlocked
    return d.wait(lambda: screen.status_text, what="the kiosk status")


def test_the_status_shows_the_paper_left_and_the_connection_in_words(ui, no_lockout):
    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    d.settle()
    text = _unlocked_status(d, screen)
    paper = no_lockout.paper_status()  # what `kiosk printer status` and `kiosk paper status` print
    line = next((x for x in text.splitlines() if x.startswith("Sisa kertas")), None)
    assert line, text
    assert f"{paper.receipts_left} struk" in line and f"{paper.remaining_fraction * 100:.0f}%" in line, line
    raw = {"starting", "never_run", "disabled", "not_enrolled", "idle", "sending", "offline", "unauthorized",
           "throttled", "error"}  # the sync worker's state names (kiosk/sync/worker.py)
    sync = next(x for x in text.splitlines() if x.startswith("Sambungan ke server pusat"))
    assert sync.split(": ", 1)[1] not in raw, sync
    assert not raw & set(re.findall(r"[a-z_]+", sync.split(": ", 1)[1])), sync
    app.set_language("en")
    screen.refresh()
    d.settle()
    text = d.wait(lambda: "Paper left" in screen.status_text and screen.status_text, what="the status in English")
    sync = next(x for x in text.splitlines() if x.startswith("Connection to the central server"))
    assert sync.split(": ", 1)[1] not in raw, sync
    app.home()


def test_paper_refilled_is_confirmed_with_a_check_in_the_success_colour(ui, no_lockout):
    from kiosk.ui.theme import theme

    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    d.settle()
    _unlocked_status(d, screen)
    d.tap(screen.ids.paper)
    d.settle()
    note = d.wait(lambda: screen.ids.note if screen.note else None, what="the confirmation")
    assert note.ids.words.text == "Tercatat: gulungan kertas sudah penuh lagi."
    icon = note.ids.icon
    assert icon.icon == "check-circle-outline" and list(icon.color) == list(theme.ok)
    assert note.ids.words.color == theme.ok
    assert not app.message, "no alert chip for a success"
    assert icon.get_root_window() is not None and note.opacity == 1
    d.tap(app.root.ids.topbar.ids.lang_en)
    assert note.ids.words.text == "Noted: the paper roll is full again."
    app.home()


def test_the_pin_pad_opens_at_the_top_after_staff_scrolled_the_status(ui, no_lockout):
    """The admin page kept the scroll of the last visit: after staff scrolled the status to its end, the
    next PIN screen opened part-way down, with the keypad out of its usual place (found by the full run)."""
    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    d.settle()
    _unlocked_status(d, screen)
    page = screen.ids.page
    d.wait(lambda: page.children[0].height > page.height, what="a status longer than the page")
    page.scroll_y = 0
    app.reset_all()
    d.settle()
    app.open_admin()
    d.settle()
    assert page.scroll_y == 1
    app.home()
