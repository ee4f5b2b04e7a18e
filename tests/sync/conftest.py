"""The kiosk side of the sync tests: a kiosk store on disk, enrolled with a real central server."""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime

import pytest

from central.serverkit import complaint_doc, database_url, enroll, pg_missing_reason, start_server
from kiosk.config import ServerSection, load_config
from kiosk.domain import tracking
from kiosk.domain.rating import survey_to_dict, validate_survey
from kiosk.store import records
from kiosk.store.db import Store
from kiosk.sync import device


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("central")
    s = start_server(database_url("sqlite", tmp), tmp)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def engine(server):
    e = server.engine()
    yield e
    e.dispose()


def kiosk_config(data_dir, url: str, timeout: float = 5.0):
    cfg = load_config().with_data_dir(data_dir)
    return cfg._replace(server=ServerSection(url=url, timeout_s=timeout))


def enroll_kiosk(cfg, server, engine) -> device.Enrollment:
    cred = enroll(server, engine)
    return device.save(cfg, server=server.url, device_id=cred.device_id, token=cred.token,
                       office="Kantor Gubernur", agency_id="bappenda", identity_public_key=cred.identity_public_key)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def file_complaints(store: Store, n: int, **kw) -> list[tuple[str, str]]:
    """n complaints stored as the facade stores them (record + first event + outbox row), one commit."""
    doc = complaint_doc(**kw)
    out = []
    db = store.db
    with db.atomic():
        for _ in range(n):
            uid, code = str(uuidlib.uuid4()), tracking.generate()
            records.insert_complaint(db, uuid=uid, tracking_code=code, created_at=now_iso(),
                                     status="received_at_kiosk", doc=doc)
            out.append((uid, code))
    return out


def add_ratings(store: Store, n: int, service_id: str = "bappenda-pkb") -> list[str]:
    survey = validate_survey({"service_id": service_id, "answers": {f"U{i}": 3 for i in range(1, 10)}},
                             answered_at=datetime.now(UTC))
    doc = survey_to_dict(survey)
    db = store.db
    out = []
    with db.atomic():
        for _ in range(n):
            uid = str(uuidlib.uuid4())
            records.insert_rating(db, uuid=uid, created_at=now_iso(), kind="ikm", service_id=service_id,
                                  agency_id="bappenda", scores={f"U{i}": 3 for i in range(1, 10)}, face=None, doc=doc)
            out.append(uid)
    return out


def skip_without_postgres():
    if reason := pg_missing_reason():
        pytest.skip(reason)
