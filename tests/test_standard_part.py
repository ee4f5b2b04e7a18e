"""The part of the service's standard the citizen says was breached (issue #11, item 2): optional,
one of the standard's parts, only together with a service, and carried through the stored document."""

from __future__ import annotations

import json

import pytest

from kiosk.domain.catalog import ALL_COMPONENTS
from kiosk.domain.complaint import (
    MSG_BAD_CHOICE,
    MSG_PART_WITHOUT_SERVICE,
    STANDARD_PART_COMPONENTS,
    STANDARD_PART_LABELS,
    StandardPart,
    complaint_from_dict,
    complaint_to_dict,
)
from kiosk.i18n import messages

from test_complaint import ok, raw, rejected


def test_a_named_part_is_kept_and_travels_in_the_document():
    c = ok(raw(standard_part=" Biaya "))
    assert c.standard_part is StandardPart.BIAYA
    d = complaint_to_dict(c)
    assert d["standard_part"] == "biaya"
    assert complaint_from_dict(json.loads(json.dumps(d))) == c


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_not_knowing_is_allowed_and_leaves_the_document_as_before(blank):
    c = ok(raw(standard_part=blank))
    assert c.standard_part is None
    # Without a part the document has no such key: a server older than the field still takes it.
    assert "standard_part" not in complaint_to_dict(c)


def test_a_document_from_before_the_field_still_loads():
    d = complaint_to_dict(ok(raw()))
    d.pop("standard_part", None)
    assert complaint_from_dict(d).standard_part is None


def test_an_unknown_part_names_the_choices():
    err = rejected(raw(standard_part="rasa"), "standard_part", MSG_BAD_CHOICE)
    assert "persyaratan" in err.params["choices"] and "pengaduan" in err.params["choices"]


def test_a_part_needs_a_service_whose_standard_it_is():
    rejected(raw(standard_part="waktu", service_id=None), "standard_part", MSG_PART_WITHOUT_SERVICE)


def test_every_part_fits_the_server_column_and_maps_to_a_catalog_component():
    keys = {key for key, _id, _en in ALL_COMPONENTS}
    for part in StandardPart:
        assert len(part.value) <= 16  # complaints.standard_part is String(16)
        assert STANDARD_PART_COMPONENTS[part] in keys
    # The six public parts of PermenPANRB 15/2014 are all there.
    public = {"requirements", "procedure", "duration", "fees", "products", "complaint_handling"}
    assert public <= set(STANDARD_PART_COMPONENTS.values())


def test_every_part_has_an_indonesian_label():
    table = messages("id")
    missing = [label for label in STANDARD_PART_LABELS.values() if label not in table]
    assert not missing
    assert table[STANDARD_PART_LABELS[StandardPart.PERSYARATAN]] == "Persyaratan"
    assert set(STANDARD_PART_LABELS) == set(StandardPart)
