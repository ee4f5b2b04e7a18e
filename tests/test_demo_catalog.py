"""The NTB demo catalog: complete, honest about being demo data, and what the build script makes."""

from __future__ import annotations

import json
import runpy
import sys
from collections import Counter

import pytest

from kiosk.domain.catalog import ComplianceAspect, parse_catalog
from kiosk.paths import ASSETS, DEMO_CATALOG

sys.path.insert(0, str(ASSETS.parent / "bench"))


@pytest.fixture(scope="module")
def raw():
    return json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog(raw):
    return parse_catalog(raw)


def test_is_labelled_demo(catalog):
    assert catalog.demo is True
    assert "DEMO" in catalog.notice and "BUKAN data resmi" in catalog.notice


def test_34_agencies_with_enough_services(catalog):
    assert len(catalog.agencies) == 34
    assert len(catalog.services) >= 200
    per_agency = Counter(s.agency_id for s in catalog.services)
    assert set(per_agency) == {a.id for a in catalog.agencies}
    assert min(per_agency.values()) >= 3


def test_every_agency_has_all_nine_compliance_aspects_once(catalog):
    for agency in catalog.agencies:
        aspects = [c.aspect for c in agency.compliance]
        assert sorted(aspects) == sorted(ComplianceAspect), agency.id
        assert all(c.evidence for c in agency.compliance), agency.id
        assert agency.maklumat.text and agency.motto and agency.address


def test_standards_are_complete_and_fees_honest(catalog):
    for s in catalog.services:
        st = s.standard
        assert len(st.requirements) >= 2 and len(st.procedure) >= 3, s.id
        assert not any(step[:2].strip(". ").isdigit() for step in st.procedure), f"{s.id}: numbered step text"
        if st.fee_idr == 0:
            assert st.fees.lower().startswith(("gratis", "tidak dipungut")), s.id
        else:
            assert "gratis" not in st.fees.lower()[:10], s.id
        assert st.legal_basis and s.name_en and s.keywords, s.id


def test_names_are_not_copy_paste(catalog):
    names = [s.name for s in catalog.services]
    assert len(set(names)) == len(names)
    procedures = Counter(tuple(s.standard.procedure) for s in catalog.services)
    assert procedures.most_common(1)[0][1] <= 3, "the same procedure is pasted into many services"


def test_json_is_what_the_build_script_makes(raw):
    build = runpy.run_path(str(ASSETS / "demo" / "build_demo_catalog.py"), run_name="not_main")
    assert build["render"](build["build"]()) == DEMO_CATALOG.read_text(encoding="utf-8")


def test_generator_makes_a_large_valid_catalog():
    from gen_catalog import make_catalog

    big = make_catalog(1500, seed=3)
    parsed = parse_catalog(big)
    assert len(parsed.services) == 1500
    assert len({s.id for s in parsed.services}) == 1500
    assert make_catalog(1500, seed=3) == big  # deterministic for the same seed
