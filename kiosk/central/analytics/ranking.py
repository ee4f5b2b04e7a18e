"""The governor's public-service award: a documented composite of IKM, complaint handling and compliance.

:func:`rank` is pure (no SQL): it takes every unit's components, each on a 0..100 scale and rounded to
the two decimals a page shows, and the weights (``Settings.award_weight_*``, adding up to 1), and returns
the ranked units and those listed apart. :func:`ranking` fills the components from the ikm, handling and
compliance queries for one period. The rules (docs/analytics.md, "The award ranking"):

- composite = sum of weight x component, rounded half-up to two decimals; exact until then;
- a unit with no IKM in the period, or fewer respondents than its Krejcie-Morgan minimum, or no
  compliance score, is listed apart with the reason, not ranked;
- a unit with no decided complaints (no on-time share) or no citizens' verdicts (no rating) is not
  rewarded or punished for it: the missing components' weights are shared out over the present ones in
  proportion (:func:`effective_weights`), and the row says "weights rescaled";
- equal composites share a rank, and the next rank skips (1, 2, 2, 4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

from ...domain.compliance import round_half_up
from . import units
from .figures import RankComponents, Ranking, UnitKind
from .periods import Period

# The components, in the order a page shows them; each is a RankComponents field of the same name.
COMPONENTS = ("ikm", "on_time", "citizen_rating", "compliance")
# Components a unit may lack without leaving the ranking (their weight goes to the others).
OPTIONAL = ("on_time", "citizen_rating")

# English msgids (dash_ranking.po) of the reasons a unit is listed apart.
NO_IKM = "No IKM in this period"
SAMPLE_TOO_SMALL = "Sample too small"
NO_COMPLIANCE = "No compliance checklist published by the end of the period"
NO_WEIGHTED_COMPONENT = "No component with a weight"
WEIGHTS_RESCALED = "weights rescaled"


def weights_from(settings) -> dict[str, Decimal]:
    """The weights of ``Settings`` as exact decimals (0.4 is written 0.40 by a person, not 0.4000000000000000222)."""
    return {name: Decimal(repr(float(getattr(settings, f"award_weight_{name}")))) for name in COMPONENTS}


def effective_weights(components: RankComponents, weights: Mapping[str, Decimal]) -> dict[str, Fraction]:
    """The weight each present component carries for this unit: the configured weights, with those of
    missing components shared out over the present ones in proportion (so they still add up to 1).
    Empty when no present component has a weight."""
    present = {name: Fraction(weights[name]) for name in COMPONENTS if getattr(components, name) is not None}
    total = sum(present.values(), Fraction(0))
    if total == 0:
        return {}
    return {name: w / total for name, w in present.items()}


def rescaled(components: RankComponents) -> bool:
    """Whether this unit's weights were rescaled (it lacks an optional component)."""
    return any(getattr(components, name) is None for name in OPTIONAL)


def composite(components: RankComponents, weights: Mapping[str, Decimal]) -> Decimal | None:
    effective = effective_weights(components, weights)
    if not effective:
        return None
    exact = sum((w * Fraction(getattr(components, name)) for name, w in effective.items()), Fraction(0))
    return round_half_up(exact)


def terms(components: RankComponents, weights: Mapping[str, Decimal]) -> list[tuple[str, Fraction, Decimal, Fraction]]:
    """The composite's sum written out, for checking by hand: (component, effective weight, value,
    weight x value) per present component; their products add up to the composite before rounding."""
    return [(name, w, getattr(components, name), w * Fraction(getattr(components, name)))
            for name, w in effective_weights(components, weights).items()]


def _reason_apart(c: RankComponents, weights: Mapping[str, Decimal]) -> str | None:
    if c.ikm is None:
        return NO_IKM
    if c.min_sample is not None and c.respondents < c.min_sample:
        return SAMPLE_TOO_SMALL
    if c.compliance is None:
        return NO_COMPLIANCE
    if not effective_weights(c, weights):
        return NO_WEIGHTED_COMPONENT
    return None


def rank(components: Iterable[RankComponents], weights: Mapping[str, Decimal], period: Period) -> Ranking:
    """Rank the units (their ``composite`` and ``excluded_reason`` as given are ignored and recomputed).
    Best first; equal composites share a rank and are listed by name; those apart by name."""
    ranked_rows: list[RankComponents] = []
    apart: list[RankComponents] = []
    for c in components:
        reason = _reason_apart(c, weights)
        if reason is not None:
            apart.append(dataclasses.replace(c, composite=None, excluded_reason=reason))
        else:
            ranked_rows.append(dataclasses.replace(c, composite=composite(c, weights), excluded_reason=None))
    ranked_rows.sort(key=lambda c: (-c.composite, c.unit.name_id.casefold(), c.unit.id))
    ranked: list[tuple[int, RankComponents]] = []
    for position, c in enumerate(ranked_rows, start=1):
        shared = ranked and ranked[-1][1].composite == c.composite
        ranked.append((ranked[-1][0] if shared else position, c))
    apart.sort(key=lambda c: (c.unit.name_id.casefold(), c.unit.id))
    return Ranking(period=period, weights=dict(weights), ranked=tuple(ranked), apart=tuple(apart))


# --- wiring: the components of every agency for one period -------------------------------------------


def _percent(share: Fraction | None) -> Decimal | None:
    return None if share is None else round_half_up(share * 100)


def _rating_scale(mean: Fraction | None) -> Decimal | None:
    return None if mean is None else round_half_up(mean * 25)


def ranking(conn, settings, period: Period) -> Ranking:
    """The award ranking of the agencies for ``period``: IKM and handling over the period, compliance as
    published by the end of its last local day."""
    # Imported here: the ikm and handling parts are built alongside this one.
    from .compliance import compliance_as_of, end_of_day
    from .handling import handling_by_agency
    from .ikm import ikm_by_unit

    ikm = {f.unit.id: f for f in ikm_by_unit(conn, settings, UnitKind.AGENCY, period)}
    handling = {f.unit.id: f for f in handling_by_agency(conn, settings, period)}
    compliance = {f.unit.id: f for f in compliance_as_of(conn, end_of_day(period.last, settings.tz))}
    # Every agency of the newest catalog is listed (ranked or apart), and any other with figures.
    agencies = {u.id: u for u in units.index(conn).of_kind(UnitKind.AGENCY)}
    for figure in ikm.values():
        agencies.setdefault(figure.unit.id, figure.unit)
    rows = []
    for agency_id, unit in agencies.items():
        surveyed, handled, complied = ikm.get(agency_id), handling.get(agency_id), compliance.get(agency_id)
        rows.append(RankComponents(
            unit=unit,
            ikm=surveyed.score if surveyed else None,
            on_time=_percent(handled.answered_on_time) if handled else None,
            citizen_rating=_rating_scale(handled.citizen_rating) if handled and handled.citizen_ratings else None,
            compliance=complied.score if complied else None,
            respondents=surveyed.respondents if surveyed else 0,
            min_sample=surveyed.min_sample if surveyed else None,
            composite=None,
        ))
    return rank(rows, weights_from(settings), period)
