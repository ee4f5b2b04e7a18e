"""The catalog as a CSV file for spreadsheets (kiosk/central/standards/csv_io.py, docs/catalog-csv.md).

The demo catalog is the real data; the small files are written here by hand, as a person would save
them from Excel or LibreOffice (comma or semicolon, quoted cells with line breaks, Indonesian numbers).
"""

from __future__ import annotations

import ast
import copy
import csv
import io
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.central.standards import csv_io
from kiosk.central.standards.csv_io import apply_csv, export_csv
from kiosk.domain.catalog import parse_catalog
from kiosk.domain.errors import ValidationError
from kiosk.i18n import messages

REPO = Path(__file__).resolve().parents[2]
DEMO = json.loads((REPO / "assets/demo/catalog.json").read_text(encoding="utf-8"))

# The columns a person may name by their bare key (the export writes "Heading [key]").
KEYS = ["agency_id", "service_id", "name", "name_en", "keywords", "form_id", "fee_idr", "duration_days",
        "requirements", "procedure", "duration", "fees", "products", "complaint_handling", "legal_basis",
        "facilities", "staff_competence", "internal_supervision", "staff_count", "service_guarantee",
        "safety_guarantee", "performance_evaluation"]


def demo() -> dict:
    return copy.deepcopy(DEMO)


def service(doc: dict, service_id: str) -> dict:
    return next(s for s in doc["services"] if s["id"] == service_id)


def exported_rows(data: bytes) -> list[dict[str, str]]:
    """The export read back as a spreadsheet would show it: one dict per row, keyed by column key."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    keys = [cell.rsplit("[", 1)[1].rstrip("]") for cell in rows[0]]
    return [dict(zip(keys, row)) for row in rows[1:]]


def csv_bytes(rows: list[dict[str, str]], *, delimiter: str = ",", header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    header = header or KEYS
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(key, "") for key in header])
    return out.getvalue().encode("utf-8")


def row_of(doc: dict, service_id: str) -> dict[str, str]:
    return next(r for r in exported_rows(export_csv(doc, None)) if r["service_id"] == service_id)


def error_of(doc: dict, data: bytes, agency_ids=None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        apply_csv(doc, data, agency_ids)
    assert caught.value.field == "csv"
    return caught.value


# --- export --------------------------------------------------------------------------------------------


def test_export_has_a_bom_a_readable_header_and_one_row_per_service():
    data = export_csv(DEMO, None)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[0] == "ID instansi [agency_id]"
    assert header[8] == "Persyaratan [requirements]"
    assert header[13] == "Penanganan pengaduan, saran, dan masukan [complaint_handling]"
    assert header[-1] == "Hapus (isi: ya) [delete]"
    assert len(header) == 8 + 14 + 1
    rows = exported_rows(data)
    assert len(rows) == 238
    first = rows[0]
    assert first["service_id"] == "bakesbangpoldagri-bantuan-keuangan-parpol"
    assert first["fee_idr"] == "0" and first["duration_days"] == "30"
    assert first["products"] == ("Berita acara hasil verifikasi\n"
                                 "Keputusan Gubernur tentang penerima bantuan keuangan partai politik")
    assert first["staff_count"] == "6 orang"


def test_export_of_some_agencies_has_only_their_services():
    rows = exported_rows(export_csv(DEMO, frozenset({"bappeda", "bpkad"})))
    assert {r["agency_id"] for r in rows} == {"bappeda", "bpkad"}
    assert len(rows) == 7 + sum(1 for s in DEMO["services"] if s["agency_id"] == "bpkad")
    assert exported_rows(export_csv(DEMO, frozenset())) == []


def test_export_guards_cells_a_spreadsheet_would_run_as_formulas():
    doc = demo()
    svc = service(doc, "bpkad-sewa-aset")
    svc["name"] = '=HYPERLINK("http://evil.example","klik")'
    svc["standard"]["requirements"] = ["+62 812", "@SUM(A1)"]
    svc["standard"]["duration"] = "-3 hari"
    svc["standard"]["fees"] = "'kutip' di depan"
    row = row_of(doc, "bpkad-sewa-aset")
    assert row["name"] == """'=HYPERLINK("http://evil.example","klik")"""
    assert row["requirements"] == "'+62 812\n@SUM(A1)"  # only the start of a cell is read as a formula
    assert row["duration"] == "'-3 hari"
    assert row["fees"] == "''kutip' di depan"
    assert apply_csv(doc, export_csv(doc, None), None) == doc  # and the import takes the apostrophe off


# --- round trip ----------------------------------------------------------------------------------------


def test_demo_catalog_round_trips_and_is_not_touched():
    doc = demo()
    again = apply_csv(doc, export_csv(doc, None), None)
    assert again == DEMO
    assert again is not doc and again["services"] is not doc["services"]
    assert doc == DEMO


def test_semicolon_file_as_indonesian_excel_saves_it_gives_the_same_catalog():
    rows = exported_rows(export_csv(DEMO, None))
    data = csv_bytes(rows, delimiter=";")
    assert data.count(b";") > data.count(b",")
    assert apply_csv(demo(), data, None) == DEMO


# --- applying a file -----------------------------------------------------------------------------------


def test_an_edited_fee_changes_only_that_service_and_missing_services_stay():
    doc = demo()
    row = row_of(doc, "bpkad-sewa-aset")
    row["fee_idr"] = "Rp 30.000"
    row["fees"] = "Rp30.000 per meter persegi per tahun"
    new = apply_csv(doc, csv_bytes([row], delimiter=";"), frozenset({"bpkad"}))
    changed = service(new, "bpkad-sewa-aset")
    assert changed["standard"]["fee_idr"] == 30000
    assert changed["standard"]["fees"] == "Rp30.000 per meter persegi per tahun"
    assert len(new["services"]) == 238  # the 237 services with no row are kept (never deleted by omission)
    expected = demo()
    service(expected, "bpkad-sewa-aset")["standard"].update(fee_idr=30000, fees="Rp30.000 per meter persegi per tahun")
    assert new == expected


@pytest.mark.parametrize(("cell", "rupiah"), [("0", 0), ("50000", 50000), ("50.000", 50000), ("50,000", 50000),
                                              ("1.250.000", 1250000), ("Rp 75.000,-", 75000), (" 7500 ", 7500)])
def test_fees_as_people_write_them(cell, rupiah):
    row = row_of(DEMO, "bpkad-sewa-aset") | {"fee_idr": cell}
    assert service(apply_csv(demo(), csv_bytes([row]), None), "bpkad-sewa-aset")["standard"]["fee_idr"] == rupiah


def test_a_new_row_adds_a_service_after_its_agencys_last_one():
    row = {
        "agency_id": "bappeda", "service_id": "bappeda-konsultasi-rpjmd", "name": "Konsultasi RPJMD",
        "name_en": "RPJMD consultation", "keywords": "rpjmd\nkonsultasi", "form_id": "", "fee_idr": "0",
        "duration_days": "", "requirements": "Surat permohonan\r\nKTP pemohon\n\n", "procedure": "Datang\nKonsultasi",
        "duration": "Hari itu juga", "fees": "Gratis", "products": "Catatan konsultasi",
        "complaint_handling": "SP4N-LAPOR!", "legal_basis": "UU 25/2004", "facilities": "Ruang konsultasi",
        "staff_competence": "Perencana", "internal_supervision": "Atasan langsung", "staff_count": "2 orang",
        "service_guarantee": "Sesuai maklumat", "safety_guarantee": "Data dijaga",
        "performance_evaluation": "Tiap triwulan",
    }
    second = row | {"service_id": "bappeda-konsultasi-rkpd", "name": "Konsultasi RKPD"}
    last_of_bappeda = row_of(DEMO, DEMO["services"][13]["id"]) | {"delete": "x"}
    data = csv_bytes([row, last_of_bappeda, second], header=KEYS + ["delete"])
    new = apply_csv(demo(), data, frozenset({"bappeda"}))
    assert len(new["services"]) == 239
    # bappeda's services were 7..13; 13 is deleted, so the two new ones follow 12, in the file's order.
    assert [s["id"] for s in new["services"][12:16]] == [
        DEMO["services"][12]["id"], "bappeda-konsultasi-rpjmd", "bappeda-konsultasi-rkpd", DEMO["services"][14]["id"]]
    added = new["services"][13]
    assert added["keywords"] == ["rpjmd", "konsultasi"]
    assert "form_id" not in added
    assert added["standard"]["requirements"] == ["Surat permohonan", "KTP pemohon"]  # CRLF and blank lines
    assert added["standard"]["duration_days"] is None and added["standard"]["fee_idr"] == 0
    assert parse_catalog(new).services[13].standard.is_free


def test_a_row_marked_delete_removes_the_service():
    row = {"agency_id": "bappeda", "service_id": DEMO["services"][8]["id"], "delete": "Ya"}
    data = csv_bytes([row], header=KEYS + ["delete"])
    new = apply_csv(demo(), data, frozenset({"bappeda"}))
    assert [s["id"] for s in new["services"]] == [s["id"] for i, s in enumerate(DEMO["services"]) if i != 8]


def test_headings_may_be_bare_keys_or_the_export_headings_in_any_order():
    row = row_of(DEMO, "bpkad-sewa-aset") | {"duration_days": "14"}
    header = list(reversed(KEYS))
    header[0] = "Evaluasi kinerja pelaksana"  # the Indonesian heading alone
    data = csv_bytes([row | {"Evaluasi kinerja pelaksana": row["performance_evaluation"]}], header=header)
    assert service(apply_csv(demo(), data, None), "bpkad-sewa-aset")["standard"]["duration_days"] == 14


# --- refusals, with the row and the column ----------------------------------------------------------------


def test_bad_encoding_is_refused():
    cp1252 = "agency_id,service_id\r\nbpkad,sewa caf\xe9\r\n".encode("cp1252")
    assert error_of(DEMO, cp1252).message.startswith("The file is not UTF-8 text")
    utf16 = export_csv(DEMO, frozenset({"bpkad"})).decode("utf-8-sig").encode("utf-16")
    assert error_of(DEMO, utf16).message.startswith("The file is not UTF-8 text")
    assert error_of(DEMO, b"  \r\n").message == "The file is empty."


def test_unknown_duplicate_and_missing_headings_are_refused():
    exc = error_of(DEMO, csv_bytes([], header=KEYS + ["harga"]))
    assert exc.message == 'Row 1, column {column}: unknown column "{header}".'
    assert exc.params == {"row": 1, "column": "W", "header": "harga"}
    exc = error_of(DEMO, csv_bytes([], header=KEYS + ["fee_idr"]))
    assert exc.params == {"row": 1, "column": "W", "key": "fee_idr"}
    exc = error_of(DEMO, csv_bytes([], header=[k for k in KEYS if k not in ("fees", "staff_count")]))
    assert exc.params == {"row": 1, "columns": "fees, staff_count"}


def test_an_officer_cannot_touch_another_agency():
    mine = row_of(DEMO, "bpkad-sewa-aset")
    theirs = row_of(DEMO, DEMO["services"][8]["id"])  # a bappeda service
    exc = error_of(DEMO, csv_bytes([mine, theirs]), frozenset({"bpkad"}))
    assert exc.message == "Row {row}, column {column}: the agency {agency} is not one you may edit."
    assert exc.params == {"row": 3, "column": "A (agency_id)", "agency": "bappeda"}
    # Claiming a bappeda service for one's own agency is caught too.
    exc = error_of(DEMO, csv_bytes([theirs | {"agency_id": "bpkad"}]), frozenset({"bpkad"}))
    assert exc.params["row"] == 2 and exc.params["column"] == "B (service_id)"
    assert "belongs to an agency you may not edit" in exc.message


@pytest.mark.parametrize("cell", ["lima puluh ribu", "15.5", "-5000", "1.000,000", "", "\u0665\u0660"])
def test_a_fee_that_is_not_a_whole_number_of_rupiah_is_refused(cell):
    row = row_of(DEMO, "bpkad-sewa-aset") | {"fee_idr": cell}
    exc = error_of(DEMO, csv_bytes([row_of(DEMO, "bappeda-permohonan-data"), row]))
    assert exc.params == {"row": 3, "column": "G (fee_idr)"}
    assert exc.message.startswith("Row {row}, column {column}: the fee must be")


def test_a_service_twice_in_the_file_is_refused():
    row = row_of(DEMO, "bpkad-sewa-aset")
    exc = error_of(DEMO, csv_bytes([row, row_of(DEMO, "bappeda-permohonan-data"), row]))
    assert exc.params == {"row": 4, "column": "B (service_id)", "service": "bpkad-sewa-aset", "other": 2}


def test_cells_the_kiosk_would_refuse_are_named():
    row = row_of(DEMO, "bpkad-sewa-aset")
    exc = error_of(DEMO, csv_bytes([row | {"name": "  "}]))
    assert (exc.message, exc.params) == ("Row {row}, column {column}: this cell must not be empty.",
                                         {"row": 2, "column": "C (name)"})
    exc = error_of(DEMO, csv_bytes([row | {"procedure": "\n \n"}]))
    assert exc.params == {"row": 2, "column": "J (procedure)"}
    exc = error_of(DEMO, csv_bytes([row | {"service_id": "Sewa Aset!"}]))
    assert exc.params == {"row": 2, "column": "B (service_id)"}
    exc = error_of(DEMO, csv_bytes([row | {"name": "x" * 201}]))
    assert exc.params == {"row": 2, "column": "C (name)", "limit": 200}
    exc = error_of(DEMO, csv_bytes([row | {"duration_days": "dua"}]))
    assert exc.params == {"row": 2, "column": "H (duration_days)"}
    exc = error_of(DEMO, csv_bytes([row | {"agency_id": "dinas-baru", "service_id": "baru"}]))
    assert exc.message.endswith("there is no such agency in the catalog.")
    exc = error_of(DEMO, csv_bytes([row | {"delete": "mungkin"}], header=KEYS + ["delete"]))
    assert exc.params == {"row": 2, "column": "W (delete)"}
    exc = error_of(DEMO, csv_bytes([row | {"service_id": "tidak-ada", "delete": "ya"}], header=KEYS + ["delete"]))
    assert exc.params == {"row": 2, "column": "B (service_id)", "service": "tidak-ada"}


def test_too_large_or_too_long_files_are_refused_before_reading(monkeypatch):
    big = export_csv(DEMO, None) + b"," * (2 * 1024 * 1024)
    assert error_of(DEMO, big).params == {"limit": 2}
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    rows = [row_of(DEMO, s["id"]) for s in DEMO["services"][:4]]
    assert error_of(DEMO, csv_bytes(rows)).params == {"limit": 3}
    assert apply_csv(demo(), csv_bytes(rows[:3]), None) == DEMO
    # One cell beyond the csv module's field limit (128 KB) inside the 2 MB: a message, not a crash.
    huge = csv_bytes([rows[0], rows[1] | {"legal_basis": "UU " * 50000}])
    exc = error_of(DEMO, huge)
    assert (exc.message, exc.params) == ("Row {row}: this is not a readable CSV row.", {"row": 3})


def test_empty_rows_and_trailing_empty_columns_are_ignored_but_stray_values_are_not():
    row = row_of(DEMO, "bpkad-sewa-aset")
    data = csv_bytes([row, {}], header=KEYS + [""])
    assert apply_csv(demo(), data, None) == DEMO
    stray = csv_bytes([row | {"": "catatan"}], header=KEYS + [""])
    assert error_of(DEMO, stray).params == {"row": 2, "column": "W"}


# --- every message has its Indonesian ------------------------------------------------------------------------


def module_msgids() -> set[str]:
    tree = ast.parse(Path(csv_io.__file__).read_text(encoding="utf-8"))
    found = set(csv_io._CELL_MESSAGES.values()) | {csv_io._CELL_FALLBACK}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_error" and node.args
                and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
    return found


def test_every_message_has_an_indonesian_translation_with_the_same_placeholders():
    table = messages("id")
    found = module_msgids()
    assert len(found) >= 18

    def names(text: str) -> set[str]:
        return {n for _l, n, _s, _c in string.Formatter().parse(text) if n}

    assert sorted(m for m in found if m not in table) == []
    assert sorted(m for m in found if names(m) != names(table[m])) == []
    assert sorted(m for m in found if table[m] == m) == []


# --- round trip on generated services --------------------------------------------------------------------------

# Text as people type it, with what CSV and spreadsheets trip over: quotes, both delimiters, a leading
# formula sign or apostrophe, non-ASCII; single texts may hold line breaks. \r is never kept (see the doc).
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
_RISKY = st.sampled_from(['"', ",", ";", "=", "+", "-", "@", "'", "\u00e9", "Rp", " "])
_piece = st.one_of(_CHARS, _RISKY)
item = st.lists(_piece, min_size=1, max_size=12).map("".join).filter(lambda s: s.strip())
text = st.lists(st.one_of(_piece, st.just("\n")), min_size=1, max_size=20).map("".join).filter(lambda s: s.strip())
ident = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,12}\Z")
items = st.lists(item, min_size=1, max_size=4)


@st.composite
def services(draw):
    ids = draw(st.lists(ident, min_size=1, max_size=4, unique=True))
    out = []
    for sid in ids:
        standard = {key: draw(items) for key in csv_io._LIST_KEYS}
        standard |= {key: draw(text) for key in ("duration", "fees", "staff_count", "service_guarantee",
                                                  "safety_guarantee", "performance_evaluation")}
        standard["fee_idr"] = draw(st.integers(0, 10**12))
        standard["duration_days"] = draw(st.none() | st.integers(0, 3650))
        svc = {"id": sid, "agency_id": draw(st.sampled_from(["bappeda", "bpkad"])),
               "name": draw(item.filter(lambda s: len(s.strip()) <= 200)), "name_en": draw(item),
               "standard": standard}
        if draw(st.booleans()):
            svc["keywords"] = draw(st.lists(item, max_size=3))
        if draw(st.booleans()):
            svc["form_id"] = draw(ident)
        out.append(svc)
    return out


SMALL = {k: v for k, v in DEMO.items() if k != "services"} | {
    "agencies": [a for a in DEMO["agencies"] if a["id"] in ("bappeda", "bpkad")], "services": []}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services())
def test_generated_services_round_trip(generated):
    doc = copy.deepcopy(SMALL) | {"services": generated}
    parse_catalog(doc)  # the generator makes valid catalogs only
    assert apply_csv(doc, export_csv(doc, None), None) == doc
    # and into an empty catalog: the rows add the same services, as a kiosk reads them (grouped by agency)
    added = apply_csv(copy.deepcopy(SMALL), export_csv(doc, None), None)
    assert sorted(parse_catalog(added).services, key=str) == sorted(parse_catalog(doc).services, key=str)
