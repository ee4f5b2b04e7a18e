"""Fixtures shared by the whole suite: a small valid catalog, a kiosk store on disk, a config file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from catalog_samples import catalog, standard, two_agencies

REPO = Path(__file__).resolve().parent.parent

TINY_CATALOG = catalog(
    "test-1",
    two_agencies(),
    [
        {
            "id": "bappenda-pkb",
            "agency_id": "bappenda",
            "name": "Pembayaran Pajak Kendaraan Bermotor",
            "name_en": "Motor vehicle tax payment",
            "keywords": ["stnk", "pajak motor", "samsat"],
            "standard": standard(0),
        },
        {
            "id": "dinkes-rujukan",
            "agency_id": "dinkes",
            "name": "Surat Rekomendasi Izin Praktik Apoteker",
            "name_en": "Pharmacist practice licence recommendation",
            "keywords": ["apotek", "farmasi"],
            "standard": standard(50000),
            "form_id": "dinkes-sipa",
        },
        {
            "id": "dinkes-lab",
            "agency_id": "dinkes",
            "name": "Pengujian Laboratorium Kesehatan Daerah",
            "name_en": "Regional health laboratory testing",
            "keywords": ["labkesda", "uji air"],
            "standard": standard(0),
        },
    ],
    notice="DATA DEMO",
)


@pytest.fixture
def tiny_catalog() -> dict:
    return copy.deepcopy(TINY_CATALOG)


@pytest.fixture
def store(tmp_path):
    from kiosk.store.db import Store

    s = Store(tmp_path / "kiosk.db")
    yield s
    s.close()
