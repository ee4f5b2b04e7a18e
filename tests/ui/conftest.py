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


def _standard(fee: int) -> dict:
    return {
        "requirements": ["Fotokopi KTP", "Surat permohonan bermeterai"],
        "procedure": ["Ambil nomor antrean", "Serahkan berkas di loket", "Terima tanda terima"],
        "duration": "3 hari kerja",
        "duration_days": 3,
        "fees": "Gratis" if fee == 0 else f"Rp{fee:,}".replace(",", "."),
        "fee_idr": fee,
        "products": ["Surat rekomendasi"],
        "complaint_handling": ["SP4N-LAPOR! lapor.go.id", "Kiosk iPLiK"],
        "legal_basis": ["UU 25/2009 tentang Pelayanan Publik"],
        "facilities": ["Ruang tunggu"],
        "staff_competence": ["Memahami tugas"],
        "internal_supervision": ["Kepala bidang"],
        "staff_count": "3 orang",
        "service_guarantee": "Sesuai standar",
        "safety_guarantee": "Data dijaga",
        "performance_evaluation": "Setiap tahun",
    }


def _agency(aid: str, name: str, short: str) -> dict:
    return {
        "id": aid, "name": name, "name_en": name + " (EN)", "short_name": short,
        "address": "Jl. Pejanggik, Mataram", "phone": "0370 123456", "email": f"{aid}@ntbprov.go.id",
        "hours": "Senin-Jumat 08.00-16.00", "motto": "Melayani dengan hati",
        "maklumat": {"text": "Kami sanggup melayani sesuai standar.", "signed_by": "Kepala", "signed_on": "2026-01-02"},
        "compliance": [
            {"aspect": "maklumat", "status": "ada", "evidence": "Dipasang di lobi"},
            {"aspect": "sarana_prasarana", "status": "sebagian", "evidence": "Belum ada ramp"},
        ],
    }


UI_CATALOG = {
    "format": "iplik-catalog/1",
    "version": "ui-test-1",
    "demo": True,
    "province": "Provinsi Nusa Tenggara Barat",
    "agencies": [_agency("bappenda", "Badan Pendapatan Daerah", "Bappenda"), _agency("dinkes", "Dinas Kesehatan", "Dinkes")],
    "services": [
        {"id": "bappenda-pkb", "agency_id": "bappenda", "name": "Pembayaran Pajak Kendaraan Bermotor",
         "name_en": "Motor vehicle tax payment", "keywords": ["stnk", "pajak motor", "samsat"], "standard": _standard(0)},
        {"id": "dinkes-sipa", "agency_id": "dinkes", "name": "Surat Rekomendasi Izin Praktik Apoteker",
         "name_en": "Pharmacist practice licence recommendation", "keywords": ["apotek"], "standard": _standard(50000)},
    ],
}


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
