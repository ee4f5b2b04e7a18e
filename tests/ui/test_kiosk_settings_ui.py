"""Settings set on the central server change the running kiosk at its next pull, without a restart
(issue 15, "Done when": survey mode reaches Home; a server-set PIN works on the kiosk).

Real parts: the central server in a subprocess (SQLite), the kiosk's own SyncWorker pulling into the
app's database, and the offscreen app picking the values up as it does every SYNC_POLL_S. The sync's
enrollment lives in a folder of its own, so the app's own worker stays unenrolled for the other tests.
"""

from __future__ import annotations

import pytest
from central.serverkit import database_url, enroll, start_server
from central.staffkit import make_user

from .test_lockdown_idle import DEMO_PIN, _pin

pytestmark = pytest.mark.ui

OFFICE = "Kantor Samsat Praya"
KIOSK_PIN = "735194"


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    from kiosk.central import audit

    tmp = tmp_path_factory.mktemp("central-settings-ui")
    server = start_server(database_url("sqlite", tmp), tmp)
    engine = server.engine()
    uid, _ = make_user(engine, "teknisi-ui", "technician")
    yield server, engine, audit.Actor(uid, "teknisi-ui")
    engine.dispose()
    server.stop()


def _stop_app_sync(kiosk) -> None:
    if kiosk._sync is not None:
        kiosk._sync.stop(10)
        kiosk._sync = None


@pytest.fixture
def puller(ui, central, ui_config, core, tmp_path):
    """A sync worker enrolled with the test server, writing into the app's database, in place of the app's
    own (which holds the database's sync lock while it runs: one worker per database, docs/sync.md);
    afterwards the app's worker runs again and the app is back on config.toml (no server settings or PIN)."""
    from kiosk.config import ServerSection
    from kiosk.store import kiosk_settings, staff_pin
    from kiosk.sync import device
    from kiosk.sync.worker import SyncWorker

    server, engine, _tech = central
    cred = enroll(server, engine, office=OFFICE)
    cfg = ui_config.with_data_dir(tmp_path / "sync")._replace(server=ServerSection(url=server.url, timeout_s=5))
    device.save(cfg, server=server.url, device_id=cred.device_id, token=cred.token, office=OFFICE,
                agency_id="bappenda", identity_public_key=cred.identity_public_key)
    ui.app.backend.run(_stop_app_sync, quiet=True)
    ui.settle()
    yield cred.device_id, lambda: SyncWorker(cfg, store=core.store).run_once()
    ui.app.backend.run(lambda k: k.start_sync(), quiet=True)
    ui.settle()
    kiosk_settings.store(core.store.db, kiosk_settings.ServerSettings())
    staff_pin.store_server_pin(core.store.db, None)
    staff_pin.clear_lockout(core.store)


def _picked_up(d) -> None:
    """What the app does every SYNC_POLL_S, now: read what the last pull stored and apply it."""
    d.app._poll_sync()
    d.settle()


def _status_lines(d, screen) -> list[str]:
    return d.wait(lambda: screen.status_text.splitlines() if "Pengaturan dan asalnya:" in screen.status_text
                  else None, what="the settings lines of the status")


def test_survey_mode_and_a_kiosk_pin_set_on_the_server_reach_the_running_kiosk(ui, central, puller, tmp_path):
    from kiosk.central import kiosk_settings as central_settings

    _server, engine, tech = central
    device_id, pull = puller
    d = ui
    app = d.app
    home = d.screen("home")
    assert not home.quick and home.ids.tile_survey.parent is not None  # config.toml: the full survey
    before = d.screenshot(tmp_path / "home-before.png")

    central_settings.change(engine, central_settings.OFFICE, OFFICE, {"survey_mode": "quick"}, by=tech)
    central_settings.change(engine, central_settings.DEVICE, device_id, {"idle_timeout_s": 240}, by=tech)
    central_settings.set_kiosk_pin(engine, device_id, KIOSK_PIN, by=tech)
    pull()
    _picked_up(d)

    # Home, still on screen, turned into the quick rating: the faces in the survey tile's place.
    assert home.quick
    assert home.ids.tile_survey.parent is None and home.ids.quick_panel.parent is not None
    faces = [w for w in d.walk(home.ids.quick_panel) if type(w).__name__ == "FaceTile"] or \
        list(home.ids.quick_faces.ids.values())
    assert faces
    after = d.screenshot(tmp_path / "home-after.png")
    assert before.stat().st_size > 10_000 and after.read_bytes() != before.read_bytes()
    assert app.idle.timeout_s == 240 and app.cfg.ui.idle_timeout_s == 240

    # The kiosk's own PIN from the server opens the staff screen; config.toml's no longer does.
    app.open_admin()
    screen = app.screen
    _pin(d, screen, DEMO_PIN)
    assert not screen.unlocked
    _pin(d, screen, KIOSK_PIN)
    assert screen.unlocked
    lines = _status_lines(d, screen)
    assert "Mode survei: Penilaian cepat (wajah) (dari server (kantor))" in lines
    assert "Batas diam (detik): 240 (dari server (kiosk))" in lines
    assert "Hitung mundur diam (detik): 20 (dari config.toml)" in lines
    # Set nowhere (no server value, and config.toml has no screen times): said so, not "dari config.toml".
    assert "Layar menyala: belum diatur" in lines
    assert "PIN petugas: ****** (dari server (kiosk))" in lines
    # The server sets the idle time, so the screen's own choices are greyed and a touch changes nothing.
    assert screen.idle_from_server
    screen.set_idle(60)
    assert app.idle.timeout_s == 240 and screen.idle_s == 240
    d.screenshot(tmp_path / "admin-after.png")
    app.home()
    d.settle()

    # Cleared on the server: the next pull puts config.toml's values back.
    central_settings.change(engine, central_settings.OFFICE, OFFICE, {"survey_mode": None}, by=tech)
    central_settings.change(engine, central_settings.DEVICE, device_id, {"idle_timeout_s": None}, by=tech)
    pull()
    _picked_up(d)
    assert not home.quick and home.ids.tile_survey.parent is not None
    assert app.cfg.ui.idle_timeout_s == 90


def test_a_value_the_kiosk_cannot_use_is_skipped_and_the_rest_still_applies(ui, core):
    """What a broken server could leave in the store (or an older kiosk version wrote): the bad values are
    dropped when read, the good one applies, nothing crashes."""
    import json

    from kiosk.store import kiosk_settings

    d = ui
    app = d.app
    bad = {"survey_mode": "turbo", "idle_timeout_s": -1, "languages": ["id"], "unit": 12, "agency_id": None}
    with core.store.db.atomic():
        core.store.db.execute(
            "INSERT INTO server_settings (id, values_json, sources_json, received_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET values_json = excluded.values_json, sources_json = excluded.sources_json",
            (json.dumps(bad), json.dumps({"languages": "office", "survey_mode": "nonsense"}), "2026-12-07T00:00:00+00:00"))
    try:
        _picked_up(d)
        assert app.server_settings.values == {"languages": ["id"]}
        assert not app.multilingual and app.lang == "id"  # only Indonesian: no language switch
        assert not d.screen("home").quick and app.cfg.ui.idle_timeout_s == 90
        assert app.cfg.survey.mode == "full" and app.cfg.office.unit == ui.app.base_cfg.office.unit
        # The staff screen no longer offers English as the starting language: greyed, a touch does nothing.
        app.open_admin()
        screen = app.screen
        _pin(d, screen, DEMO_PIN)
        assert screen.unlocked
        english = next(w for w in screen.walk(restrict=True) if type(w).__name__ == "Choice" and w.text == "English")
        assert english.disabled
        screen.set_language("en")
        d.settle()
        assert app.default_lang == "id" and app.lang == "id" and screen.language == "id"
        app.home()
        d.settle()
    finally:
        kiosk_settings.store(core.store.db, kiosk_settings.ServerSettings())
        _picked_up(d)
    assert app.multilingual and app.server_settings.values == {}
