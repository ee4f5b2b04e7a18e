"""The award ranking's composite on a small worked example (analytics.ranking.rank, pure), and the
weights' settings. Every expected number is worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kiosk.central.analytics import periods
from kiosk.central.analytics.figures import RankComponents, Unit, UnitKind
from kiosk.central.analytics.ranking import (
    NO_COMPLIANCE,
    NO_IKM,
    NO_WEIGHTED_COMPONENT,
    SAMPLE_TOO_SMALL,
    effective_weights,
    rank,
    rescaled,
    weights_from,
)
from kiosk.central.settings import Settings, from_env
from kiosk.errors import ConfigError

YEAR = periods.year(2026)
# The default weights: IKM 0.40, on time 0.20, citizens' rating 0.10, compliance 0.30.
WEIGHTS = {"ikm": Decimal("0.40"), "on_time": Decimal("0.20"), "citizen_rating": Decimal("0.10"),
           "compliance": Decimal("0.30")}


def unit(name: str, ikm=None, on_time=None, rating=None, compliance=None, respondents=400, min_sample=384):
    d = lambda v: None if v is None else Decimal(v)
    return RankComponents(Unit(UnitKind.AGENCY, name.lower(), name, name, name.lower()), d(ikm), d(on_time),
                          d(rating), d(compliance), respondents, min_sample, composite=None)


EXAMPLE = [
    # 0.40 x 90 + 0.20 x 80 + 0.10 x 75 + 0.30 x 88.89 = 36 + 16 + 7.5 + 26.667 = 86.167 -> 86.17
    unit("Alpha", "90.00", "80.00", "75.00", "88.89"),
    # 0.40 x 85 + 0.20 x 75 + 0.10 x 75 + 0.30 x 83.33 = 34 + 15 + 7.5 + 24.999 = 81.499 -> 81.50
    unit("Bravo", "85.00", "75.00", "75.00", "83.33"),
    # No citizens' verdicts: 0.40, 0.20, 0.30 rescaled by 0.90 to 4/9, 2/9, 3/9;
    # (4 x 80 + 2 x 81.75 + 3 x 83.33) / 9 = (320 + 163.5 + 249.99) / 9 = 733.49 / 9 = 81.4988... -> 81.50,
    # the same composite as Bravo: they share rank 3
    unit("Charlie", "80.00", "81.75", None, "83.33"),
    # No complaints decided and no verdicts: 0.40 and 0.30 rescaled by 0.70 to 4/7 and 3/7;
    # (4 x 80 + 3 x 100) / 7 = 620 / 7 = 88.571... -> 88.57, first
    unit("Delta", "80.00", None, None, "100.00"),
    # 0.40 x 70 + 0.20 x 50 + 0.10 x 50 + 0.30 x 50 = 28 + 10 + 5 + 15 = 58.00: rank 5 (two share 3)
    unit("Echo", "70.00", "50.00", "50.00", "50.00"),
    # The best IKM of all, but 383 respondents against a minimum of 384: listed apart, not ranked
    unit("Foxtrot", "99.00", "100.00", "100.00", "100.00", respondents=383, min_sample=384),
    # No survey in the period
    unit("Golf", None, "100.00", "100.00", "100.00", respondents=0),
    # No catalog stated its compliance by the period's end
    unit("Hotel", "90.00", "90.00", "90.00", None),
]


def test_worked_example_ranks_ties_rescales_and_lists_apart():
    result = rank(EXAMPLE, WEIGHTS, YEAR)
    assert [(r, c.unit.name_id, c.composite) for r, c in result.ranked] == [
        (1, "Delta", Decimal("88.57")),
        (2, "Alpha", Decimal("86.17")),
        (3, "Bravo", Decimal("81.50")),
        (3, "Charlie", Decimal("81.50")),
        (5, "Echo", Decimal("58.00")),
    ]
    assert [(c.unit.name_id, c.excluded_reason, c.composite) for c in result.apart] == [
        ("Foxtrot", SAMPLE_TOO_SMALL, None), ("Golf", NO_IKM, None), ("Hotel", NO_COMPLIANCE, None)]
    by_name = {c.unit.name_id: c for _, c in result.ranked}
    assert [n for n in by_name if rescaled(by_name[n])] == ["Delta", "Charlie"]
    assert effective_weights(by_name["Charlie"], WEIGHTS) == {
        "ikm": Fraction(4, 9), "on_time": Fraction(2, 9), "compliance": Fraction(3, 9)}
    assert effective_weights(by_name["Delta"], WEIGHTS) == {"ikm": Fraction(4, 7), "compliance": Fraction(3, 7)}
    assert result.weights == WEIGHTS and result.period == YEAR
    # Every component is kept beside the rank, as given
    assert (by_name["Alpha"].ikm, by_name["Alpha"].on_time, by_name["Alpha"].citizen_rating,
            by_name["Alpha"].compliance) == (Decimal("90.00"), Decimal("80.00"), Decimal("75.00"), Decimal("88.89"))


def test_a_sample_exactly_at_the_minimum_is_ranked_and_an_unknown_minimum_too():
    result = rank([unit("Kilo", "80.00", "80.00", "80.00", "80.00", respondents=384, min_sample=384),
                   unit("Lima", "80.00", "80.00", "80.00", "80.00", respondents=3, min_sample=None)], WEIGHTS, YEAR)
    # 0.4 x 80 + 0.2 x 80 + 0.1 x 80 + 0.3 x 80 = 80.00 for both: a tie at rank 1
    assert [(r, c.unit.name_id, c.composite) for r, c in result.ranked] == [
        (1, "Kilo", Decimal("80.00")), (1, "Lima", Decimal("80.00"))]
    assert result.apart == ()


def test_other_weights_change_the_order():
    weights = {"ikm": Decimal(0), "on_time": Decimal(0), "citizen_rating": Decimal(0),
               "compliance": Decimal(1)}
    result = rank([unit("Alpha", "90.00", "80.00", "75.00", "88.89"),
                   unit("Delta", "80.00", None, None, "100.00")], weights, YEAR)
    # compliance alone: Delta 100.00, Alpha 88.89
    assert [(r, c.unit.name_id, c.composite) for r, c in result.ranked] == [
        (1, "Delta", Decimal("100.00")), (2, "Alpha", Decimal("88.89"))]
    only_on_time = {"ikm": Decimal(0), "on_time": Decimal(1), "citizen_rating": Decimal(0),
                    "compliance": Decimal(0)}
    # all the weight on a component Delta lacks: nothing to rank it by
    assert [(c.unit.name_id, c.excluded_reason) for c in rank(
        [unit("Delta", "80.00", None, None, "100.00")], only_on_time, YEAR).apart] == [("Delta", NO_WEIGHTED_COMPONENT)]


def test_weights_settings_default_env_and_refusals():
    assert weights_from(Settings()) == WEIGHTS
    env = {"IPLIK_CENTRAL_AWARD_WEIGHT_IKM": "0.5", "IPLIK_CENTRAL_AWARD_WEIGHT_ON_TIME": "0.1",
           "IPLIK_CENTRAL_AWARD_WEIGHT_CITIZEN_RATING": "0.1", "IPLIK_CENTRAL_AWARD_WEIGHT_COMPLIANCE": "0.3"}
    s = from_env(env)
    # 0.5 + 0.1 + 0.1 + 0.3 is 1.0000000000000002 in floats: within 1e-9 of 1, accepted
    assert weights_from(s) == {"ikm": Decimal("0.5"), "on_time": Decimal("0.1"), "citizen_rating": Decimal("0.1"),
                               "compliance": Decimal("0.3")}
    with pytest.raises(ConfigError, match="add up to 1"):
        from_env(env | {"IPLIK_CENTRAL_AWARD_WEIGHT_IKM": "0.6"})  # 1.1
    with pytest.raises(ConfigError, match="award_weight_on_time must be a number of at least 0"):
        Settings().replace(award_weight_on_time=-0.1, award_weight_ikm=0.7)  # sums to 1, one negative
    with pytest.raises(ConfigError, match="bad value"):
        from_env({"IPLIK_CENTRAL_AWARD_WEIGHT_IKM": "forty"})
    with pytest.raises(ConfigError):
        Settings().replace(award_weight_ikm=float("nan"))
