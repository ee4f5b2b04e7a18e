"""The catalog in the kiosk store: atomic replacement, reads, and search as a citizen types."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import ValidationError
from kiosk.store import catalog as cat


def test_replace_and_read_back(store, tiny_catalog):
    info = cat.replace_catalog(store.db, tiny_catalog, cursor="c1")
    assert (info.agencies, info.services, info.demo, info.version) == (2, 3, True, "test-1")
    assert cat.catalog_cursor(store.db) == "c1"
    svc = cat.get_service(store.db, "dinkes-rujukan")
    assert svc.standard.fee_idr == 50000 and svc.form_id == "dinkes-sipa"
    assert [s.id for s in cat.list_services(store.db, "dinkes")] == ["dinkes-lab", "dinkes-rujukan"]
    assert cat.get_agency(store.db, "nope") is None


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("pajak", "bappenda-pkb"),
        ("PAJ", "bappenda-pkb"),  # prefix, any case
        ("stnk", "bappenda-pkb"),  # keyword
        ("motor vehicle", "bappenda-pkb"),  # English name
        ("laboratórium", "dinkes-lab"),  # accents folded
        ("dinkes uji", "dinkes-lab"),  # agency + keyword, all words must match
        ("Rekomendasi", "dinkes-rujukan"),
    ],
)
def test_search_finds(store, tiny_catalog, typed, expected):
    cat.replace_catalog(store.db, tiny_catalog)
    hits = cat.search_services(store.db, typed)
    assert hits and hits[0].service_id == expected


@pytest.mark.parametrize("typed", ['"', "*", "pajak -", "a:b", "NEAR(", "", "   ", "))(("])
def test_search_never_errors_on_fts_syntax(store, tiny_catalog, typed):
    cat.replace_catalog(store.db, tiny_catalog)
    assert isinstance(cat.search_services(store.db, typed), list)


def test_search_requires_every_word(store, tiny_catalog):
    cat.replace_catalog(store.db, tiny_catalog)
    assert cat.search_services(store.db, "pajak laboratorium") == []


def test_invalid_catalog_leaves_old_one_untouched(store, tiny_catalog):
    cat.replace_catalog(store.db, tiny_catalog, cursor="c1")
    broken = dict(tiny_catalog, version="test-2")
    broken["services"] = tiny_catalog["services"] + [dict(tiny_catalog["services"][0], agency_id="ghost")]
    with pytest.raises(ValidationError):
        cat.replace_catalog(store.db, broken, cursor="c2")
    info = cat.catalog_info(store.db)
    assert (info.version, info.services) == ("test-1", 3)
    assert cat.catalog_cursor(store.db) == "c1"


def test_failure_midway_rolls_back(store, tiny_catalog, monkeypatch):
    """A crash between the deletes and the inserts must leave the old catalog, not an empty one."""
    cat.replace_catalog(store.db, tiny_catalog)
    calls = {"n": 0}
    real = store.db.conn.executemany

    class Boom(Exception):
        pass

    class ConnProxy:
        def __getattr__(self, name):
            return getattr(real.__self__, name)

        def executemany(self, sql, rows):
            calls["n"] += 1
            if calls["n"] == 2:
                raise Boom
            return real(sql, rows)

    db = store.db
    monkeypatch.setattr(db, "conn", ConnProxy())
    with pytest.raises(Boom):
        cat.replace_catalog(db, dict(tiny_catalog, version="test-2"))
    monkeypatch.undo()
    assert cat.catalog_info(store.db).version == "test-1"
    assert len(cat.search_services(store.db, "pajak")) == 1
