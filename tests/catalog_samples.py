"""The small valid catalogs the tests load: one builder for the core suite's and the UI suite's.

Imported as ``catalog_samples`` (pytest puts ``tests/`` on the path, as for ``central.serverkit``).
"""

from __future__ import annotations

import copy
from typing import Any


def standard(fee: int = 0, **texts: Any) -> dict:
    """A service standard with all sixteen parts; ``texts`` replaces any of them."""
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
    } | texts


MAKLUMAT_ONLY = [{"aspect": "maklumat", "status": "ada", "evidence": "Dipasang di lobi"}]


def agency(aid: str, name: str, short: str, compliance: list[dict] | None = None) -> dict:
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
        "compliance": copy.deepcopy(MAKLUMAT_ONLY if compliance is None else compliance),
    }


def two_agencies(compliance: list[dict] | None = None) -> list[dict]:
    """Bappenda and Dinkes, the agencies both test catalogs hold."""
    return [
        agency("bappenda", "Badan Pendapatan Daerah", "Bappenda", compliance),
        agency("dinkes", "Dinas Kesehatan", "Dinkes", compliance),
    ]


def catalog(version: str, agencies: list[dict], services: list[dict], **extra: Any) -> dict:
    """A whole demo catalog of the given agencies and services; ``extra`` adds top-level keys."""
    return {
        "format": "iplik-catalog/1",
        "version": version,
        "demo": True,
        "province": "Provinsi Nusa Tenggara Barat",
        **extra,
        "agencies": agencies,
        "services": services,
    }
