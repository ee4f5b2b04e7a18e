"""The PIN screen of the running app with the lockout and the server's PIN in the kiosk database
(issue 12, item 13): a restart does not unlock it, and a PIN sent by the server opens it."""

from __future__ import annotations

import pytest

from kiosk.domain.pin import hash_pin

from .test_lockdown_idle import DEMO_PIN, _pin

SERVER_PIN = "735194"


@pytest.fixture
def fresh_pin(core):
    """No lockout and no server PIN before and after (the app shares one database across tests)."""
    from kiosk.store import staff_pin

    def clean():
        staff_pin.clear_lockout(core.store)
        staff_pin.store_server_pin(core.store.db, None)

    clean()
    yield core
    clean()


def test_the_lockout_survives_a_restart_of_the_app(ui, ui_config, fresh_pin):
    from kiosk.actions import Kiosk
    from kiosk.store import staff_pin

    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    for _ in range(ui_config.admin.max_attempts):
        _pin(d, screen, "111111")
    assert "5 menit" in screen.message
    app.home()
    # What a restart leaves: a new process knows nothing but the database (main kept the count in an
    # attribute of the app, so dropping it is what a restart did there).
    app.pin_gate = None
    reopened = Kiosk.open(ui_config)
    try:
        assert staff_pin.state(reopened.store, ui_config.admin).locked_s > 0
    finally:
        reopened.close()
    app.open_admin()
    d.settle()
    assert "5 menit" in screen.message  # said on opening, before any try
    _pin(d, screen, DEMO_PIN)
    assert not screen.unlocked and "5 menit" in screen.message


def test_a_pin_from_the_server_opens_the_screen_and_the_config_pin_no_longer_does(ui, fresh_pin):
    from kiosk.store import staff_pin

    staff_pin.store_server_pin(fresh_pin.store.db, {"pin_hash": hash_pin(SERVER_PIN), "set_at": "2026-12-07T01:00:00+00:00"})
    d = ui
    app = d.app
    app.open_admin()
    screen = app.screen
    _pin(d, screen, DEMO_PIN)
    assert not screen.unlocked and "2" in screen.message  # a wrong PIN now, two tries left
    _pin(d, screen, SERVER_PIN)
    assert screen.unlocked
    line = d.wait(lambda: next((x for x in screen.status_text.splitlines() if x.startswith("PIN petugas")), None),
                  what="the PIN line of the status")
    assert "dari server" in line and "09.00" in line  # 01:00 UTC, in the office's time (WITA)
    app.home()
    staff_pin.store_server_pin(fresh_pin.store.db, None)
    app.open_admin()
    _pin(d, screen, DEMO_PIN)
    assert screen.unlocked
    line = d.wait(lambda: next((x for x in screen.status_text.splitlines() if x.startswith("PIN petugas")), None),
                  what="the PIN line of the status")
    assert line == "PIN petugas: dari config.toml"
    app.home()
