"""Fixtures shared by the whole suite: a small valid catalog, a kiosk store on disk, a config file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _standard(fee: int = 0) -> dict:
    return {
        "requirements": ["Fotokopi KTP", "Surat permohonan"],
        "procedure": ["Ambil nomor antrean", "Serahkan berkas", "Terima produk"],
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
        "id": aid,
        "name": name,
        "name_en": name + " (EN)",
        "short_name": short,
        "address": "Jl. Pejanggik, Mataram",
        "phone": "0370 123456",
        "email": f"{aid}@ntbprov.go.id",
        "hours": "Senin-Jumat 08.00-16.00",
        "motto": "Melayani dengan hati",
        "maklumat": {"text": "Kami sanggup melayani sesuai standar.", "signed_by": "Kepala", "signed_on": "2026-01-02"},
        "compliance": [{"aspect": "maklumat", "status": "ada", "evidence": "Dipasang di lobi"}],
    }


TINY_CATALOG = {
    "format": "iplik-catalog/1",
    "version": "test-1",
    "demo": True,
    "province": "Provinsi Nusa Tenggara Barat",
    "notice": "DATA DEMO",
    "agencies": [
        _agency("bappenda", "Badan Pendapatan Daerah", "Bappenda"),
        _agency("dinkes", "Dinas Kesehatan", "Dinkes"),
    ],
    "services": [
        {
            "id": "bappenda-pkb",
            "agency_id": "bappenda",
            "name": "Pembayaran Pajak Kendaraan Bermotor",
            "name_en": "Motor vehicle tax payment",
            "keywords": ["stnk", "pajak motor", "samsat"],
            "standard": _standard(0),
        },
        {
            "id": "dinkes-rujukan",
            "agency_id": "dinkes",
            "name": "Surat Rekomendasi Izin Praktik Apoteker",
            "name_en": "Pharmacist practice licence recommendation",
            "keywords": ["apotek", "farmasi"],
            "standard": _standard(50000),
            "form_id": "dinkes-sipa",
        },
        {
            "id": "dinkes-lab",
            "agency_id": "dinkes",
            "name": "Pengujian Laboratorium Kesehatan Daerah",
            "name_en": "Regional health laboratory testing",
            "keywords": ["labkesda", "uji air"],
            "standard": _standard(0),
        },
    ],
}


@pytest.fixture
def tiny_catalog() -> dict:
    return copy.deepcopy(TINY_CATALOG)


@pytest.fixture
def store(tmp_path):
    from kiosk.store.db import Store

    s = Store(tmp_path / "kiosk.db")
    yield s
    s.close()
