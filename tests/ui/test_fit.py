"""No label anywhere is cut off or sticks out of the window: every scene, both languages, both text
sizes. The session's window is 1280x800, the tightest landscape kiosk; the other sizes run in child
processes (one window per process) through the screenshots tool, which fails on the same check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.ui.screenshots import SAMPLE_COMPLAINT, _receipt_sample, answer_sample, check, clipped_labels, scenes

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def sample(ui_config):
    from kiosk.actions import Kiosk
    from kiosk.domain.ikm import ELEMENTS

    kiosk = Kiosk.open(ui_config)
    try:
        filed = kiosk.file_complaint({**SAMPLE_COMPLAINT, "service_id": "bappenda-pkb"})
        kiosk.add_survey({"service_id": "bappenda-pkb", "answers": {e.code: 4 for e in ELEMENTS}})
        answered = kiosk.file_complaint({**SAMPLE_COMPLAINT, "service_id": "bappenda-pkb"})
        answer_sample(kiosk, answered.tracking_code)
    finally:
        kiosk.close()
    data = {"agency_id": "bappenda", "service_id": "bappenda-pkb", "code": filed.tracking_code,
            "answered": answered.tracking_code}
    return {**data, "receipt": _receipt_sample(ui_config, filed.tracking_code)}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_no_label_is_clipped(ui, sample, lang, large):
    from kivy.core.window import Window

    d = ui
    problems = []
    for name, action in scenes(sample):
        d.app.reset_all()
        d.app.lang, d.app.large_text = lang, large
        d.settle()
        action(d)
        d.settle()
        d.frames(2)
        problems += [f"{name}: {clip}" for clip in check(d.app.root, Window.width)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_home_shows_every_action_without_scrolling(ui, lang, large):
    """1280x800 is the tightest kiosk: the five tiles and the search still fit, in large text too."""
    from kiosk.ui.theme import theme

    d = ui
    try:
        d.app.lang, d.app.large_text = lang, large
        d.settle()
        home = d.screen("home")
        page, column = home.ids.page, home.ids.column
        if large:
            # The tiles choose their layout after the new text sizes have been measured, a few frames
            # after the switch (more under load): wait for that pass, as a person sees the end state.
            # A layout that never turns compact still fails here.
            d.wait(lambda: all(t.compact for t in home.ids.tiles.children), 5.0, "tiles laid out for large text")
        assert column.height <= page.height + 1, (f"Home needs {column.height:.0f} px of {page.height:.0f}: intro {home.ids.intro.height:.0f} pitch_h {home.pitch_h:.0f} tiles {home.ids.tiles.height:.0f} tile_h {home.tile_h:.0f} needs {[round(t.needed) for t in home.ids.tiles.children]} search {home.ids.search.height:.0f} cols {home.ids.tiles.cols} key {home._upright_key} subs {[(t.ids.sub.text, t.ids.sub.height, t.ids.sub.width, t.ids.sub.font_size, t.ids.sub.text_size) for t in home.ids.tiles.children]}")
        for tile in home.ids.tiles.children:
            # The tile's own icon size, not the button size that the class rule would put back.
            expected = theme.tile_icon * (0.75 if tile.compact else 1)
            assert tile.ids.ic.font_size == pytest.approx(expected), tile.text
        topbar = d.app.root.ids.topbar
        assert topbar.orientation == "horizontal", "the office name and the switches share one row"
        if large:
            assert all(t.compact for t in home.ids.tiles.children), "icons beside the words to make room"
    finally:
        d.app.large_text = False


def test_switching_text_size_there_and_back_gives_every_label_its_size_again(ui, sample):
    """A size set by a use in KV and the class rule's own size both follow the theme; whichever fired
    last used to win, so small print came back body-sized after large text was switched on and off.
    The switch is the A+ button in the top bar, touched as a person does."""
    from kivy.uix.label import Label

    from kiosk.ui.confirm import ConfirmDialog

    d = ui
    changed = []
    for name, action in scenes(sample):
        d.app.reset_all()
        d.settle()
        action(d)
        d.settle()
        labels = [w for w in d.walk() if isinstance(w, Label) and w.text]
        before = [w.font_size for w in labels]
        a_plus = d.app.root.ids.topbar.ids.large
        # Over a question that covers the app ("Masih di sana?", "Buang pengaduan ...?") a touch answers
        # the question: there the switch is made directly.
        asking = d.app.idle_left or d.app.layer(ConfirmDialog).shown
        switch = d.app.toggle_large_text if asking else (lambda button=a_plus: d.tap(button))
        switch()
        d.settle()
        assert d.app.large_text, name
        switch()
        d.settle()
        assert not d.app.large_text, name
        changed += [f"{name}: {w.text[:30]!r} {size} -> {w.font_size}"
                    for w, size in zip(labels, before) if w.font_size != size]
    assert not changed, "\n".join(changed[:20])


def test_a_reset_ends_the_idle_countdown_it_interrupts(ui):
    """The cause of the intermittent failure above (it kept large text after A+ on and off, on whichever
    scene the 90 s idle timeout happened to land): a reset while "Masih di sana?" counted down hid the
    question but left its countdown running; when it ran out it reset the app again, in the middle of
    the next person's use, and put the text size back. A scene loop without touches ran into it; so would
    a citizen after the app reset itself on an error (and their touches were taken as the answer)."""
    d = ui
    idle = d.app.idle
    clock = [idle.now()]
    real_now, idle.now = idle.now, lambda: clock[0]
    try:
        idle.activity()
        d.app.go("agencies")
        d.settle()
        clock[0] += idle.timeout_s + 1
        idle.check()
        assert idle.prompting and d.app.idle_left > 0, "the question shows"
        d.app.reset_all()  # as the app does after an unexpected error
        d.settle()
        assert d.app.idle_left == 0
        assert not idle.prompting, "the reset ended the countdown"
        d.tap(d.app.root.ids.topbar.ids.large)  # the next person wants large text
        assert d.app.large_text
        clock[0] += idle.countdown_s + 1
        idle.tick()
        idle.check()
        assert d.app.large_text, "their choice stands: no second reset from the old countdown"
    finally:
        idle.now = real_now
        idle.activity()
        d.app.large_text = False


def test_the_check_finds_a_clipped_label(ui):
    from kivy.core.window import Window
    from kivy.uix.label import Label

    d = ui
    d.app.go("agencies")
    d.settle()
    page = d.app.screen.ids.page.children[0]
    squeezed = Label(text="Informasi layanan yang sangat panjang", size_hint=(None, None), size=(80, 20))
    page.add_widget(squeezed)
    d.frames(2)
    try:
        assert [c.text for c in clipped_labels(d.app.root, Window.width)] == [squeezed.text]
    finally:
        page.remove_widget(squeezed)


def test_the_check_finds_a_label_under_a_bar_but_not_one_scrolled_away(ui):
    """Issue #13: the check passed while content slid under the fixed bars. A label drawn where the top
    bar, the bottom bar or the keyboard lies is reported; one scrolled out of its page's view is not (the
    bars hide it by design, and it is a scroll away)."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    from kiosk.ui import screenshots

    d = ui
    d.app.go("agencies")
    d.settle()
    root = d.app.root
    bottom = root.ids.bottombar
    assert bottom.height > 0
    under = Label(text="Langkah berikutnya", size_hint=(None, None), size=(400, 40),
                  pos=(Window.width / 2 - 200, bottom.y + 4))
    root.add_widget(under)  # over the whole frame, where the bottom bar is
    column = d.app.screen.ids.page.children[0]
    away = Label(text="Di bawah lipatan", size_hint=(None, None), size=(400, 40))
    column.add_widget(away, index=0)  # the page's last line
    d.frames(3)
    try:
        page = d.app.screen.ids.page
        page.scroll_y = 1
        d.frames(2)
        found = screenshots.check(root, Window.width)
        texts = [c.text for c in found]
        assert under.text in texts, found
        assert any("under the bottom bar" in c.problem for c in found if c.text == under.text)
        top = Label(text="Di balik bilah atas", size_hint=(None, None), size=(400, 40),
                    pos=(40, root.ids.topbar.y + 4))
        root.add_widget(top)
        d.frames(2)
        assert top.text in [c.text for c in screenshots.check(root, Window.width)]
        root.remove_widget(top)
        if page.viewport_size[1] > page.height + 50:
            assert away.text not in texts, "a line below the fold is not under a bar: it scrolls"
    finally:
        root.remove_widget(under)
        column.remove_widget(away)


def test_the_check_finds_a_text_box_under_the_keyboard(ui):
    from kivy.core.window import Window

    from kiosk.ui import screenshots
    from kiosk.ui.forms import KTextInput

    d = ui
    d.app.go("forms", form_id="dinkes-sipa")
    d.settle()
    d.tap(d.app.screen.current_step.field.ids.ti)
    d.wait(lambda: d.app.typing, 5, "the keyboard")
    kb = d.app.keyboard
    box = KTextInput(size_hint=(None, None), size=(500, 60), pos=(30, kb.y + kb.height / 2), hint_text="NIK")
    d.app.root.add_widget(box)
    d.frames(2)
    try:
        found = [c for c in screenshots.check(d.app.root, Window.width) if "NIK" in c.text]
        assert found and "under the keyboard" in found[0].problem, found
    finally:
        d.app.root.remove_widget(box)
    # The field being typed in, scrolled half out of its page: a person typing does not see its error.
    from kivy.uix.widget import Widget

    screen = d.app.screen
    page, field = screen.ids.page, screen.current_step.field
    filler = Widget(size_hint_y=None, height=3000)
    screen.ids.stage.add_widget(filler)
    try:
        assert field.ids.ti.focus
        assert not [c for c in screenshots.check(d.app.root, Window.width) if "typed in" in c.problem]
        cut = False
        for step in range(1, 200):
            page.scroll_y = 1 - step / 400
            d.frames(1)
            top, bottom = field.to_window(0, field.top)[1], field.to_window(0, field.y)[1]
            page_top = page.to_window(0, page.top)[1]
            if bottom < page_top < top:
                cut = True
                break
        assert cut, "scrolled the field across the page's top edge"
        found = [c for c in screenshots.check(d.app.root, Window.width) if "typed in" in c.problem]
        assert found, "the field in use, cut by the top bar, is reported"
    finally:
        screen.ids.stage.remove_widget(filler)
        page.scroll_y = 1
        d.app.clear_focus()


@pytest.mark.slow
@pytest.mark.parametrize("size", ["1920x1080", "1080x1920"])
def test_other_window_sizes_fit_too(tmp_path, size):
    from kiosk.ui.screenshots import prepare_data

    config_path, data = prepare_data(tmp_path / "data", None)
    child = [sys.executable, "-m", "kiosk.ui.screenshots", "--out", str(tmp_path / "png"),
             "--child", f"{config_path}|{json.dumps(data)}|{size}"]
    result = subprocess.run(child, capture_output=True, text=True, env={**os.environ, "KIVY_NO_ARGS": "1"}, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert len(list((tmp_path / "png").rglob("*.png"))) == 4 * len(scenes({"agency_id": "", "service_id": "", "code": ""}))
