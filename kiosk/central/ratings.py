"""Ratings as the server stores them: an IKM survey's nine answers as columns (aggregates stay one
indexed scan), or a quick rating's face. The domain's parsers are the gate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.errors import ValidationError
from ..domain.rating import KIND_IKM, KIND_QUICK, quick_from_dict, survey_from_dict

ELEMENT_COLUMNS = tuple(f"u{i}" for i in range(1, 10))


def row_from_doc(doc: Any) -> dict[str, Any]:
    """Columns of the ``ratings`` table for a stored rating document; ValidationError if it is bad."""
    if not isinstance(doc, Mapping):
        raise ValidationError("Must be an object (a set of named fields).")
    kind = doc.get("kind")
    if kind == KIND_IKM:
        survey = survey_from_dict(doc)
        scores = {code.lower(): score for code, _name, score in survey.answers}
        return {
            "kind": KIND_IKM,
            "service_id": survey.service_id,
            "agency_id": survey.agency_id,
            **{col: scores.get(col) for col in ELEMENT_COLUMNS},
            "face": None,
        }
    if kind == KIND_QUICK:
        quick = quick_from_dict(doc)
        return {
            "kind": KIND_QUICK,
            "service_id": quick.service_id,
            "agency_id": quick.agency_id,
            **{col: None for col in ELEMENT_COLUMNS},
            "face": quick.face,
        }
    raise ValidationError("Unknown value {value}. Choose one of: {choices}.", field="kind",
                          value=str(kind)[:40], choices=f"{KIND_IKM}, {KIND_QUICK}")
