"""Build assets/demo/catalog.json: the NTB DEMO catalog (34 agencies and their services).

The public parts of each standard are written per service in ``data/part*.py``; the eight internal
("manufacturing") components follow the agency's kind and are filled in here, so that each standard is
complete without repeating the same paragraphs by hand 200 times. The output is deterministic (sorted,
no timestamps) and is checked with the same ``parse_catalog`` the kiosk uses before it is written.

    python assets/demo/build_demo_catalog.py          # writes assets/demo/catalog.json
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from kiosk.domain.catalog import CATALOG_FORMAT, ComplianceAspect, parse_catalog  # noqa: E402

OUT = HERE / "catalog.json"
PARTS = ("part1.py", "part2.py", "part3.py")

NOTICE = (
    "DATA DEMO: katalog ini dibuat untuk uji coba iPLiK Kiosk. Nama instansi mengikuti Perangkat Daerah "
    "Provinsi NTB, tetapi standar pelayanan, biaya, alamat, dan data kepatuhan BUKAN data resmi. "
    "/ DEMO DATA: made for testing iPLiK Kiosk. Agency names follow NTB's provincial agencies, but the "
    "service standards, fees, addresses and compliance entries are NOT official."
)

COMPLAINT_CHANNELS = (
    "Kiosk iPLiK di ruang pelayanan (menu Sampaikan Pengaduan)",
    "SP4N-LAPOR!: www.lapor.go.id, SMS 1708, aplikasi LAPOR!",
    "Telepon/WhatsApp pengaduan {short}: {phone}",
    "Kotak saran dan meja pengaduan di ruang pelayanan {short}",
    "Surel: {email}",
)

# Internal components by kind of agency; {short} and {name} are filled per agency.
FACILITIES = {
    "rsud": ["Ruang tunggu ber-AC dengan kursi prioritas", "Loket pendaftaran dan anjungan antrean mandiri",
             "Toilet umum dan toilet disabilitas", "Ruang laktasi", "Kursi roda dan brankar", "Area parkir"],
    "default": ["Ruang tunggu dengan kursi prioritas", "Loket pelayanan dan sistem antrean",
                "Toilet umum dan toilet disabilitas", "Ruang laktasi", "Jalur landai (ram) dan kursi roda",
                "Kiosk iPLiK dan papan informasi standar pelayanan"],
}
COMPETENCE = {
    "rsud": ["Tenaga medis dan kesehatan dengan STR dan SIP yang berlaku",
             "Petugas pendaftaran memahami alur BPJS Kesehatan", "Mampu berkomunikasi dengan santun dan empatik"],
    "satpol": ["Anggota Satpol PP yang telah mengikuti diklat dasar", "Memahami Perda ketertiban umum",
               "Mampu bersikap humanis dan persuasif"],
    "default": ["Pendidikan minimal SMA/sederajat", "Memahami peraturan di bidang {field}",
                "Mampu mengoperasikan komputer dan aplikasi pelayanan", "Ramah, sopan, dan komunikatif"],
}
SUPERVISION = [
    "Pengawasan melekat oleh atasan langsung di {short}",
    "Evaluasi oleh Inspektorat Provinsi NTB",
    "Survei kepuasan masyarakat setiap semester",
]
GUARANTEE = (
    "{short} menjamin pelayanan diberikan sesuai standar ini sebagaimana tertuang dalam Maklumat Pelayanan; "
    "bila tidak sesuai, masyarakat dapat menyampaikan pengaduan dan pelaksana bersedia menerima sanksi."
)
SAFETY = (
    "Berkas dan data pribadi pemohon dijaga kerahasiaannya dan hanya dipakai untuk keperluan layanan; "
    "ruang pelayanan dilengkapi APAR, jalur evakuasi, dan CCTV."
)
EVALUATION = (
    "Kinerja pelaksana dievaluasi setiap triwulan oleh pimpinan {short} berdasarkan capaian standar "
    "pelayanan, hasil IKM, dan tindak lanjut pengaduan."
)
STAFF_COUNT = {"rsud": "{n} orang per sif", "default": "{n} orang"}

MAKLUMAT = (
    "Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar pelayanan yang telah "
    "ditetapkan dan apabila tidak menepati janji ini, kami siap menerima sanksi sesuai peraturan "
    "perundang-undangan yang berlaku."
)

FIELD_BY_AGENCY_KIND = {"rsud": "kesehatan", "satpol": "ketertiban umum", "inspektorat": "pengawasan"}


def _kind_table(table: dict, kind: str) -> object:
    return table.get(kind, table["default"])


def _fmt(value: object, **ctx: str) -> object:
    if isinstance(value, str):
        return value.format(**ctx)
    return [v.format(**ctx) for v in value]  # type: ignore[union-attr]


def build_service(agency: dict, svc: dict, index: int) -> dict:
    kind = agency.get("kind", "dinas")
    ctx = {
        "short": agency["short_name"],
        "name": agency["name"],
        "phone": agency["phone"],
        "email": agency["email"],
        "field": FIELD_BY_AGENCY_KIND.get(kind, svc["name"].lower()),
    }
    # Staff numbers vary with the service's order so that no two standards read alike.
    n = 2 + (index * 3 + len(svc["id"])) % 5
    standard = {
        "requirements": svc["requirements"],
        "procedure": svc["procedure"],
        "duration": svc["duration"],
        "duration_days": svc.get("duration_days"),
        "fees": svc["fees"],
        "fee_idr": svc["fee_idr"],
        "products": svc["products"],
        "complaint_handling": _fmt(list(COMPLAINT_CHANNELS), **ctx),
        "legal_basis": svc["legal_basis"],
        "facilities": list(_kind_table(FACILITIES, kind)),
        "staff_competence": _fmt(list(_kind_table(COMPETENCE, kind)), **ctx),
        "internal_supervision": _fmt(SUPERVISION, **ctx),
        "staff_count": _kind_table(STAFF_COUNT, kind).format(n=n),
        "service_guarantee": _fmt(GUARANTEE, **ctx),
        "safety_guarantee": SAFETY,
        "performance_evaluation": _fmt(EVALUATION, **ctx),
    }
    out = {
        "id": f"{agency['id']}-{svc['id']}",
        "agency_id": agency["id"],
        "name": svc["name"],
        "name_en": svc["name_en"],
        "keywords": svc.get("keywords", []),
        "standard": standard,
    }
    if svc.get("form_id"):
        out["form_id"] = svc["form_id"]
    return out


def build_agency(agency: dict) -> dict:
    compliance = agency["compliance"]
    return {
        "id": agency["id"],
        "name": agency["name"],
        "name_en": agency["name_en"],
        "short_name": agency["short_name"],
        "address": agency["address"],
        "phone": agency["phone"],
        "email": agency["email"],
        "hours": agency["hours"],
        "motto": agency["motto"],
        "maklumat": {
            "text": MAKLUMAT,
            "signed_by": f"Kepala {agency['short_name']} Provinsi Nusa Tenggara Barat",
            "signed_on": "2026-01-05",
        },
        "compliance": [
            {"aspect": aspect.value, "status": compliance[aspect.value][0], "evidence": compliance[aspect.value][1]}
            for aspect in ComplianceAspect
        ],
    }


def load_parts() -> list[dict]:
    agencies = []
    for part in PARTS:
        agencies += runpy.run_path(str(HERE / "data" / part))["AGENCIES"]
    for a in agencies:
        a.setdefault("email", f"{a['id'].split('-')[0]}@ntbprov.go.id")
    return agencies


def build() -> dict:
    agencies = load_parts()
    catalog = {
        "format": CATALOG_FORMAT,
        "version": "demo-2026.11",
        "demo": True,
        "province": "Provinsi Nusa Tenggara Barat",
        "notice": NOTICE,
        "agencies": sorted((build_agency(a) for a in agencies), key=lambda a: a["id"]),
        "services": sorted(
            (build_service(a, s, i) for a in agencies for i, s in enumerate(a["services"])),
            key=lambda s: s["id"],
        ),
    }
    parse_catalog(catalog)  # the kiosk's own gate: a bad entry stops the build here, not on a kiosk
    return catalog


def render(catalog: dict) -> str:
    return json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    catalog = build()
    OUT.write_text(render(catalog), encoding="utf-8")
    print(f"{OUT}: {len(catalog['agencies'])} agencies, {len(catalog['services'])} services")


if __name__ == "__main__":
    main()
