"""Compliance per agency from the published catalogs (analytics.compliance): the snapshot rollup, the
newest figures, an officer's share, the history of changes and the figure as of a period's end.
On a SQLite file and on PostgreSQL. Scores worked out by hand in the comments."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from catalog_samples import catalog, two_agencies

from kiosk.central import catalog as central_catalog
from kiosk.central.analytics import compliance, rollup
from kiosk.central.analytics.figures import Zone
from kiosk.central.db import catalog_versions, compliance_snapshots, open_database
from kiosk.central.settings import Settings

from .serverkit import database_url

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
ASPECTS = ["standar_pelayanan", "maklumat", "sistem_informasi", "sarana_prasarana", "pelayanan_khusus",
           "pengelolaan_pengaduan", "penilaian_kinerja", "visi_misi_motto", "atribut"]


def items(statuses: list[str], evidence: str = "Foto papan") -> list[dict]:
    return [{"aspect": a, "status": s, "evidence": f"{evidence} {a}"} for a, s in zip(ASPECTS, statuses)]


def doc(version: str, bappenda: list[dict], dinkes: list[dict], tiny_catalog: dict) -> dict:
    agencies = two_agencies()
    agencies[0]["compliance"], agencies[1]["compliance"] = bappenda, dinkes
    return catalog(version, agencies, copy.deepcopy(tiny_catalog["services"]))


@pytest.fixture
def engine(backend, tmp_path):
    e = open_database(Settings(database_url=database_url(backend, tmp_path)))
    yield e
    e.dispose()


def publish_at(engine, raw: dict, when: datetime) -> int:
    """Publish through the real path, then date the version (the test's clock, not the machine's)."""
    pub = central_catalog.publish(engine, raw)
    with engine.begin() as conn:
        conn.execute(catalog_versions.update().where(catalog_versions.c.id == pub.id).values(published_at=when))
    return pub.id


def test_history_from_two_published_catalogs(engine, tiny_catalog):
    # Version 1 (published 2026-03-31 15:59 UTC = 23:59 WITA, the last minute of Q1):
    #   bappenda 7 ada + 1 sebagian + 1 belum = 7.5 / 9 x 100 = 83.333... -> 83.33 hijau
    #   dinkes   4 ada + 1 sebagian, 4 not stated = 4.5 / 9 x 100 = 50.00 merah
    v1 = publish_at(engine, doc("c-1", items(["ada"] * 7 + ["sebagian", "belum"]),
                                items(["ada"] * 4 + ["sebagian"]), tiny_catalog),
                    datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    assert compliance.refresh(engine, Settings(), now=NOW) == 2
    # Version 2 (2026-04-01 00:00 WITA): bappenda only changes its evidence text (no new history point);
    #   dinkes 6 ada + 2 sebagian = 7 / 9 x 100 = 77.777... -> 77.78 kuning
    v2 = publish_at(engine, doc("c-2", items(["ada"] * 7 + ["sebagian", "belum"], "Dokumen"),
                                items(["ada"] * 6 + ["sebagian"] * 2), tiny_catalog),
                    datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    assert compliance.refresh(engine, Settings(), now=NOW) == 2
    assert compliance.refresh(engine, Settings(), now=NOW) == 0  # nothing new: nothing written
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(compliance_snapshots)) == 4
        assert rollup.mark(conn, "compliance")[1] == NOW

        newest = compliance.compliance_by_agency(conn)
        assert [(f.unit.id, f.score, f.zone) for f in newest] == [
            ("bappenda", Decimal("83.33"), Zone.HIJAU), ("dinkes", Decimal("77.78"), Zone.KUNING)]
        assert newest[0].unit.name_id == "Badan Pendapatan Daerah"
        assert [(a.aspect, a.status) for a in newest[1].aspects][-2:] == [("visi_misi_motto", "sebagian"),
                                                                           ("atribut", "belum")]
        assert newest[0].aspects[0].evidence == "Dokumen standar_pelayanan"
        assert newest[1].aspects[8].evidence == ""  # not stated: belum, no evidence

        # an officer of dinkes sees dinkes only
        assert [f.unit.id for f in compliance.compliance_by_agency(conn, {"dinkes"})] == ["dinkes"]
        assert compliance.compliance_by_agency(conn, set()) == []

        history = compliance.compliance_history(conn, "dinkes")
        assert [(f.score, f.zone, f.as_of) for f in history] == [
            (Decimal("50.00"), Zone.MERAH, datetime(2026, 3, 31, 15, 59, tzinfo=UTC)),
            (Decimal("77.78"), Zone.KUNING, datetime(2026, 3, 31, 16, 0, tzinfo=UTC))]
        # bappenda's statuses never changed: one point, its first publication
        assert [(f.score, f.as_of) for f in compliance.compliance_history(conn, "bappenda")] == [
            (Decimal("83.33"), datetime(2026, 3, 31, 15, 59, tzinfo=UTC))]

        # As of the end of Q1 (31 March WITA) version 1 holds; from 1 April WITA version 2
        assert compliance.compliance_at(conn, "dinkes", date(2026, 3, 31), WITA).score == Decimal("50.00")
        assert compliance.compliance_at(conn, "dinkes", date(2026, 4, 1), WITA).score == Decimal("77.78")
        assert compliance.compliance_at(conn, "dinkes", date(2026, 3, 30), WITA) is None  # nothing published yet
        assert compliance.compliance_at(conn, "nobody", date(2026, 4, 1), WITA) is None
    assert (v1, v2) == (v1, v1 + 1)


def test_a_later_change_of_status_alone_is_a_new_point(engine, tiny_catalog):
    # 4 ada + 5 belum = 44.44 merah; then one belum becomes ada and another aspect goes ada -> belum:
    # the score stays 44.44 but the statuses changed, so the history has two points.
    publish_at(engine, doc("s-1", items(["ada"] * 4 + ["belum"] * 5), items([]), tiny_catalog),
               datetime(2026, 1, 5, tzinfo=UTC))
    publish_at(engine, doc("s-2", items(["belum"] + ["ada"] * 4 + ["belum"] * 4), items([]), tiny_catalog),
               datetime(2026, 2, 5, tzinfo=UTC))
    compliance.refresh(engine, Settings(), now=NOW)
    with engine.connect() as conn:
        history = compliance.compliance_history(conn, "bappenda")
        assert [f.score for f in history] == [Decimal("44.44"), Decimal("44.44")]
        # dinkes states nothing: 0.00 merah, once
        assert [(f.score, f.zone) for f in compliance.compliance_history(conn, "dinkes")] == [
            (Decimal("0.00"), Zone.MERAH)]


def test_tick_runs_the_compliance_rollup(engine, tiny_catalog):
    central_catalog.publish(engine, tiny_catalog)
    # tiny_catalog states one aspect (maklumat ada) per agency: 1 / 9 x 100 = 11.11 merah
    assert rollup.refresh_all(engine, Settings(), now=NOW) >= 2
    with engine.connect() as conn:
        assert [(f.unit.id, f.score) for f in compliance.compliance_by_agency(conn)] == [
            ("bappenda", Decimal("11.11")), ("dinkes", Decimal("11.11"))]
