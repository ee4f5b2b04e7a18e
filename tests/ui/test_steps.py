"""Long pages are built a few parts per frame, and a reset drops what is left (nothing lands late)."""

from __future__ import annotations

import time

from kiosk.domain.catalog import PUBLIC_COMPONENTS
from kiosk.ui.screens.base import STEP_BUDGET_S


def _steps(done: list[int], n: int, each_s: float):
    def make(i: int):
        def step() -> None:
            time.sleep(each_s)
            done.append(i)
        return step
    return [make(i) for i in range(n)]


def test_a_long_build_leaves_frames_free_and_finishes(ui):
    d = ui
    screen = d.screen("service")
    done: list[int] = []
    each = STEP_BUDGET_S / 3
    screen.build_in_steps(_steps(done, 12, each))
    first_frame = len(done)
    assert 1 <= first_frame < 12, "the first parts at once, the rest later"
    d.frames(1)
    assert len(done) > first_frame, "one more frame, more parts"
    d.wait(lambda: d.app.building == 0, what="the build")
    assert done == list(range(12))


def test_forgetting_the_screen_drops_the_rest_of_the_build(ui):
    d = ui
    screen = d.screen("service")
    done: list[int] = []
    screen.build_in_steps(_steps(done, 12, STEP_BUDGET_S / 3))
    started = len(done)
    screen.forget()  # Home pressed, or the idle reset
    d.frames(5)
    assert len(done) == started and d.app.building == 0


def test_the_service_page_still_shows_every_section(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_info)
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])
    d.settle()
    service = d.app.screen
    assert service.name == "service"
    titles = [w.title for w in service.ids.content.children[::-1]]
    assert titles[:6] == [indonesian for _key, indonesian, _english in PUBLIC_COMPONENTS], titles
    assert len(titles) == 8 and "IKM" in titles[-1]


def _drop(app, name: str) -> None:
    """Forget that a screen was ever built (as in a kiosk that was just switched on)."""
    screen = app.screens._screens.pop(name)
    app.screens.manager.remove_widget(screen)


def test_unvisited_screens_are_built_while_the_kiosk_is_quiet_and_not_while_it_is_used(ui):
    import time as clock

    from kiosk.ui import app as app_module

    d = ui
    app = d.app
    for name in ("track", "forms"):
        if app.screens.has(name):
            _drop(app, name)
    app._core_opened()  # what happens once the core is open: the preparing starts
    try:
        # Somebody is using the kiosk: nothing is built behind their back.
        deadline = clock.monotonic() + app_module.PREPARE_EVERY_S * 3
        while clock.monotonic() < deadline:
            app.idle.last_activity = clock.monotonic()
            d.frames(1)
        assert not app.screens.has("track") and not app.screens.has("forms")
        # Then nobody touches the screen for a while.
        app.idle.last_activity = clock.monotonic() - app_module.PREPARE_AFTER_QUIET_S
        d.wait(lambda: app.screens.has("track") and app.screens.has("forms"), timeout=15, what="screens built")
        assert app.current == "home", "built out of sight"
    finally:
        if app._prepare_ev is not None:
            app._prepare_ev.cancel()
            app._prepare_ev = None
