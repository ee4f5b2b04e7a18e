"""Data for the screenshots of the complaint pages (web/screenshots.py SEEDS): one kiosk, a handful of
complaints in different states, a response template. Fixed tracking codes, so PAGES can name them.
Development only: it writes straight into a throwaway database."""

from __future__ import annotations

import json
import random
import socket
import uuid as uuidlib
from datetime import UTC, date, datetime, timedelta

from ...domain import tracking


def _code(seed: int) -> str:
    return tracking.generate(random.Random(seed).getrandbits)


CODES = [_code(i) for i in (101, 102, 103, 104)]
FORWARDED, ANSWERED, NEW, ANONYMOUS = (tracking.display(c) for c in CODES)

DESCRIPTIONS = [
    "Petugas loket meminta uang tambahan Rp 50.000 di luar tarif resmi untuk mempercepat pengurusan "
    "balik nama kendaraan. Tidak ada kuitansi yang diberikan.\n\nKejadian di loket 3, pukul 10 pagi.",
    "Antrean di kantor Samsat sangat lama, lebih dari 4 jam, dan papan informasi tidak menyebutkan "
    "persyaratan yang benar.",
    "Toilet umum di lobi kantor rusak dan tidak ada kursi roda untuk lansia. <b>Mohon</b> diperbaiki.",
    "Prosedur pengurusan izin usaha tidak jelas; setiap petugas memberi jawaban yang berbeda.",
]


def seed(engine, settings) -> None:
    from .. import audit, catalog, complaints, devices, ingest, response_templates
    from ..access import Role, Staff
    from ...domain.complaint import complaint_to_dict, validate_complaint
    from ...paths import DEMO_CATALOG
    from ...sync import wire

    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    code = devices.create_enroll_code(engine, office="Samsat Mataram", agency_id="bappenda")
    dev = devices.enroll(engine, code=code.code, name="Kios lobi Samsat")
    now = datetime.now(UTC)
    batch = []
    for i, (tc, text) in enumerate(zip(CODES, DESCRIPTIONS)):
        raw = {
            "class": "pengaduan", "topic": ["pungli", "lambat", "sarana", "prosedur_tidak_jelas"][i],
            "agency_id": "bappenda", "service_id": None, "description": text,
            "privacy": "anonim" if i == 3 else "biasa",
            "identity": None if i == 3 else {"name": "Siti Rahmawati", "nik": "5271010101900003",
                                             "phone": "0812 3456 7890", "email": "siti.r@example.com"},
            "consent_version": "pdp-2026-11",
        }
        doc = complaint_to_dict(validate_complaint(raw, today=date.today(), now=now))
        batch.append({"uuid": str(uuidlib.uuid4()), "kind": "complaint",
                      "body": wire.complaint_body(tc, now.isoformat(timespec="seconds"), doc)})
    ingest.push(engine, dev.device_id, batch)
    desk = Staff(0, "seed", "Seed", Role.DESK)
    by = audit.Actor(None, "seed")
    complaints.act(engine, CODES[0], "forward", by=by, staff=desk, settings=settings, agency_id="bappenda",
                   internal_note="Prioritas: ada dugaan pungli.")
    complaints.act(engine, CODES[1], "forward", by=by, staff=desk, settings=settings, agency_id="bappenda")
    complaints.act(engine, CODES[1], "respond", by=by, staff=desk, settings=settings,
                   text="Terima kasih. Loket tambahan sudah dibuka dan papan persyaratan diperbarui.")
    # The citizen's side of the answered one (its face, comment and reopen reason) and e-mails that could
    # not be delivered, so the pictures show what the desk sees of them.
    from .. import citizen, notify
    from ..settings import Settings

    citizen.rate_answer(engine, CODES[1], 2, "Antrean masih panjang, loket tambahan hanya buka pagi.")
    citizen.request_reopen(engine, settings, CODES[1], "Papan persyaratan di lantai 2 belum diganti.")
    with socket.socket() as s:  # a port nobody listens on: every attempt is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_from="iPLiK <no-reply@example.org>")
    at = datetime.now(UTC)
    for _ in range(notify.MAX_ATTEMPTS):
        notify.send_due(engine, refused, at)
        at += timedelta(days=1)
    response_templates.save(engine, desk, by, agency_id="bappenda", title="Terima kasih dan tindak lanjut",
                            body="Terima kasih atas laporan Anda. Kami sudah menindaklanjutinya sebagai berikut: ")
