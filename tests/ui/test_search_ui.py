"""Search on the touchscreen: a typo still finds the service and says it is a close match, and the results
get the page when the citizen reaches for them (a drag on the list, or "Hide keyboard")."""

from __future__ import annotations

import json

import pytest
from catalog_samples import standard

pytestmark = pytest.mark.ui


def _visible(d, widget) -> bool:
    """Wholly inside its page's view, and clear of the keyboard and both bars."""
    app = d.app
    page = app.screen.ids.page
    _x, page_bottom = page.to_window(page.x, page.y)
    _x, bottom = widget.to_window(widget.x, widget.y)
    top = bottom + widget.height
    floor = page_bottom
    if app.typing:
        kb = app.keyboard
        floor = max(floor, kb.to_window(kb.x, kb.y)[1] + kb.height)
    topbar = app.root.ids.topbar
    return bottom >= floor - 1 and top <= min(page_bottom + page.height, topbar.y) + 1


def _results(screen) -> list:
    return list(reversed(screen.ids.listing.children))


def _drag(d, widget, dy: float) -> None:
    """A finger put on ``widget`` and moved ``dy`` pixels up, in steps, then lifted."""
    from kivy.base import EventLoop

    x, y = widget.to_window(*widget.center)
    touch = d.touch(x, y, up=False)
    win = EventLoop.window
    steps = 8
    for i in range(1, steps + 1):
        touch.move({"x": x / (win.width - 1), "y": (y + dy * i / steps) / (win.height - 1)})
        EventLoop.post_dispatch_input("update", touch)
        d.frames(1)
    EventLoop.post_dispatch_input("end", touch)
    d.frames(2)


def test_a_typo_typed_on_the_keyboard_finds_the_service(ui):
    d = ui
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    assert d.app.keyboard.shown
    d.type("pajek")
    d.wait(lambda: screen.searched == "pajek", what="search results")
    assert [b.service_id for b in _results(screen)] == ["bappenda-pkb"]
    assert screen.close, "a close match is said to be one"
    note = screen.ids.close_note
    assert '"pajek"' in note.text and note.height > 0 and _visible(d, note)
    assert _visible(d, _results(screen)[0]), "the result shows above the keyboard"
    d.tap(_results(screen)[0])
    d.settle()
    assert d.app.current == "service" and d.app.screen.service_id == "bappenda-pkb"


def test_spelt_right_is_not_called_a_close_match(ui):
    d = ui
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    d.type("pajak")
    d.wait(lambda: screen.searched == "pajak", what="search results")
    assert [b.service_id for b in _results(screen)] == ["bappenda-pkb"]
    assert not screen.close and screen.ids.close_note.text == ""


@pytest.fixture
def many_permits(ui, ui_config, core, catalog, tmp_path):
    """Eight services that "izin" finds (the session's catalog has two services), put back afterwards."""
    bigger = json.loads(json.dumps(catalog))
    places = ["Mataram", "Lombok Barat", "Lombok Tengah", "Lombok Timur", "Lombok Utara", "Sumbawa", "Dompu", "Bima"]
    bigger["version"] = "ui-test-izin"
    bigger["services"] += [
        {"id": f"dinkes-izin-{i}", "agency_id": "dinkes", "name": f"Izin Operasional Klinik Pratama {place}",
         "name_en": f"Primary clinic operating permit, {place}", "keywords": ["klinik"], "standard": standard(0)}
        for i, place in enumerate(places)
    ]
    for name, data in (("bigger", bigger), ("original", catalog)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    core.load_catalog(tmp_path / "bigger.json")
    yield ui
    core.load_catalog(tmp_path / "original.json")


def _type_izin(d):
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    d.type("izin")
    d.wait(lambda: screen.searched == "izin", what="search results")
    assert len(_results(screen)) >= 8
    d.frames(2)
    return screen


def test_a_drag_on_the_results_puts_the_keyboard_away(many_permits):
    d = many_permits
    screen = _type_izin(d)
    assert d.app.typing
    shown_with_keys = sum(_visible(d, b) for b in _results(screen))
    assert shown_with_keys >= 1
    _drag(d, _results(screen)[0], 120)
    d.wait(lambda: not d.app.typing, 2.0, "the keyboard put away")
    d.frames(3)
    assert d.app.current == "search", "the drag chose nothing"
    shown = sum(_visible(d, b) for b in _results(screen))
    assert shown >= 4, f"{shown} results in view at 1280x800 without the keyboard ({shown_with_keys} with it)"


def test_hide_keyboard_shows_at_least_four_results(many_permits):
    d = many_permits
    screen = _type_izin(d)
    assert _visible(d, screen.ids.hide_keyboard)
    d.tap(screen.ids.hide_keyboard)
    d.wait(lambda: not d.app.typing, 2.0, "the keyboard put away")
    d.frames(3)
    assert sum(_visible(d, b) for b in _results(screen)) >= 4
    # The box brings the keys back, and the results stay.
    d.tap(screen.ids.field.ids.ti)
    assert d.app.typing and len(_results(screen)) >= 8


def test_search_and_the_typo_index_never_run_on_the_ui_thread(ui, monkeypatch):
    import threading

    from kiosk.store import catalog as catalog_store

    threads: list[str] = []
    for name in ("search_services", "prepare_search"):
        real = getattr(catalog_store, name)

        def spy(*args, _real=real, **kwargs):
            threads.append(threading.current_thread().name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(catalog_store, name, spy)
    d = ui
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    d.type("pajek")
    d.wait(lambda: screen.searched == "pajek", what="search results")
    assert threads and threading.main_thread().name not in threads, threads
