"""Issue 12 item 10, end to end: kiosks seal identities, the real server (SQLite and PostgreSQL) opens
them on ingest, across a key rotation; a box it cannot open is one rejected record, never a 500."""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa
from nacl.public import PrivateKey

from kiosk.actions import Kiosk
from kiosk.central import identity_keys
from kiosk.central import inbox as I
from kiosk.central.access import Role
from kiosk.central.db import complaints, devices
from kiosk.domain import sealing, tracking
from kiosk.sync import device, wire
from kiosk.sync.worker import SyncWorker

from .inbox_fixtures import staff_member
from .serverkit import NIK, complaint_record, enroll

COMPLAINT = {
    "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda", "privacy": "biasa",
    "description": "Petugas loket meminta uang tambahan di luar tarif resmi tanpa kuitansi.",
    "identity": {"name": "", "nik": NIK, "phone": "081337426159"}, "consent_version": "pdp-2026-11",
}


def _kiosk(tmp, server, engine, *, enrolled_with_key: bool = True) -> Kiosk:
    from sync.conftest import kiosk_config

    cfg = kiosk_config(tmp, server.url)
    cred = enroll(server, engine)
    device.save(cfg, server=server.url, device_id=cred.device_id, token=cred.token, office="Kantor Gubernur",
                agency_id="bappenda", identity_public_key=cred.identity_public_key if enrolled_with_key else "")
    kiosk = Kiosk.open(cfg)
    kiosk.load_catalog()
    return kiosk


def _file(kiosk: Kiosk, name: str) -> tuple[str, str]:
    """File a complaint; return its code and the key id the kiosk stored it under."""
    filed = kiosk.file_complaint({**COMPLAINT, "identity": {**COMPLAINT["identity"], "name": name}})
    (doc,) = kiosk.store.db.execute("SELECT doc FROM complaints WHERE tracking_code = ?",
                                    [tracking.parse(filed.tracking_code)]).fetchone()
    assert name not in doc and NIK not in doc
    return filed.tracking_code, json.loads(doc)["identity"]["key_id"]


def _sync(kiosk: Kiosk) -> None:
    worker = SyncWorker(kiosk.config, store=kiosk.store)
    try:
        st = worker.run_once()
    finally:
        worker.stop()
    assert st.failed == 0 and st.pending == 0, st


def _cli(capsys, server, tmp, *args: str):
    from kiosk.cli import main

    capsys.readouterr()
    assert main(["--data-dir", str(tmp), "--json", "central", *args, "--db", server.db_url]) == 0
    return json.loads(capsys.readouterr().out)


def test_sealed_identities_open_for_staff_across_a_key_rotation(server, engine, tmp_path, capsys):
    desk = staff_member(engine, Role.DESK)
    old = _kiosk(tmp_path / "old", server, engine)
    code1, kid1 = _file(old, "Lalu Sealed Pertama")

    rotated = _cli(capsys, server, tmp_path, "keys", "rotate")
    assert rotated["key_id"] != kid1
    assert _cli(capsys, server, tmp_path, "keys", "public")["public_key"] == rotated["public_key"]
    listed = {k["key_id"]: k for k in _cli(capsys, server, tmp_path, "keys", "list")}
    assert listed[kid1]["retired_at"] and not listed[rotated["key_id"]]["retired_at"]
    assert all("private" not in k for k in listed.values())
    new = _kiosk(tmp_path / "new", server, engine)  # enrolled after the rotation: the new key
    code2, kid2 = _file(new, "Baiq Sealed Kedua")
    code3, kid3 = _file(old, "Lalu Sealed Ketiga")  # still the key it was enrolled with
    assert kid2 == rotated["key_id"] and kid3 == kid1
    try:
        _sync(old)
        _sync(new)
    finally:
        old.close()
        new.close()
    for code, name in ((code1, "Lalu Sealed Pertama"), (code2, "Baiq Sealed Kedua"), (code3, "Lalu Sealed Ketiga")):
        ident = I.show_identity(engine, desk[0], code, desk[1])
        assert (ident.name, ident.nik, ident.phone) == (name, NIK, "+6281337426159")
    ring = {k.key_id: k for k in identity_keys.keyring(engine)}
    assert ring[kid1].retired_at is not None and ring[kid2].retired_at is None


def test_a_rotation_reaches_a_kiosk_enrolled_before_it_at_its_next_pull(server, engine, tmp_path, capsys):
    kiosk = _kiosk(tmp_path / "k", server, engine)
    try:
        _code, before = _file(kiosk, "Lalu Sebelum Rotasi")
        rotated = _cli(capsys, server, tmp_path, "keys", "rotate")
        _sync(kiosk)  # the catalog answer carries the server's current key
        assert device.load(kiosk.config).identity_public_key == rotated["public_key"]
        code, after = _file(kiosk, "Baiq Sesudah Rotasi")
        assert before != after == rotated["key_id"]
        _sync(kiosk)
    finally:
        kiosk.close()
    desk = staff_member(engine, Role.DESK)
    assert I.show_identity(engine, desk[0], code, desk[1]).name == "Baiq Sesudah Rotasi"


def test_a_kiosk_enrolled_without_a_key_seals_with_its_configured_one(server, engine, tmp_path, capsys):
    # config.toml's DEMO key (a kiosk used before it was set up), opened once the server accepts it.
    accepted = _cli(capsys, server, tmp_path, "keys", "accept-demo")
    assert accepted["retired"] is True
    kiosk = _kiosk(tmp_path, server, engine, enrolled_with_key=False)
    try:
        code, kid = _file(kiosk, "Demo Sealed Warga")
        _sync(kiosk)
    finally:
        kiosk.close()
    assert kid == sealing.key_id(sealing.public_key(identity_keys.DEMO_PUBLIC_KEY))
    desk = staff_member(engine, Role.DESK)
    assert I.show_identity(engine, desk[0], code, desk[1]).name == "Demo Sealed Warga"
    # Installed into a ring that already had keys, the demo key opens but is never handed out.
    assert identity_keys.current(engine).public_key != identity_keys.DEMO_PUBLIC_KEY


def _sealed_record(key: PrivateKey, *, damage: bool = False) -> dict:
    rec = complaint_record()
    doc = sealing.seal_identity(rec["body"]["complaint"], key.public_key)
    if damage:
        box = bytearray(base64.b64decode(doc["identity"]["sealed_box"]))
        box[-1] ^= 1
        doc["identity"]["sealed_box"] = base64.b64encode(bytes(box)).decode()
    rec["body"]["complaint"] = doc
    return rec


def test_a_box_the_server_cannot_open_is_one_rejected_record_not_a_500(server, engine, device, http):
    stranger = _sealed_record(PrivateKey.generate())  # a key id this server never made
    current = identity_keys.current(engine)
    damaged = _sealed_record(PrivateKey.generate())
    damaged["body"]["complaint"]["identity"]["key_id"] = current.key_id  # a known key, not the one it was sealed for
    good = complaint_record()
    r = http.post(server.url + wire.PUSH_PATH, json={"records": [stranger, damaged, good]}, headers=device.headers,
                  timeout=10)
    assert r.status_code == 200, r.text
    results = {x["uuid"]: x for x in r.json()["results"]}
    assert results[stranger["uuid"]]["status"] == "rejected" and results[stranger["uuid"]]["code"] == "422.1"
    assert stranger["body"]["complaint"]["identity"]["key_id"] in results[stranger["uuid"]]["message"]
    assert results[damaged["uuid"]]["status"] == "rejected" and results[damaged["uuid"]]["code"] == "422.1"
    assert results[good["uuid"]]["status"] == "stored"
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(complaints)
                             .where(complaints.c.uuid.in_([stranger["uuid"], damaged["uuid"]])))
    assert stored == 0


def test_the_same_sealed_record_again_is_a_replay(server, engine, device, http):
    key = identity_keys.current(engine)
    rec = complaint_record()
    rec["body"]["complaint"] = sealing.seal_identity(rec["body"]["complaint"], sealing.public_key(key.public_key))
    for expected in ("stored", "replay"):
        r = http.post(server.url + wire.PUSH_PATH, json={"records": [rec]}, headers=device.headers, timeout=10)
        assert r.json()["results"][0]["status"] == expected, r.text
    with engine.connect() as conn:
        row = conn.execute(sa.select(complaints.c.identity, complaints.c.device_id)
                           .where(complaints.c.uuid == rec["uuid"])).one()
        assert conn.scalar(sa.select(devices.c.id).where(devices.c.id == row.device_id))
    assert json.loads(row.identity)["nik"] == NIK


def test_the_demo_server_hands_out_the_demo_key_and_a_real_one_never_does(tmp_path):
    from kiosk.central.db import open_database
    from kiosk.central.settings import Settings

    demo = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"))
    real = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'real.db'}"))
    try:
        identity_keys.install_demo(demo)  # what `kiosk central demo` does to its fresh database
        assert identity_keys.current(demo).public_key == identity_keys.DEMO_PUBLIC_KEY
        identity_keys.install_demo(real, retired=True)  # `keys accept-demo`, even into an empty ring
        assert identity_keys.current(real).public_key != identity_keys.DEMO_PUBLIC_KEY
    finally:
        demo.dispose()
        real.dispose()
