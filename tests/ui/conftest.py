"""One real kiosk app for the whole UI test session, in an offscreen window (Kivy allows one per process).

The app runs on a temp data directory with a small catalog and a temp config (demo PIN 246810, three
tries before the lockout). Each test starts from Home with everything cleared, exactly as the next
citizen finds it after an idle reset.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import pytest

from kiosk.ui.driver import prepare_environment

# Before anything imports Kivy: offscreen window, Kivy's own files in a temp folder; the compiled
# translations too (kiosk.ui.catalogs), so no test reads or leaves a copy in the user's cache.
prepare_environment(Path(tempfile.mkdtemp(prefix="kivy-home-")))
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="kiosk-cache-")

REPO = Path(__file__).resolve().parents[2]
UI_SIZE = (1280, 800)

# And the window's settings, as `kiosk run` sets them first thing: a test module that imports a screen
# at collection makes Kivy open its window there and then, with whatever settings it has by that time.
from kiosk.ui.lockdown import configure_kivy  # noqa: E402 - after the environment above

configure_kivy(fullscreen=False, size=UI_SIZE)
MAX_ATTEMPTS = 3

from catalog_samples import catalog, standard, two_agencies  # noqa: E402 - after the environment above


# The core suite's catalog builder, with longer texts and a second compliance row for the screens to show.
UI_TEXTS = {
    "requirements": ["Fotokopi KTP", "Surat permohonan bermeterai"],
    "procedure": ["Ambil nomor antrean", "Serahkan berkas di loket", "Terima tanda terima"],
}
UI_COMPLIANCE = [
    {"aspect": "maklumat", "status": "ada", "evidence": "Dipasang di lobi"},
    {"aspect": "sarana_prasarana", "status": "sebagian", "evidence": "Belum ada ramp"},
]
UI_CATALOG = catalog(
    "ui-test-1",
    two_agencies(UI_COMPLIANCE),
    [
        {"id": "bappenda-pkb", "agency_id": "bappenda", "name": "Pembayaran Pajak Kendaraan Bermotor",
         "name_en": "Motor vehicle tax payment", "keywords": ["stnk", "pajak motor", "samsat"],
         "standard": standard(0, **UI_TEXTS)},
        {"id": "dinkes-sipa", "agency_id": "dinkes", "name": "Surat Rekomendasi Izin Praktik Apoteker",
         "name_en": "Pharmacist practice licence recommendation", "keywords": ["apotek"],
         "standard": standard(50000, **UI_TEXTS)},
    ],
)


@pytest.fixture(scope="session")
def ui_config(tmp_path_factory):
    import json

    from kiosk.actions import Kiosk
    from kiosk.config import DEFAULT_CONFIG, load_config

    root = tmp_path_factory.mktemp("kiosk-ui")
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace('data_dir = "var"', f'data_dir = "{root / "data"}"')
    text = text.replace("fullscreen = true", "fullscreen = false")
    text = text.replace("max_attempts = 5", f"max_attempts = {MAX_ATTEMPTS}")
    path = root / "config.toml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    catalog = root / "catalog.json"
    catalog.write_text(json.dumps(UI_CATALOG), encoding="utf-8")
    kiosk = Kiosk.open(cfg)
    kiosk.load_catalog(catalog)
    kiosk.close()
    return cfg


@pytest.fixture(scope="session")
def driver(ui_config):
    from kiosk.ui.driver import Driver

    d = Driver(ui_config, size=UI_SIZE).start()
    yield d
    d.stop()


@pytest.fixture
def ui(driver):
    """The running app, back at Home with nothing of the previous test left."""
    driver.app.reset_all()
    driver.settle()
    yield driver
    driver.app.reset_all()
    driver.settle()


@pytest.fixture
def core(ui_config):
    """The kiosk core on the test's own thread, to look into the store the app writes to."""
    from kiosk.actions import Kiosk

    kiosk = Kiosk.open(ui_config)
    yield kiosk
    kiosk.close()


@pytest.fixture
def catalog() -> dict:
    return copy.deepcopy(UI_CATALOG)


@pytest.fixture
def quick_mode(ui):
    """The running app in quick-rating mode (Home shows the four faces), put back to full afterwards."""
    from kiosk.domain.rating import TapDebouncer

    app = ui.app
    cfg = app.cfg
    app.cfg = cfg._replace(survey=cfg.survey._replace(mode="quick"))
    survey = app.screens.get("survey")
    survey._debounce = TapDebouncer(app.cfg.survey.repeat_tap_interval_s)
    survey.forget()
    app.home()  # Home reads the mode as it shows
    ui.settle()
    yield ui
    app.cfg = cfg
    survey._debounce = TapDebouncer(cfg.survey.repeat_tap_interval_s)
    survey.forget()
    app.home()
    ui.settle()
