"""A small province for the award ranking's end-to-end tests (query, pages, browser): four agencies, their
surveys, complaints and compliance in 2025, and a catalog of 2026 that must not count for 2025.

Expected figures for the year 2025, default weights (IKM 0.40, on time 0.20, rating 0.10, compliance 0.30):

- BAPPENDA: 2 surveys all 4 = IKM 100.00 (no yearly users set: no minimum); 4 complaints answered, 3 within
  the 5 working days = 75.00 %; verdicts 4 and 3 = mean 3.5 x 25 = 87.50; compliance 9 ada = 100.00.
  0.40 x 100 + 0.20 x 75 + 0.10 x 87.5 + 0.30 x 100 = 40 + 15 + 8.75 + 30 = 93.75, rank 1.
- DINKES: 10 surveys all 3 = IKM 75.00; 10 yearly users: Krejcie-Morgan minimum of 10 =
  3.841 x 10 x 0.25 / (0.0025 x 9 + 3.841 x 0.25) = 9.6025 / 0.98275 = 9.77 -> 10, met; no complaints, so
  weights rescaled to 0.40/0.70 and 0.30/0.70; compliance 7 ada + 1 sebagian + 1 belum = 7.5/9 = 83.33.
  (4 x 75 + 3 x 83.33) / 7 = (300 + 249.99) / 7 = 549.99 / 7 = 78.57 exactly, rank 2.
- DISHUB: 2 surveys all 2 = IKM 50.00, 100 yearly users: minimum 3.841 x 100 x 0.25 / (0.0025 x 99 +
  0.96025) = 96.025 / 1.20775 = 79.5 -> 80; 2 < 80: listed apart, "Sample too small".
- DIKBUD: no survey in 2025: listed apart, "No IKM in this period".
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from catalog_samples import agency, catalog, standard

from kiosk.central import catalog as central_catalog
from kiosk.central.analytics import compliance, handling, ikm
from kiosk.central.db import catalog_versions, service_populations
from kiosk.central.settings import Settings

from . import complaintrows
from .ikmkit import add_device, add_surveys, wita

ASPECTS = ["standar_pelayanan", "maklumat", "sistem_informasi", "sarana_prasarana", "pelayanan_khusus",
           "pengelolaan_pengaduan", "penilaian_kinerja", "visi_misi_motto", "atribut"]
AGENCIES = ("bappenda", "dinkes", "dishub", "dikbud")
SERVICES = {"pkb": "bappenda", "lab": "dinkes", "bus": "dishub", "sekolah": "dikbud"}


def _checklist(statuses: list[str]) -> list[dict]:
    return [{"aspect": a, "status": s, "evidence": f"Bukti {a}"} for a, s in zip(ASPECTS, statuses)]


def _publish(engine, version: str, checklists: dict[str, list[str]], when: datetime) -> None:
    agencies = [agency(a, a.upper(), a[:8], _checklist(checklists.get(a, []))) for a in AGENCIES]
    services = [{"id": s, "agency_id": a, "name": s.upper(), "name_en": s.upper() + " (EN)", "keywords": [],
                 "standard": standard(0)} for s, a in SERVICES.items()]
    pub = central_catalog.publish(engine, catalog(version, agencies, services))
    with engine.begin() as conn:
        conn.execute(catalog_versions.update().where(catalog_versions.c.id == pub.id).values(published_at=when))


def seed(engine, settings: Settings) -> None:
    _publish(engine, "r-2025", {"bappenda": ["ada"] * 9, "dinkes": ["ada"] * 7 + ["sebagian", "belum"],
                                "dishub": ["ada"] * 4 + ["sebagian"], "dikbud": ["ada"] * 9},
             wita(2025, 1, 10))
    # Published after the end of 2025 (1 January 2026, 00:00 WITA): not the compliance "as of" 2025.
    _publish(engine, "r-2026", {}, wita(2026, 1, 1, 0, 0))
    with engine.begin() as conn:
        conn.execute(service_populations.insert(), [
            {"service_id": "lab", "yearly_users": 10, "updated_at": datetime.now(UTC)},
            {"service_id": "bus", "yearly_users": 100, "updated_at": datetime.now(UTC)}])
    add_device(engine, "k1", agency_id="bappenda")
    day = wita(2025, 5, 20, 10)
    add_surveys(engine, "k1", "pkb", [[4] * 9] * 2, created_at=day, agency_id="bappenda")
    add_surveys(engine, "k1", "lab", [[3] * 9] * 10, created_at=day, agency_id="dinkes")
    add_surveys(engine, "k1", "bus", [[2] * 9] * 2, created_at=day, agency_id="dishub")
    # Bappenda's complaints, forwarded on Tuesday 19 August 2025: three answered the next day (1 working
    # day, on time), one a month later (late, whatever the holidays); verdicts 4 and 3 on two of them.
    received, forwarded = wita(2025, 8, 19, 9), wita(2025, 8, 19, 10)
    for answered, verdict in ((wita(2025, 8, 20, 10), 4), (wita(2025, 8, 20, 11), 3), (wita(2025, 8, 20, 12), None),
                              (wita(2025, 9, 19, 10), None)):
        complaintrows.add(engine, settings, status="followed_up", status_at=answered, received_at=received,
                          verified_at=forwarded, forwarded_at=forwarded, agency_id="bappenda",
                          handling_agency_id="bappenda", citizen_rating=verdict)
    now = datetime.now(UTC)
    ikm.refresh(engine, settings, now=now)
    handling.refresh(engine, settings, now=now)
    compliance.refresh(engine, settings, now=now)


def table_counts(engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(table))
