"""The faster ingest path keeps every check (issue 12, item 18): rows read straight from the domain's
object equal the ones built through its JSON form, and the sanitiser's shortcut changes no text."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from kiosk.central import ingest
from kiosk.domain.complaint import (
    _clean_char,
    complaint_from_dict,
    complaint_to_dict,
    sanitize_text,
)

from .serverkit import complaint_record


def test_the_printable_shortcut_of_sanitize_text_is_exact():
    # Every code point str.isprintable() accepts is one _clean_char leaves alone, so a printable line
    # may skip the per-character pass.
    changed = [hex(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable() and _clean_char(chr(c)) != chr(c)]
    assert changed == []
    assert sanitize_text("a\u00a0b\u200bc\tok  ", max_len=50) == "a bc ok"


@pytest.mark.parametrize("privacy", ["biasa", "rahasia", "anonim"])
def test_complaint_rows_equal_the_ones_built_from_the_json_form(privacy):
    body = complaint_record(privacy=privacy)["body"]
    body["complaint"]["incident_date"] = "2026-11-01"
    clock = ingest.Clock(datetime.now(UTC))
    row = ingest.complaint_row(body, clock)
    doc = complaint_to_dict(complaint_from_dict(body["complaint"]))
    assert row["identity"] == (json.dumps(doc["identity"], ensure_ascii=False) if doc["identity"] else None)
    for key in ("class", "topic", "agency_id", "service_id", "privacy", "description", "incident_date",
                "consent_version"):
        assert row[key] == doc[key], key
    assert row["standard_part"] == doc.get("standard_part")
    assert row["consent_at"] == datetime.fromisoformat(doc["consent_at"])
