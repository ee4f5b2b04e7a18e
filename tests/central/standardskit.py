"""A small catalog for the standards editor's tests, written out by hand so every expected value in the
tests can be checked by reading this file: two agencies, three services."""

from __future__ import annotations

import copy
from typing import Any

from kiosk.domain.catalog import CATALOG_FORMAT


def standard(fees: str = "Gratis", fee_idr: int = 0, days: int | None = 3) -> dict[str, Any]:
    return {
        "requirements": ["KTP asli", "Formulir permohonan"],
        "procedure": ["Ambil nomor antrean", "Serahkan berkas", "Terima tanda terima"],
        "duration": f"{days} hari kerja" if days is not None else "Sesuai jadwal",
        "duration_days": days,
        "fees": fees,
        "fee_idr": fee_idr,
        "products": ["Surat keterangan"],
        "complaint_handling": ["Kotak saran", "SP4N-LAPOR!"],
        "legal_basis": ["UU 25/2009"],
        "facilities": ["Ruang tunggu"],
        "staff_competence": ["Memahami prosedur"],
        "internal_supervision": ["Atasan langsung"],
        "staff_count": "3 orang",
        "service_guarantee": "Sesuai maklumat",
        "safety_guarantee": "Berkas disimpan aman",
        "performance_evaluation": "Setiap 6 bulan",
    }


def agency(agency_id: str, name: str) -> dict[str, Any]:
    return {
        "id": agency_id, "name": name, "name_en": name + " (EN)", "short_name": agency_id.upper(),
        "address": "Jl. Udayana 1, Mataram", "phone": "0370 1", "email": f"{agency_id}@ntbprov.go.id",
        "hours": "Senin-Jumat 08.00-15.00", "motto": "Melayani", "compliance": [],
        "maklumat": {"text": "Kami sanggup melayani sesuai standar.", "signed_by": "Kepala", "signed_on": "2026-01-05"},
    }


def service(service_id: str, agency_id: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"id": service_id, "agency_id": agency_id, "name": name, "name_en": name + " (EN)",
            "keywords": ["izin"], "standard": standard(**kw)}


BASE: dict[str, Any] = {
    "format": CATALOG_FORMAT, "version": "t-1", "demo": True, "province": "Nusa Tenggara Barat", "notice": "",
    "agencies": [agency("bappenda", "Badan Pendapatan Daerah"), agency("dinkes", "Dinas Kesehatan")],
    "services": [
        service("bappenda-pkb", "bappenda", "Pembayaran PKB", fees="Sesuai NJKB", fee_idr=150000),
        service("bappenda-bbnkb", "bappenda", "Balik nama BBNKB"),
        service("dinkes-sik", "dinkes", "Surat izin kerja"),
    ],
}


def catalog() -> dict[str, Any]:
    return copy.deepcopy(BASE)
