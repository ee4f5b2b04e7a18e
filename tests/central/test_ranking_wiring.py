"""The award ranking end to end on a SQLite file and on PostgreSQL: IKM from the ikm rollup, handling from
the handling facts, compliance as published by the end of the period (tests/central/ranking_seed.py has
the province and the figures worked out by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.central.analytics import periods
from kiosk.central.analytics.ranking import NO_IKM, SAMPLE_TOO_SMALL, ranking, rescaled
from kiosk.central.db import open_database
from kiosk.central.settings import Settings

from . import ranking_seed
from .serverkit import database_url


@pytest.fixture
def province(backend, tmp_path):
    settings = Settings(database_url=database_url(backend, tmp_path), timezone="Asia/Makassar")
    engine = open_database(settings)
    ranking_seed.seed(engine, settings)
    yield engine, settings
    engine.dispose()


def test_ranking_of_2025_from_the_real_figures(province):
    engine, settings = province
    with engine.connect() as conn:
        result = ranking(conn, settings, periods.year(2025))
    d = Decimal
    assert [(r, c.unit.id, c.ikm, c.on_time, c.citizen_rating, c.compliance, c.composite)
            for r, c in result.ranked] == [
        (1, "bappenda", d("100.00"), d("75.00"), d("87.50"), d("100.00"), d("93.75")),
        (2, "dinkes", d("75.00"), None, None, d("83.33"), d("78.57")),
    ]
    assert [rescaled(c) for _, c in result.ranked] == [False, True]
    assert [(c.respondents, c.min_sample) for _, c in result.ranked] == [(2, None), (10, 10)]
    assert [(c.unit.id, c.excluded_reason, c.respondents, c.min_sample) for c in result.apart] == [
        ("dikbud", NO_IKM, 0, None), ("dishub", SAMPLE_TOO_SMALL, 2, 80)]


def test_heavier_compliance_weight_from_settings(province):
    engine, settings = province
    # Compliance alone: BAPPENDA 100.00, DINKES 83.33 (no rescaling needed: compliance is present)
    only = settings.replace(award_weight_ikm=0.0, award_weight_on_time=0.0, award_weight_citizen_rating=0.0,
                            award_weight_compliance=1.0)
    with engine.connect() as conn:
        result = ranking(conn, only, periods.year(2025))
    assert [(r, c.unit.id, c.composite) for r, c in result.ranked] == [
        (1, "bappenda", Decimal("100.00")), (2, "dinkes", Decimal("83.33"))]
