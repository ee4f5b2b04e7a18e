"""Make a larger catalog for benchmarks: the demo catalog plus synthetic but plausible services.

    python bench/gen_catalog.py --services 1500 --out /tmp/catalog-1500.json [--seed 1]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.domain.catalog import parse_catalog  # noqa: E402
from kiosk.paths import DEMO_CATALOG  # noqa: E402

ACTIONS = [
    ("Permohonan", "Application for"), ("Rekomendasi", "Recommendation for"), ("Pendaftaran", "Registration of"),
    ("Perpanjangan", "Renewal of"), ("Pengesahan", "Endorsement of"), ("Verifikasi", "Verification of"),
    ("Konsultasi", "Consultation on"), ("Penerbitan", "Issuance of"), ("Pencabutan", "Revocation of"),
    ("Perubahan Data", "Data change for"), ("Legalisasi", "Legalisation of"), ("Fasilitasi", "Facilitation of"),
]
OBJECTS = [
    ("Izin Usaha", "business permit"), ("Sertifikat Kompetensi", "competency certificate"),
    ("Surat Keterangan", "certificate letter"), ("Tanda Daftar", "registration mark"),
    ("Izin Operasional", "operating permit"), ("Dokumen Teknis", "technical document"),
    ("Kartu Anggota", "membership card"), ("Laporan Berkala", "periodic report"),
    ("Bantuan Sosial", "social assistance"), ("Data Statistik", "statistical data"),
    ("Izin Lokasi", "location permit"), ("Sertifikat Laik Fungsi", "fitness-for-use certificate"),
    ("Pemeriksaan Laboratorium", "laboratory test"), ("Pelatihan Teknis", "technical training"),
]
QUALIFIERS = [
    "Perorangan", "Badan Usaha", "Koperasi", "UMKM", "Kelompok Tani", "Nelayan", "Sekolah Swasta", "Desa",
    "Lembaga Sosial", "Rumah Sakit Swasta", "Pelaku Pariwisata", "Industri Kecil", "Kabupaten/Kota", "Pemuda",
]
PLACES = ["Lombok Barat", "Lombok Tengah", "Lombok Timur", "Lombok Utara", "Sumbawa", "Sumbawa Barat", "Dompu",
          "Bima", "Kota Mataram", "Kota Bima"]


def make_catalog(n_services: int, seed: int = 1) -> dict:
    base = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    catalog = copy.deepcopy(base)
    catalog["version"] = f"bench-{n_services}-{seed}"
    agencies = [a["id"] for a in catalog["agencies"]]
    templates = base["services"]
    taken = {s["id"] for s in catalog["services"]}
    i = 0
    while len(catalog["services"]) < n_services:
        i += 1
        (act, act_en), (obj, obj_en) = rng.choice(ACTIONS), rng.choice(OBJECTS)
        qual, place = rng.choice(QUALIFIERS), rng.choice(PLACES)
        agency = rng.choice(agencies)
        sid = f"{agency}-gen-{i:05d}"
        if sid in taken:
            continue
        taken.add(sid)
        svc = copy.deepcopy(rng.choice(templates))
        svc.pop("form_id", None)
        svc.update(
            id=sid,
            agency_id=agency,
            name=f"{act} {obj} {qual} wilayah {place}",
            name_en=f"{act_en} {obj_en} ({qual}, {place})",
            keywords=[obj.lower(), qual.lower(), place.lower(), obj_en],
        )
        catalog["services"].append(svc)
    parse_catalog(catalog)
    return catalog


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--services", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    catalog = make_catalog(args.services, args.seed)
    Path(args.out).write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    print(f"{args.out}: {len(catalog['services'])} services")


if __name__ == "__main__":
    main()
