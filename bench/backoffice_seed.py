"""A province's year of complaints for the back-office bench: N complaints over 200 agencies, in every
status, with their events, written straight into a central database (no HTTP: this is set-up, not timed).

Used by bench/bench_backoffice.py.
"""

from __future__ import annotations

import json
import random
import uuid as uuidlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kiosk.central import workdays
from kiosk.central.db import catalog_versions, complaint_events, complaints, devices, now, records
from kiosk.central.settings import Settings
from kiosk.domain import tracking

STATUS_MIX = [  # (status, share)
    ("sent", 0.10), ("verified", 0.05), ("forwarded", 0.25), ("followed_up", 0.20),
    ("closed", 0.35), ("on_hold", 0.03), ("not_authority", 0.02),
]
TOPICS = ["pungli", "lambat", "prosedur_tidak_jelas", "perilaku_petugas", "sarana", "biaya_tidak_sesuai", "lainnya"]
CLASSES = ["pengaduan"] * 7 + ["aspirasi"] * 2 + ["permintaan_informasi"]
PRIVACY = ["biasa"] * 7 + ["anonim"] * 2 + ["rahasia"]
SENTENCES = [
    "Saya sudah tiga kali datang ke loket tetapi berkas belum juga diproses.",
    "Petugas meminta biaya tambahan yang tidak tercantum dalam standar pelayanan.",
    "Antrean sangat panjang dan nomor antrean tidak berjalan sejak pagi.",
    "Informasi persyaratan di papan pengumuman berbeda dengan yang diminta petugas.",
    "Ruang tunggu panas, kipas angin rusak dan tidak ada air minum.",
    "Mohon dijelaskan berapa lama proses penerbitan izin ini sebenarnya.",
    "Petugas kurang ramah ketika saya menanyakan kelengkapan dokumen.",
    "Usul agar pendaftaran bisa dilakukan secara daring supaya tidak perlu antre.",
]


def agency_ids(n: int) -> list[str]:
    return [f"bench-dinas-{i:03d}" for i in range(n)]


def publish_agencies(engine: sa.Engine, n: int) -> None:
    doc = {"version": "bench-1", "agencies": [{"id": a, "name": f"Dinas Bench {i}", "name_en": f"Bench Agency {i}"}
                                             for i, a in enumerate(agency_ids(n))], "services": []}
    with engine.begin() as conn:
        conn.execute(catalog_versions.insert().values(version="bench-1", sha256="0" * 64, published_at=now(),
                                                      doc=json.dumps(doc)))


def seed(engine: sa.Engine, settings: Settings, n: int, *, agencies: int = 200, seed: int = 1, chunk: int = 5000,
         status_mix: list[tuple[str, float]] | None = None) -> None:
    rnd = random.Random(seed)
    ids = agency_ids(agencies)
    tz = settings.tz
    cal = workdays.calendar(settings)
    today = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(devices.insert().values(id="kio-bench", name="BENCH kiosk", office="Kantor Bench",
                                             agency_id=ids[0], token_hash="b" * 64, enrolled_at=today))
    mix = status_mix or STATUS_MIX
    statuses = [s for s, _ in mix]
    weights = [w for _, w in mix]
    done = 0
    while done < n:
        size = min(chunk, n - done)
        rec_rows, c_rows, e_rows = [], [], []
        for _ in range(size):
            uid = str(uuidlib.UUID(int=rnd.getrandbits(128), version=4))
            received = today - timedelta(days=rnd.uniform(0, 120))
            status = rnd.choices(statuses, weights)[0]
            agency = rnd.choice(ids)
            steps = {"sent": [], "verified": ["verified"], "forwarded": ["verified", "forwarded"],
                     "followed_up": ["verified", "forwarded", "followed_up"],
                     "closed": ["verified", "forwarded", "followed_up", "closed"],
                     "on_hold": ["on_hold"], "not_authority": ["verified", "not_authority"]}[status]
            at = received
            times = {}
            for step in steps:
                at = at + timedelta(hours=rnd.uniform(2, 90))
                times[step] = at
                e_rows.append({"complaint_uuid": uid, "device_id": "kio-bench", "status": step, "at": at,
                               "note": None, "actor": "bench", "internal_note": None, "user_id": None})
            status_at = at
            rec_rows.append({"uuid": uid, "kind": "complaint", "device_id": "kio-bench", "body_hash": "0" * 64,
                             "received_at": received})
            privacy = rnd.choice(PRIVACY)
            c_rows.append({
                "uuid": uid, "device_id": "kio-bench", "tracking_code": tracking.generate(),
                "created_at": received - timedelta(minutes=rnd.uniform(1, 600)), "received_at": received,
                "class": rnd.choice(CLASSES), "topic": rnd.choice(TOPICS), "agency_id": agency, "service_id": None,
                "privacy": privacy, "description": " ".join(rnd.sample(SENTENCES, 3)), "incident_date": None,
                "identity": None if privacy == "anonim" else json.dumps({"name": "Warga Bench", "phone": "+6281234567890"}),
                "consent_version": "pdp-2026-11", "consent_at": received, "status": status, "status_at": status_at,
                "handling_agency_id": agency, "verified_at": times.get("verified"),
                "forwarded_at": times.get("forwarded"),
                "response": "Terima kasih, sudah kami tindak lanjuti." if "followed_up" in times else None,
                "response_at": times.get("followed_up"), "closed_at": times.get("closed") or times.get("not_authority"),
                "due_on": workdays.due_on(status, status_at, received, cal, tz),
            })
        with engine.begin() as conn:
            conn.execute(records.insert(), rec_rows)
            conn.execute(complaints.insert(), c_rows)
            if e_rows:
                conn.execute(complaint_events.insert(), e_rows)
        done += size
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
