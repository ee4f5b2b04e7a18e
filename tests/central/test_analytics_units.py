"""Unit names for the figures (analytics/units.py): each database's own newest catalog."""

from __future__ import annotations

import copy
import json

from kiosk.central import catalog
from kiosk.central.analytics import units
from kiosk.central.analytics.figures import UnitKind
from kiosk.central.db import open_database, reader
from kiosk.central.settings import Settings
from kiosk.paths import DEMO_CATALOG


def _db(tmp_path, name, doc):
    engine = open_database(Settings(database_url=f"sqlite:///{tmp_path / name}"))
    catalog.publish(engine, doc)
    return engine


def test_two_databases_whose_first_catalogs_differ_each_get_their_own_names(tmp_path):
    # Both catalogs are row 1 of their database: a cache keyed by the row id gave the second database
    # the first one's names (a bench beside a demo, or one test after another in the same process).
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    renamed = copy.deepcopy(doc)
    renamed["agencies"][0]["name"] = "Badan Uji Nama Lain"
    first, second = _db(tmp_path, "a.db", doc), _db(tmp_path, "b.db", renamed)
    agency_id = doc["agencies"][0]["id"]
    with reader(first) as conn:
        assert units.index(conn).get(UnitKind.AGENCY, agency_id).name_id == doc["agencies"][0]["name"]
    with reader(second) as conn:
        assert units.index(conn).get(UnitKind.AGENCY, agency_id).name_id == "Badan Uji Nama Lain"
    with reader(first) as conn:  # and back: the first database is not overwritten by the second
        assert units.index(conn).get(UnitKind.AGENCY, agency_id).name_id == doc["agencies"][0]["name"]


def test_a_unit_the_catalog_no_longer_has_is_named_by_its_id(tmp_path):
    engine = _db(tmp_path, "c.db", json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    with reader(engine) as conn:
        unit = units.index(conn).get(UnitKind.SERVICE, "layanan-yang-dihapus")
    assert (unit.id, unit.name_id, unit.name_en) == ("layanan-yang-dihapus",) * 3
