"""Phone numbers in ranges Indonesia has allocated, and none other (issue #12, item 16).

The shape rules (length, trunk 0, +62) cannot know that no operator has 084x, that 0701 and 0940 are
no area code; libphonenumber's numbering plan does. Real allocated numbers must keep passing, with the
same E.164 form, and the citizen's complaint (kiosk screen, CLI, printed forms) goes through the same
validator.
"""

from __future__ import annotations

import pytest

from kiosk.domain import identity
from kiosk.domain.complaint import validate_complaint
from kiosk.domain.errors import ValidationError
from kiosk.i18n import messages

UNALLOCATED = "No Indonesian phone number starts like this. Please check the first digits."

ALLOCATED = [
    ("0812 3456 7890", "+6281234567890"),  # Telkomsel
    ("0857-1234-5678", "+6285712345678"),  # Indosat
    ("0878 1234 5678", "+6287812345678"),  # XL
    ("0831 2345 6789", "+6283123456789"),  # Axis
    ("0896 1234 5678", "+6289612345678"),  # Tri
    ("0881 1234 5678", "+6288112345678"),  # Smartfren
    ("0370 612345", "+62370612345"),  # Mataram
    ("021 1234 5678", "+622112345678"),  # Jakarta
    ("0361 22345", "+6236122345"),  # Denpasar
    ("0274 512345", "+62274512345"),  # Yogyakarta
    ("0411 812345", "+62411812345"),  # Makassar
    ("0967 533123", "+62967533123"),  # Jayapura
    ("0901 234567", "+62901234567"),  # Timika
]

NOT_ALLOCATED = [
    "0841 2345 6789",  # 084x: no mobile operator
    "0842 1234 5678",
    "+62 849 1234 5678",
    "0701 234567",  # 070x: no area
    "0700 123456",
    "0940 123456",  # 09xx outside Papua's and Maluku's area codes
    "0990 123456",
    "0999 123456",
    "0903 123456",
]


@pytest.mark.parametrize("text, e164", ALLOCATED)
def test_allocated_numbers_pass_in_one_form(text, e164):
    assert identity.normalize_phone(text) == e164


@pytest.mark.parametrize("text", NOT_ALLOCATED)
def test_unallocated_ranges_are_refused_with_our_message(text):
    with pytest.raises(ValidationError) as info:
        identity.normalize_phone(text)
    assert info.value.message == UNALLOCATED
    assert UNALLOCATED in messages("id") and messages("id")[UNALLOCATED] != UNALLOCATED


def test_typos_keep_their_own_messages():
    # The allocation check comes after the shape rules: a short number still says "too short".
    with pytest.raises(ValidationError) as info:
        identity.normalize_phone("0841 234")
    assert info.value.message == identity.MSG_PHONE_MOBILE_SHORT
    with pytest.raises(ValidationError) as info:
        identity.normalize_phone("0800 1 234567")
    assert info.value.message == identity.MSG_PHONE_SHAPE


def test_the_complaint_form_uses_the_same_validator():
    raw = {
        "class": "pengaduan", "topic": "pungli", "agency_id": "dukcapil-kota-mataram", "service_id": "ktp-el",
        "description": "Saya dimintai uang oleh petugas loket.", "incident_date": "2026-02-27", "privacy": "biasa",
        "identity": {"name": "Baiq Nurul", "phone": "0841 2345 6789", "email": ""}, "consent_version": "pdp-2026-01",
    }
    from datetime import date, datetime, timedelta, timezone

    now = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(ValidationError) as info:
        validate_complaint(raw, today=date(2026, 3, 2), now=now)
    assert (info.value.field, info.value.message) == ("identity.phone", UNALLOCATED)
    raw["identity"]["phone"] = "0857 1234 5678"
    assert validate_complaint(raw, today=date(2026, 3, 2), now=now).identity.phone == "+6285712345678"


def test_the_kiosk_screen_uses_the_same_validator():
    # The complaint wizard's identity step maps its phone box to this very function (read from the
    # source: importing the screen needs Kivy).
    from pathlib import Path

    src = (Path(identity.__file__).parent.parent / "ui" / "screens" / "complaint.py").read_text(encoding="utf-8")
    assert '"phone": ident.normalize_phone' in src
