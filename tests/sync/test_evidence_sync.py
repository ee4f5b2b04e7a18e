"""A kiosk fetches the compliance photos the catalog names after a pull from a real server (a subprocess),
checks them, and drops those a newer catalog no longer names (issue 15, docs/compliance-evidence.md)."""

from __future__ import annotations

import hashlib

import pytest
from central.evidence_kit import PDF, jpeg_with_gps, png, publish_with_evidence
from central.serverkit import start_server

from kiosk.central import evidence, evidence_files
from kiosk.central.access import Role, Staff
from kiosk.central.audit import SYSTEM
from kiosk.central.settings import Settings
from kiosk.domain.catalog import (
    Agency,
    Attachment,
    ComplianceAspect,
    ComplianceItem,
    ComplianceStatus,
    Maklumat,
)
from kiosk.store import evidence_files as kiosk_files
from kiosk.store.db import Store
from kiosk.sync.worker import SyncWorker

from .conftest import enroll_kiosk, kiosk_config

DESK = Staff(1, "desk", "Desk", Role.DESK)


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("central-evidence")
    files = tmp / "evidence"
    s = start_server(f"sqlite:///{tmp / 'central.db'}", tmp, IPLIK_CENTRAL_EVIDENCE_DIR=str(files))
    engine = s.engine()
    yield s, engine, files
    engine.dispose()
    s.stop()


def approve(engine, files, aspect: str, data: bytes, *, public: bool, agency: str = "bappenda") -> str:
    cleaned, kind = evidence_files.clean(data, max_bytes=Settings().evidence_max_bytes)
    stored = evidence_files.store(files, cleaned, kind)
    evidence.save(engine, DESK, SYSTEM, agency_id=agency, aspect=aspect, status="ada", evidence="bukti",
                  public=public, new_file=stored, submit=True)
    evidence.review(engine, DESK, SYSTEM, agency_id=agency, aspect=aspect, approve=True)
    return stored.sha256


def test_the_kiosk_fetches_public_photos_only_and_drops_those_no_longer_named(central, tmp_path):
    server, engine, files = central
    shown = approve(engine, files, "maklumat", jpeg_with_gps(), public=True)
    hidden = approve(engine, files, "atribut", png(), public=False)  # approved, not public
    pdf = approve(engine, files, "standar_pelayanan", PDF, public=True)  # public, but kiosks show no PDFs
    publish_with_evidence(engine)

    cfg = kiosk_config(tmp_path / "kiosk", server.url)
    enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    try:
        SyncWorker(cfg, store=store).run_once()
        assert kiosk_files.present(cfg.data_dir) == {shown}
        path = kiosk_files.path_for(cfg.data_dir, shown)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == shown
        assert (files / shown).read_bytes() == path.read_bytes()
        assert kiosk_files.path_for(cfg.data_dir, hidden) is None and kiosk_files.path_for(cfg.data_dir, pdf) is None

        # The photo changes: the next catalog names another one, and the old file goes.
        newer = approve(engine, files, "maklumat", jpeg_with_gps(colour=(20, 160, 20)), public=True)
        assert newer != shown
        publish_with_evidence(engine)
        SyncWorker(cfg, store=store).run_once()
        assert kiosk_files.present(cfg.data_dir) == {newer}
    finally:
        store.close()


def test_a_file_whose_bytes_are_not_the_catalogs_is_not_kept(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    right = Attachment(hashlib.sha256(data).hexdigest(), "image/png", len(data))
    assert not kiosk_files.install(tmp_path, right, data + b"!")  # one byte more
    assert not kiosk_files.install(tmp_path, Attachment("0" * 64, "image/png", len(data)), data)  # other digest
    assert kiosk_files.present(tmp_path) == set()
    assert kiosk_files.install(tmp_path, right, data)
    assert kiosk_files.present(tmp_path) == {right.sha256}
    assert kiosk_files.path_for(tmp_path, "../kiosk.db") is None


def test_the_photos_kept_together_stay_under_the_bound():
    def item(n: int, size: int) -> ComplianceItem:
        return ComplianceItem(ComplianceAspect.MAKLUMAT, ComplianceStatus.ADA, "",
                              Attachment(f"{n:064x}", "image/jpeg", size))

    agency = Agency("a", "A", "A", "A", "", "", "", "", "", Maklumat("t", "s", "2026-01-01"),
                    (item(1, 40), item(2, 70), item(3, 10), item(1, 40)))
    # 40 fits, 70 more would pass 100, 10 more fits; the repeated digest is counted once.
    assert [a.sha256 for a in kiosk_files.wanted([agency], max_total=100)] == [f"{1:064x}", f"{3:064x}"]
