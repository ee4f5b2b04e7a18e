"""iPLiK's compliance score of the nine-aspect checklist and the Ombudsman's zones (domain.compliance).

Expected values are worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.domain.compliance import score, zone


@pytest.mark.parametrize(("value", "expected"), [
    ("100.00", "hijau"),
    ("81.00", "hijau"),  # the lowest hijau
    ("80.99", "kuning"),  # the highest kuning
    ("80.995", "hijau"),  # published as 81.00, graded as published
    ("80.994", "kuning"),  # published as 80.99
    ("51.00", "kuning"),  # the lowest kuning
    ("50.99", "merah"),  # the highest merah
    ("0.00", "merah"),
])
def test_zone_edges(value, expected):
    assert zone(Decimal(value)) == expected


@pytest.mark.parametrize("bad", [Decimal("-0.01"), Decimal("100.01"), Decimal("NaN"), 81, 81.0])
def test_zone_refuses_what_is_not_a_score(bad):
    with pytest.raises(ValueError):
        zone(bad)


def test_score_counts_sebagian_as_half_and_rounds_half_up():
    # 7 ada + 1 sebagian + 1 belum = 7.5 points; 7.5 / 9 x 100 = 83.333... -> 83.33 (hijau)
    assert score(["ada"] * 7 + ["sebagian", "belum"]) == Decimal("83.33")
    # 1 sebagian alone = 0.5 points; 0.5 / 9 x 100 = 5.5555... -> 5.56 (half-up of the third decimal 5)
    assert score(["sebagian"]) == Decimal("5.56")
    # 6 ada + 2 sebagian = 7 points (1 aspect not stated); 7 / 9 x 100 = 77.777... -> 77.78 (kuning)
    assert score(["ada"] * 6 + ["sebagian"] * 2) == Decimal("77.78")
    # 4 ada + 1 sebagian = 4.5 points; 4.5 / 9 x 100 = 50.00 exactly (merah: below 51.00)
    assert score(["ada"] * 4 + ["sebagian"]) == Decimal("50.00")
    assert zone(score(["ada"] * 4 + ["sebagian"])) == "merah"
    assert score(["ada"] * 9) == Decimal("100.00")
    assert score([]) == Decimal("0.00")
    # An unknown status counts nothing: 8 ada = 8 / 9 x 100 = 88.888... -> 88.89
    assert score(["ada"] * 8 + ["maybe"]) == Decimal("88.89")


def test_score_refuses_more_than_nine_aspects():
    with pytest.raises(ValueError):
        score(["ada"] * 10)
