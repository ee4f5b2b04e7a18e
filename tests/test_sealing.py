"""Issue 12 item 10, at the kiosk: an identity is sealed when stored, so a stolen kiosk does not reveal it.

A real kiosk store on disk (the facade, as the screens file), then the raw bytes of every SQLite file
of the data folder are searched for the reporter's name, NIK, phone and e-mail.
"""

from __future__ import annotations

import json

import pytest
from nacl.public import PrivateKey

from kiosk.actions import Kiosk
from kiosk.config import load_config
from kiosk.domain import sealing
from kiosk.domain.errors import ValidationError
from kiosk.sync import device

NAME, NIK, PHONE, EMAIL = "Baiq Zulkarnain Wulandari", "5271014408900002", "081337426159", "baiq.zw@example.org"
COMPLAINT = {
    "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda", "privacy": "biasa",
    "description": "Petugas loket meminta uang tambahan di luar tarif resmi tanpa kuitansi.",
    "identity": {"name": NAME, "nik": NIK, "phone": PHONE, "email": EMAIL}, "consent_version": "pdp-2026-11",
}
MARKERS = [NAME.encode(), NIK.encode(), PHONE.encode(), EMAIL.encode(), b"Zulkarnain"]


def _kiosk(tmp_path) -> Kiosk:
    kiosk = Kiosk.open(load_config().with_data_dir(tmp_path))
    kiosk.load_catalog()
    return kiosk


def _files_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.startswith("kiosk.db")}


def _stored_doc(kiosk: Kiosk) -> dict:
    (doc,) = kiosk.store.db.execute("SELECT doc FROM complaints").fetchone()
    return json.loads(doc)


def test_a_filed_identity_is_in_no_file_of_the_kiosk(tmp_path):
    kiosk = _kiosk(tmp_path)
    try:
        filed = kiosk.file_complaint(COMPLAINT)
        files = _files_bytes(tmp_path)
        assert "kiosk.db" in files
        for name, data in files.items():
            for marker in MARKERS:
                assert marker not in data, f"{marker!r} readable in {name}"
        doc = _stored_doc(kiosk)
        # What the kiosk keeps: the envelope, naming the configured (demo) key; the rest of the report.
        assert set(doc["identity"]) == {"sealed_box", "key_id"}
        assert doc["identity"]["key_id"] == sealing.key_id(sealing.public_key(kiosk.config.privacy.identity_public_key))
        assert doc["privacy"] == "biasa" and doc["topic"] == "pungli"
        # Nothing the kiosk shows after filing needs the identity.
        assert kiosk.track(filed.tracking_code).tracking_code == filed.tracking_code
        assert kiosk.receipt_pdf(filed.tracking_code).startswith(b"%PDF-")
    finally:
        kiosk.close()
    for name, data in _files_bytes(tmp_path).items():  # after the last checkpoint too
        for marker in MARKERS:
            assert marker not in data, f"{marker!r} readable in {name} after close"


def test_the_enrollment_key_wins_and_only_its_private_half_opens_the_box(tmp_path):
    server_key = PrivateKey.generate()
    cfg = load_config().with_data_dir(tmp_path)
    device.save(cfg, server="http://central.invalid", device_id="kio-1", token="t" * 43, office="x", agency_id="y",
                identity_public_key=sealing.encode_key(server_key.public_key))
    kiosk = _kiosk(tmp_path)
    try:
        kiosk.file_complaint(COMPLAINT)
        doc = _stored_doc(kiosk)
    finally:
        kiosk.close()
    kid = sealing.key_id(server_key.public_key)
    assert doc["identity"]["key_id"] == kid
    opened = sealing.open_identity(doc, {kid: server_key}.get)
    assert opened["identity"] == {"name": NAME, "nik": NIK, "phone": "+6281337426159", "email": EMAIL}
    # A key that is not the one it was sealed for cannot open it, even under the right id.
    with pytest.raises(ValidationError) as exc:
        sealing.open_identity(doc, {kid: PrivateKey.generate()}.get)
    assert exc.value.field == "identity"
    with pytest.raises(ValidationError, match="does not hold"):
        sealing.open_identity(doc, {}.get)


def test_an_anonymous_complaint_has_nothing_to_seal(tmp_path):
    kiosk = _kiosk(tmp_path)
    try:
        kiosk.file_complaint({**COMPLAINT, "privacy": "anonim", "identity": None})
        assert _stored_doc(kiosk)["identity"] is None
    finally:
        kiosk.close()


def test_a_bad_configured_key_stops_the_start_with_the_key_named(tmp_path):
    from kiosk.config import parse_config
    from kiosk.errors import ConfigError

    with pytest.raises(ConfigError, match="privacy.identity_public_key"):
        parse_config({"privacy": {"identity_public_key": "not a key"}}, tmp_path / "config.toml")


def test_doctor_says_which_key_seals_and_warns_about_the_demo_one(tmp_path):
    from kiosk.config import DEFAULT_CONFIG
    from kiosk.doctor import Options, diagnose

    def sealing_check():
        report = diagnose(DEFAULT_CONFIG, data_dir=tmp_path, options=Options(hardware=False, network=False))
        return next(c for c in report.checks if c.name == "sealing")

    demo = sealing_check()
    assert demo.status == "warn" and "DEMO" in demo.text and demo.text.startswith("Identitas disegel")
    server_key = PrivateKey.generate().public_key
    device.save(load_config().with_data_dir(tmp_path), server="http://central.invalid", device_id="kio-1",
                token="t" * 43, office="x", agency_id="y", identity_public_key=sealing.encode_key(server_key))
    real = sealing_check()
    assert real.status == "ok" and sealing.key_id(server_key) in real.text
