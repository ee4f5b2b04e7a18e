"""The SKM report's writers against a figure worked out by hand (tests/central/skm_sample.py): the PDF's
text read back with pypdf, the XLSX opened with openpyxl, the CSV parsed with csv; all three must hold
the same hand-computed numbers. No database: the writers take a figure and return bytes."""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kiosk.central.analytics.figures import ElementFigure
from kiosk.central.reports import numbers
from kiosk.central.reports.skm_pdf import skm_pdf
from kiosk.central.reports.skm_tables import skm_csv, skm_xlsx
from kiosk.domain.ikm import ELEMENTS

from .skm_sample import NRR_ID, RESPONDENTS, WEIGHTED_ID, sample_figure

WITA = timezone(timedelta(hours=8))
MADE = datetime(2026, 4, 2, 9, 30, tzinfo=WITA)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_rounding_is_half_up_and_exact():
    # 78.125 is exactly halfway: half-up gives 78.13 (a float round() gives 78.12 or 78.13 by luck).
    assert numbers.text(Decimal("78.125"), 2, "id") == "78,13"
    assert numbers.text(Fraction(25, 8), 3, "en") == "3.125"
    # 25/72 = 0.347222...; 21/72 = 0.291666... -> 0.292; 2/3 -> 0.667
    assert numbers.text(Fraction(25, 72), 3, "id") == "0,347"
    assert numbers.text(Fraction(21, 72), 3, "id") == "0,292"
    assert numbers.text(Fraction(2, 3), 3, "en") == "0.667"
    assert numbers.text(None, 3) == "-"


def test_indonesian_pdf_holds_the_hand_computed_table():
    data = skm_pdf(sample_figure(), lang="id", province="Nusa Tenggara Barat", generated_at=MADE, demo=True)
    assert data.startswith(b"%PDF")
    text = flat(pdf_text(data))
    assert "Laporan Survei Kepuasan Masyarakat" in text
    assert "DATA DEMO" in text
    assert "Penerbitan Izin Usaha Mikro" in text and "Nusa Tenggara Barat" in text and "Triwulan I 2026" in text
    for e in ELEMENTS:
        # code, name, answers, NRR, weighted NRR on one table row
        assert f"{NRR_ID[e.code]} {WEIGHTED_ID[e.code]}" in text, e.code
    assert "Jumlah NRR tertimbang 3,125" in text  # 225/8/9 = 3.125 exactly
    assert "IKM (jumlah NRR tertimbang x 25) 78,13" in text  # 78.125 half-up
    assert "Mutu pelayanan B" in text and "Kinerja unit pelayanan Baik" in text
    assert "IKM 78,13, mutu B (Baik)" in text  # the cover
    # Sample: 400 users a year, of whom ceil(400 x 90/365) = ceil(98.6) = 99 fall in Q1 2026 (90 days);
    # Krejcie-Morgan for 99: 3.841 x 99 x 0.25 / (0.0025 x 98 + 3.841 x 0.25) = 78.9 -> 79. 8 < 79: the warning.
    assert ("8 responden. Dari 400 pengguna layanan setahun, 99 jatuh pada periode ini; sampel minimum "
            "Krejcie-Morgan untuk mereka adalah 79.") in text
    assert "Peringatan: sampel terlalu kecil." in text
    # Profile: L 5 of 8 = 62,5 %, ages not given 2 of 8 = 25,0 %.
    assert "Laki-laki 5 62,5" in text and "Perempuan 3 37,5" in text and "Tidak diisi 2 25,0" in text
    # Weakest elements, lowest NRR first, and the plan names them.
    weakest = text.split("4. Unsur terlemah")[1]
    assert weakest.index("U8") < weakest.index("U3") < weakest.index("U9")
    assert "5. Rencana tindak lanjut" in text and "Penanggung jawab" in text
    # The grades table with its exact edges.
    assert "88,31 – 100,00" in text and "76,61 – 88,30" in text and "25,00 – 64,99" in text
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    assert "Dibuat oleh iPLiK pada 2 April 2026, 09.30" in text


def test_english_pdf_writes_decimal_points_and_no_demo_mark():
    text = flat(pdf_text(skm_pdf(sample_figure(), lang="en", province="West Nusa Tenggara", generated_at=MADE)))
    assert "Public Satisfaction Survey Report" in text
    assert "3.125 0.347" in text and "2.625 0.292" in text
    assert "Sum of weighted NRR 3.125" in text and "78.13" in text and "78,13" not in text
    assert "Performance (kinerja) Good" in text
    assert "DEMO" not in text
    assert "Page 1 of" in text


def test_a_unit_without_answers_gets_a_report_without_an_index():
    empty = replace(sample_figure(), respondents=0, score=None, band=None, weakest=(), profile={},
                    population=None, min_sample=None,
                    elements=tuple(ElementFigure(e.code, e.name_id, e.name_en, 0, None, None) for e in ELEMENTS))
    text = flat(pdf_text(skm_pdf(empty, lang="id", province="NTB", generated_at=MADE)))
    assert "Belum ada IKM" in text
    assert "Jumlah pengguna layanan setahun unit ini belum diisi" in text
    assert "Peringatan" not in text
    assert "Tidak ada unsur yang mendapat jawaban" in text


def test_pdf_is_quick():
    skm_pdf(sample_figure(), province="NTB", generated_at=MADE)  # fonts registered once per process
    start = time.perf_counter()
    skm_pdf(sample_figure(), province="NTB", generated_at=MADE)
    assert time.perf_counter() - start < 1.0


def xlsx_rows(data: bytes, sheet: str):
    book = load_workbook(io.BytesIO(data))
    return book, book[sheet]


def test_xlsx_holds_the_numbers_as_numbers():
    book, ws = xlsx_rows(skm_xlsx(sample_figure()), "IKM")
    assert book.sheetnames == ["IKM", "Profil"]
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value}
    u8 = rows["U8"]
    assert u8[2].value == RESPONDENTS
    assert isinstance(u8[3].value, (int, float)) and u8[3].value == pytest.approx(2.625)  # 21/8
    assert u8[3].number_format == "0.000"
    assert u8[4].value == pytest.approx(0.292) and u8[4].number_format == "0.000"  # 21/72 = 0.2917 -> 0.292
    by_label = {row[1].value: row for row in ws.iter_rows() if row[1].value}
    ikm = by_label["IKM (jumlah NRR tertimbang x 25)"][4]
    assert ikm.value == pytest.approx(78.13) and ikm.number_format == "0.00" and ikm.data_type == "n"
    assert by_label["Jumlah NRR tertimbang"][4].value == pytest.approx(3.125)
    assert by_label["Mutu pelayanan"][4].value == "B"
    assert rows["Sampel minimum (Krejcie-Morgan)"][1].value == 79
    profile = [[c.value for c in row] for row in book["Profil"].iter_rows()]
    assert ["Jenis kelamin", "Laki-laki", 5, 62.5] in profile  # 5/8
    assert ["Pekerjaan", "Pegawai swasta", 6, 75.0] in profile  # 6/8
    assert book["Profil"]["D2"].number_format == "0.0"


def test_csv_parses_and_matches_the_xlsx():
    text = skm_csv(sample_figure())
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    _book, ws = xlsx_rows(skm_xlsx(sample_figure()), "IKM")
    xlsx_elements = {r[0].value: (r[3].value, r[4].value) for r in ws.iter_rows() if re.fullmatch(r"U[1-9]", str(r[0].value))}
    csv_elements = {r[0]: (float(r[3]), float(r[4])) for r in rows if r and re.fullmatch(r"U[1-9]", r[0])}
    assert csv_elements == xlsx_elements and len(csv_elements) == 9
    assert csv_elements["U4"] == (4.0, 0.444)  # 32/8 = 4, 4/9 = 0.444
    assert ["", "IKM (jumlah NRR tertimbang x 25)", "", "", "78.13"] in rows
    assert ["Usia", "<20", "1", "12.5"] in rows  # 1/8


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_injection_is_guarded(evil):
    figure = sample_figure(name=evil)
    rows = list(csv.reader(io.StringIO(skm_csv(figure).lstrip("\ufeff"))))
    assert ["Unit", "'" + evil] in rows
    _book, ws = xlsx_rows(skm_xlsx(figure), "IKM")
    cell = ws["B1"]
    assert cell.value == "'" + evil and cell.data_type == "s"
