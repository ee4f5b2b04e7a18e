"""Kiosk settings set on the server reach the kiosk at its next pull (issue 15, build item 4).

Real parts: the central server in a subprocess on a SQLite file, a kiosk store on disk and its sync
worker. The values are set through kiosk.central.kiosk_settings (what the staff pages call), and
the kiosk's view is what the app runs with (kiosk.store.kiosk_settings.effective_config).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from central.staffkit import make_user

from kiosk.central import audit
from kiosk.central import kiosk_settings as central
from kiosk.central.db import audit_log, kiosk_settings
from kiosk.central.office_settings import set_pin as set_office_pin
from kiosk.store import kiosk_settings as kiosk_side
from kiosk.store import staff_pin
from kiosk.store.db import Store
from kiosk.sync.worker import SyncWorker

from .conftest import enroll_kiosk, kiosk_config

OFFICE = "Kantor Gubernur"  # the office enroll_kiosk enrolls into
CONFIG_PIN = "246810"  # config.toml's demo PIN


@pytest.fixture(scope="module")
def tech(engine):
    user_id, _ = make_user(engine, "teknisi-settings", "technician")
    return audit.Actor(user_id, "teknisi-settings")


@pytest.fixture
def kiosk(tmp_path, server, engine):
    cfg = kiosk_config(tmp_path / "kiosk", server.url)
    enrollment = enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    yield cfg, enrollment.device_id, store
    store.close()


def pull(cfg, store):
    SyncWorker(cfg, store=store).run_once()
    return kiosk_side.stored(store.db)


def _office_reset(engine, tech):
    central.change(engine, central.OFFICE, OFFICE, {k: None for k in ("survey_mode", "idle_timeout_s", "languages",
                                                                        "screen_on", "screen_off", "unit")}, by=tech)


def test_kiosk_beats_office_beats_config_and_clearing_falls_back(kiosk, engine, tech):
    cfg, device_id, store = kiosk
    _office_reset(engine, tech)
    # config.toml of the repository: survey full, idle 90 s, languages id+en.
    assert (cfg.survey.mode, cfg.ui.idle_timeout_s, cfg.ui.languages) == ("full", 90, ("id", "en"))

    central.change(engine, central.OFFICE, OFFICE, {"survey_mode": "quick", "idle_timeout_s": 120,
                                                     "languages": ["id"]}, by=tech)
    central.change(engine, central.DEVICE, device_id, {"idle_timeout_s": 200}, by=tech)
    got = pull(cfg, store)
    assert got.values == {"survey_mode": "quick", "idle_timeout_s": 200, "languages": ["id"]}
    assert got.sources["idle_timeout_s"] == "kiosk" and got.sources["survey_mode"] == "office"
    eff = kiosk_side.effective_config(cfg, got)
    assert (eff.survey.mode, eff.ui.idle_timeout_s, eff.ui.languages) == ("quick", 200, ("id",))
    origins = {k: (v, s) for k, v, s in kiosk_side.origins(cfg, got)}
    assert origins["idle_timeout_s"] == ("200", "kiosk")
    assert origins["survey_mode"] == ("quick", "office")
    assert origins["idle_countdown_s"] == ("20", "config")

    # The kiosk's own value cleared: the office's comes back; the office's cleared: config.toml's.
    central.change(engine, central.DEVICE, device_id, {"idle_timeout_s": None}, by=tech)
    got = pull(cfg, store)
    assert kiosk_side.effective_config(cfg, got).ui.idle_timeout_s == 120
    assert got.sources["idle_timeout_s"] == "office"
    _office_reset(engine, tech)
    got = pull(cfg, store)
    eff = kiosk_side.effective_config(cfg, got)
    assert got.values == {}
    assert (eff.survey.mode, eff.ui.idle_timeout_s, eff.ui.languages) == ("full", 90, ("id", "en"))

    # Audited per key, naming the office or the kiosk.
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.target, audit_log.c.detail).where(
            audit_log.c.target == f"device:{device_id}").order_by(audit_log.c.id)).all()
    assert [(r.action, json.loads(r.detail)["key"]) for r in rows] == [
        ("kiosk_setting_set", "idle_timeout_s"), ("kiosk_setting_cleared", "idle_timeout_s")]


def test_a_pin_set_for_one_kiosk_opens_its_pin_gate_and_beats_the_offices(kiosk, engine, tech):
    cfg, device_id, store = kiosk
    set_office_pin(engine, OFFICE, "918273", by=tech)
    central.set_kiosk_pin(engine, device_id, "735194", by=tech)
    try:
        got = pull(cfg, store)
        assert got.sources["staff_pin"] == "kiosk"
        assert staff_pin.attempt(store, cfg.admin, "735194").ok
        assert not staff_pin.attempt(store, cfg.admin, "918273").ok
        assert not staff_pin.attempt(store, cfg.admin, CONFIG_PIN).ok
        staff_pin.clear_lockout(store)

        assert central.clear_kiosk_pin(engine, device_id, by=tech)
        got = pull(cfg, store)
        assert got.sources["staff_pin"] == "office"
        assert staff_pin.attempt(store, cfg.admin, "918273").ok
    finally:
        from kiosk.central.office_settings import clear_pin

        clear_pin(engine, OFFICE, by=tech)
    got = pull(cfg, store)
    assert got.sources["staff_pin"] == "config"
    assert staff_pin.attempt(store, cfg.admin, CONFIG_PIN).ok
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.target == f"device:{device_id}")).mappings().all()
    assert [r["action"] for r in rows] == ["kiosk_pin_set", "kiosk_pin_cleared"]
    assert not any("735194" in json.dumps(dict(r), default=str) or "scrypt$" in json.dumps(dict(r), default=str)
                   for r in rows)


def test_a_value_the_kiosk_cannot_use_is_refused_and_logged_and_the_rest_applies(kiosk, engine, tech, caplog):
    cfg, device_id, store = kiosk
    # A broken (or hostile) server: rows written past the server's own checks.
    at = datetime.now(UTC)
    bad = {"survey_mode": "turbo", "idle_timeout_s": 5, "languages": ["en"], "screen_on": "25:00",
           "unit": "x" * 5000, "agency_id": "../../etc", "office_hours": "every day"}
    with engine.begin() as conn:
        for key, value in {**bad, "idle_countdown_s": 30, "screen_off": "21:30"}.items():
            conn.execute(kiosk_settings.insert().values(scope="device", target=device_id, key=key,
                                                        value=json.dumps(value), set_at=at, set_by="x"))
    try:
        with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
            got = pull(cfg, store)
        assert got.values == {"idle_countdown_s": 30, "screen_off": "21:30"}
        refused = {r.getMessage().split()[2] for r in caplog.records if "refused" in r.getMessage()}
        assert refused == set(bad)
        eff = kiosk_side.effective_config(cfg, got)
        assert (eff.survey.mode, eff.ui.idle_timeout_s, eff.ui.idle_countdown_s) == ("full", 90, 30)
        # The screen timers' file holds only the good time.
        schedule = json.loads((cfg.data_dir / kiosk_side.SCREEN_SCHEDULE).read_text())
        assert schedule == {"off": "21:30"}
    finally:
        with engine.begin() as conn:
            conn.execute(kiosk_settings.delete().where(kiosk_settings.c.target == device_id))
    pull(cfg, store)
    assert not (cfg.data_dir / kiosk_side.SCREEN_SCHEDULE).exists()


def test_settings_that_are_not_an_object_leave_the_kiosk_on_config_toml(kiosk):
    cfg, _device_id, store = kiosk
    for sent in ("quick", ["survey_mode"], {"values": "quick"}, {"values": {"survey_mode": ["quick"]}}):
        accepted, refused = kiosk_side.accept(sent)
        assert accepted.values == {} and refused
        kiosk_side.store(store.db, accepted)
        assert kiosk_side.effective_config(cfg, kiosk_side.stored(store.db)) == cfg


def test_a_settings_field_that_is_not_settings_keeps_what_the_kiosk_had(kiosk, caplog):
    """A broken answer is not a decision to clear: the values the kiosk had stay (null does clear)."""
    cfg, _device_id, store = kiosk
    worker = SyncWorker(cfg, store=store)
    worker._take_settings(store.db, {"values": {"survey_mode": "quick"}, "sources": {"survey_mode": "kiosk"}})
    for broken in ("quick", ["survey_mode"], {"values": "quick"}, 7):
        with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
            worker._take_settings(store.db, broken)
        assert kiosk_side.stored(store.db).values == {"survey_mode": "quick"}
    assert "not an object" in caplog.text
    worker._take_settings(store.db, None)
    assert kiosk_side.stored(store.db).values == {}
