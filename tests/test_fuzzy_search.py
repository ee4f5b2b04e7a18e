"""Search forgives typos: when no service matches every typed word as a prefix, close matches are offered,
best first, and marked as such; a real prefix match always wins; nonsense still finds nothing."""

from __future__ import annotations

import json

import pytest
from catalog_samples import catalog, standard, two_agencies

from kiosk.domain.fuzzy import FuzzyIndex, prefix_distance
from kiosk.paths import DEMO_CATALOG
from kiosk.store import catalog as cat

# --- the index alone (domain) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, word, distance",
    [
        ("pajek", "pajak", 1),  # a wrong letter
        ("pjak", "pajak", 1),  # two letters swapped
        ("akte", "akta", 1),
        ("kendr", "kendaraan", 1),  # the end of the word is still to come
        ("pajk", "pajak", 1),  # a letter missing
        ("pajjak", "pajak", 1),  # a letter too many
        ("motor", "motor", 0),
        ("qqqq", "pajak", 2),  # more than the limit of 1 answers limit + 1
    ],
)
def test_prefix_distance(typed, word, distance):
    assert prefix_distance(typed, word, 1) == min(distance, 2)


def _index(*names: str) -> FuzzyIndex:
    return FuzzyIndex([[(name, 1.0)] for name in names])


def test_whole_word_then_prefix_then_inside_then_typo():
    index = _index("Gedung Serbaguna", "Gudang Beras", "Pergudangan Daerah", "Gudangnya")
    assert [m.index for m in index.search("gudang")] == [1, 3, 2]  # whole word, prefix, inside; no "gedung"
    # One typo from "gedung", "gudang" and "gudangnya": equal scores, in the order given.
    assert [m.index for m in index.search("gudung")] == [0, 1, 3]


def test_a_typo_keeps_the_first_letter_before_one_that_drops_it():
    index = _index("Sertifikat Laik Fungsi", "Balik Nama Kendaraan")
    # One typo from each: "balik" with its "l" left out, or "laik" with a wrong first letter.
    assert [m.index for m in index.search("baik")] == [1, 0]


def test_every_typed_word_must_match():
    index = _index("Pembayaran Pajak Kendaraan", "Pajak Hotel")
    assert [m.index for m in index.search("pajek kendaraan")] == [0]
    assert index.search("pajek zzzzzz") == []


def test_short_words_tolerate_no_typo():
    # Three letters with a typo would match half the catalog: "pak" must not find "pajak" nor "pkb".
    assert _index("Pajak", "PKB").search("pak") == []


# --- in the store, over the demo catalog ---------------------------------------------------------


@pytest.fixture
def demo_store(store):
    cat.replace_catalog(store.db, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    return store


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("pajek", "bappenda-pkb-tahunan"),  # Pembayaran Pajak Kendaraan Bermotor Tahunan
        ("pajek kendaraan", "bappenda-pkb-tahunan"),
        ("akte lahir", "dpmpd-dukcapil-fasilitasi-adminduk"),  # keyword "akta kelahiran"
        ("rumah sakot", "dinkes-izin-operasional-rs"),  # Izin Operasional Rumah Sakit
        ("perpustakan keliling", "dispusip-perpustakaan-keliling"),
    ],
)
def test_typos_find_the_service(demo_store, typed, expected):
    hits = cat.search_services(demo_store.db, typed)
    assert [h.service_id for h in hits[:1]] == [expected], [h.service_id for h in hits[:5]]
    assert all(h.close for h in hits)  # the screen says these are close matches, not what was typed


def test_a_misspelt_word_finds_all_its_services(demo_store):
    names = [h.name for h in cat.search_services(demo_store.db, "laboratorum")]
    assert len(names) >= 4 and all("Laboratorium" in n for n in names), names


def test_pajek_ranks_the_vehicle_tax_first(demo_store):
    hits = cat.search_services(demo_store.db, "pajek")
    assert hits[0].service_id == "bappenda-pkb-tahunan"


@pytest.mark.parametrize("typed", ["qwxz", "zzzzzzzz", "xkcdq pajak", "ñññ"])
def test_nonsense_finds_nothing(demo_store, typed):
    assert cat.search_services(demo_store.db, typed) == []


def test_a_real_prefix_wins_over_a_close_match(store):
    def service(sid: str, name: str) -> dict:
        return {"id": sid, "agency_id": "dinkes", "name": name, "name_en": name, "keywords": [],
                "standard": standard(0)}

    cat.replace_catalog(store.db, catalog("fz-1", two_agencies(), [
        service("dinkes-gedung", "Sewa Gedung Serbaguna"),
        service("dinkes-gudang", "Sewa Gudang Obat"),
    ]))
    hits = cat.search_services(store.db, "gudang")
    assert [h.service_id for h in hits] == ["dinkes-gudang"]  # "gedung" is one typo away, but not shown
    assert not hits[0].close
    hits = cat.search_services(store.db, "gudangg")
    assert hits[0].service_id == "dinkes-gudang" and hits[0].close


def test_ties_are_stable(store):
    """Equal scores come in the catalog's name order, the same on every call."""
    def service(sid: str, name: str) -> dict:
        return {"id": sid, "agency_id": "dinkes", "name": name, "name_en": name, "keywords": [],
                "standard": standard(0)}

    cat.replace_catalog(store.db, catalog("fz-2", two_agencies(), [
        service("dinkes-c", "Izin Pajak Cafe"),
        service("dinkes-a", "Izin Pajak Apotek"),
        service("dinkes-b", "Izin Pajak Bengkel"),
    ]))
    first = [h.service_id for h in cat.search_services(store.db, "pajek")]
    assert first == ["dinkes-a", "dinkes-b", "dinkes-c"]
    assert [h.service_id for h in cat.search_services(store.db, "pajek")] == first


def test_a_new_catalog_gets_a_new_index(store, tiny_catalog):
    cat.replace_catalog(store.db, tiny_catalog)
    assert cat.search_services(store.db, "pajek")[0].service_id == "bappenda-pkb"
    other = dict(tiny_catalog)  # the same version with other words: the index must follow the words
    other["services"] = [dict(s, name=s["name"].replace("Pajak", "Retribusi")) for s in tiny_catalog["services"]]
    other["services"][0]["keywords"] = ["samsat"]
    cat.replace_catalog(store.db, other)
    assert cat.search_services(store.db, "pajek") == []
    assert cat.search_services(store.db, "retribusi")[0].service_id == "bappenda-pkb"


def test_one_or_two_letters_list_the_names_that_start_so_in_order(store, tiny_catalog):
    cat.replace_catalog(store.db, tiny_catalog)
    assert [h.service_id for h in cat.search_services(store.db, "pe")] == ["bappenda-pkb", "dinkes-lab"]
    # Only a keyword starts so: still found as typed, not as a close match.
    hits = cat.search_services(store.db, "uj")
    assert [h.service_id for h in hits] == ["dinkes-lab"] and not hits[0].close
    assert [h.service_id for h in cat.search_services(store.db, "mo")] == ["bappenda-pkb"]  # English name
