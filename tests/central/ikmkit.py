"""IKM surveys written straight into a central database at chosen moments, for the tests of the IKM
rollup and its queries (analytics/ikm.py): the kiosks' clocks (created_at) and the server's
(received_at) are what the refresh reads, and the tests need both in the past."""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from catalog_samples import agency, catalog, standard

from kiosk.central import catalog as central_catalog
from kiosk.central.db import devices, ratings, records

WITA = ZoneInfo("Asia/Makassar")


def wita(y, m, d, hh=12, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=WITA)


def publish(engine, services: dict[str, str], agencies: Sequence[str] = ("bappenda", "dinkes")) -> None:
    """A catalog of ``agencies`` and ``services`` (service id -> agency id); names are the ids, upper-cased,
    so the tests can predict the sort order."""
    central_catalog.publish(engine, catalog(
        "ikm-test", [agency(a, a.upper(), a[:8]) for a in agencies],
        [{"id": s, "agency_id": a, "name": s.upper(), "name_en": s.upper() + " (EN)", "keywords": [],
          "standard": standard(0)} for s, a in services.items()],
    ))


def add_device(engine, device_id: str, *, office: str = "Kantor Test", agency_id: str = "bappenda") -> str:
    with engine.begin() as conn:
        conn.execute(devices.insert().values(id=device_id, name=f"kiosk {device_id}", office=office, agency_id=agency_id,
                                             token_hash=uuidlib.uuid4().hex * 2, enrolled_at=wita(2025, 1, 1)))
    return device_id


def spread(respondents: int, total: int) -> list[list[int]]:
    """``respondents`` surveys of nine answers (1..4) whose answers add up to ``total``: every answer starts
    at 1 and the rest is handed out one point at a time across the 9 x n answers. With every element
    answered by all, the IKM is ``total / n x 25 / 9`` whatever the spread (sum of NRR = total / n)."""
    assert 9 * respondents <= total <= 36 * respondents
    flat = [1] * (9 * respondents)
    extra, i = total - 9 * respondents, 0
    while extra:
        if flat[i % len(flat)] < 4:
            flat[i % len(flat)] += 1
            extra -= 1
        i += 1
    return [flat[9 * r:9 * r + 9] for r in range(respondents)]


def add_surveys(engine, device_id: str, service_id: str, answers: Sequence[Sequence[int | None]], *,
                created_at: datetime, received_at: datetime | None = None, agency_id: str | None = "bappenda",
                profile: dict | None = None) -> None:
    """One survey per item of ``answers`` (nine scores, None for a skipped element)."""
    received_at = received_at or created_at
    recs, rows = [], []
    for scores in answers:
        uid = str(uuidlib.uuid4())
        doc = {"kind": "ikm", "service_id": service_id, "agency_id": agency_id, "profile": profile,
               "answered_at": created_at.isoformat()}
        recs.append({"uuid": uid, "kind": "rating", "device_id": device_id, "body_hash": "0" * 64,
                     "received_at": received_at})
        rows.append({"uuid": uid, "device_id": device_id, "created_at": created_at, "received_at": received_at,
                     "kind": "ikm", "service_id": service_id, "agency_id": agency_id, "face": None,
                     "doc": json.dumps(doc), **{f"u{i + 1}": s for i, s in enumerate(scores)}})
    with engine.begin() as conn:
        conn.execute(records.insert(), recs)
        conn.execute(ratings.insert(), rows)


def add_quick(engine, device_id: str, service_id: str, face: int, *, created_at: datetime,
              agency_id: str | None = "bappenda") -> None:
    """A one-tap quick rating: never part of the IKM."""
    uid = str(uuidlib.uuid4())
    with engine.begin() as conn:
        conn.execute(records.insert().values(uuid=uid, kind="rating", device_id=device_id, body_hash="0" * 64,
                                             received_at=created_at))
        conn.execute(ratings.insert().values(uuid=uid, device_id=device_id, created_at=created_at,
                                             received_at=created_at, kind="quick", service_id=service_id,
                                             agency_id=agency_id, face=face, doc=json.dumps({"kind": "quick"})))


def table_rows(engine, table: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(table)).all())


def seed_dashboard(engine) -> None:
    """The surveys of the dashboard's page tests (Q4 2026; the numbers are worked out in
    tests/central/test_ikm_pages_http.py): PKB (Bappenda) 2 surveys all 4 on kiosk "kb"; LAB (Dinkes)
    4 surveys answering 3 to U1..U8 and 2 to U9 on kiosk "mpp", two of them with a profile."""
    from kiosk.central.analytics import ikm
    from kiosk.central.settings import Settings

    publish(engine, {"pkb": "bappenda", "lab": "dinkes"})
    add_device(engine, "kb", office="Kantor Bappenda", agency_id="bappenda")
    add_device(engine, "mpp", office="Mal Pelayanan Publik", agency_id="bappenda")
    at = wita(2026, 10, 5, 10)
    add_surveys(engine, "kb", "pkb", [[4] * 9] * 2, created_at=at, agency_id="bappenda")
    add_surveys(engine, "mpp", "lab", [[3] * 8 + [2]] * 2, created_at=at, agency_id="dinkes",
                profile={"jenis_kelamin": "P", "usia": 34, "pendidikan": "S1", "pekerjaan": "Swasta"})
    add_surveys(engine, "mpp", "lab", [[3] * 8 + [2]] * 2, created_at=at, agency_id="dinkes")
    ikm.refresh(engine, Settings(timezone="Asia/Makassar"), now=wita(2026, 10, 5, 11))
