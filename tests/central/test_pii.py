"""pii.find_personal_data: what counts as a NIK, a phone number, an e-mail address in an answer."""

from __future__ import annotations

import pytest

from kiosk.central.pii import find_personal_data, plausible_nik


@pytest.mark.parametrize("nik, ok", [
    ("5271010101900003", True),   # NTB, born 1 Jan 1990
    ("5271014501900003", True),   # a woman: day + 40
    ("3174096112850001", False),  # day 61 - 40 = 21, month 12 ... valid -> see below
    ("0071010101900003", False),  # no province 00
    ("9971010101900003", False),  # no province 99
    ("5271013201900003", False),  # day 32
    ("5271010113900003", False),  # month 13
    ("5271010101900000", False),  # serial 0000
    ("527101010190000", False),   # 15 digits
])
def test_plausible_nik(nik, ok):
    if nik == "3174096112850001":
        ok = True  # DKI Jakarta, a woman born 21 Dec 1985
    assert plausible_nik(nik) is ok


def kinds(text):
    return [(f.kind, text[f.start:f.end]) for f in find_personal_data(text)]


def test_finds_each_kind_in_text_order_without_overlaps():
    text = "NIK 5271010101900003, HP 0812-3456-7890 / +62 370 123456, surel budi.s@desa.go.id."
    assert kinds(text) == [("nik", "5271010101900003"), ("phone", "0812-3456-7890"),
                           ("phone", "+62 370 123456"), ("email", "budi.s@desa.go.id")]


def test_a_nik_written_in_groups_is_found():
    assert [k for k, _ in kinds("nomor 5271 0101 0190 0003 ya")] == ["nik"]


@pytest.mark.parametrize("text", [
    "Biaya resmi Rp 150.000 sesuai Perda Nomor 2 Tahun 2024.",
    "Loket buka pukul 08.00 sampai 15.30, tanggal 12-05-2026.",
    "Surat nomor 800/123/BKD/2026.",
    "",
])
def test_ordinary_answers_have_no_findings(text):
    assert find_personal_data(text) == []


def test_the_masked_form_does_not_hold_the_value():
    (f,) = find_personal_data("hubungi 081234567890")
    assert "081234567890" not in f.masked and f.masked.startswith("081")


def test_a_mobile_number_outside_the_plan_still_counts():
    # Not a valid number for phonenumbers (08 followed by an unassigned prefix), but shaped like one.
    assert [k for k, _ in kinds("WA saya 0800 1234 5678")] == ["phone"]
