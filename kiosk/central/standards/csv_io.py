"""The catalog's services as a CSV file for spreadsheets, and such a file applied back to a catalog.

Pure functions on catalog JSON dicts (``iplik-catalog/1``): no database, no HTTP. The rules of the file
(columns, lists in one cell, the formula guard, what a missing row means) are in docs/catalog-csv.md.

- :func:`export_csv`: one row per service, UTF-8 with a BOM so Excel and LibreOffice read it right.
- :func:`apply_csv`: a NEW document with the file's rows applied, validated like the kiosk's catalog
  (:func:`kiosk.domain.catalog.parse_catalog`). Errors are :class:`ValidationError` with ``field="csv"``
  and the row and column in the message's params (``row``, ``column``), so the editor's page can show
  "Row 7, column G (fee_idr): ..." in the reader's language.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterable

from ...domain.catalog import ALL_COMPONENTS, parse_catalog, parse_service
from ...domain.errors import ValidationError

MAX_BYTES = 2 * 1024 * 1024  # a province's whole catalog (the demo's 238 services) is about 0.6 MB
MAX_ROWS = 5000  # data rows; a province has a few hundred services
FIELD = "csv"  # the field every error names: the editor's upload

# (column key, Indonesian heading). The header cell is "Heading [key]": people read the heading, the
# import reads the key in brackets, so a renamed heading or a translated template still imports.
SERVICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("agency_id", "ID instansi"),
    ("service_id", "ID layanan"),
    ("name", "Nama layanan"),
    ("name_en", "Nama layanan (bahasa Inggris)"),
    ("keywords", "Kata kunci"),
    ("form_id", "ID formulir"),
    ("fee_idr", "Biaya dalam rupiah (0 = gratis)"),
    ("duration_days", "Jangka waktu (hari kerja)"),
)
COMPONENT_COLUMNS: tuple[tuple[str, str], ...] = tuple((key, indonesian) for key, indonesian, _en in ALL_COMPONENTS)
DELETE_COLUMN = ("delete", "Hapus (isi: ya)")
COLUMNS = SERVICE_COLUMNS + COMPONENT_COLUMNS + (DELETE_COLUMN,)
REQUIRED = frozenset(key for key, _label in SERVICE_COLUMNS + COMPONENT_COLUMNS)  # "delete" may be left out

# Components that hold a list (one item per line in the cell); the others are one text.
_LIST_KEYS = frozenset({"requirements", "procedure", "products", "complaint_handling", "legal_basis", "facilities",
                        "staff_competence", "internal_supervision"})
_YES = frozenset({"ya", "y", "yes", "x", "1", "hapus", "delete", "true"})
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_KEY = re.compile(r"\[\s*([a-z_]+)\s*\]\s*$")
_FEE = re.compile(r"^(?:rp\.?\s*)?(\d{1,3}(?:([.,\s])\d{3})(?:\2\d{3}){0,3}|\d{1,13})(?:,-)?$", re.IGNORECASE | re.ASCII)
_DELIMITERS = (",", ";", "\t")

# What parse_service says about one service -> what we tell the person about one cell.
_CELL_MESSAGES = {
    "must not be empty": "Row {row}, column {column}: this cell must not be empty.",
    "is longer than {limit} characters": "Row {row}, column {column}: the text is longer than {limit} characters.",
    "must be a short id of lowercase letters, digits and dashes":
        "Row {row}, column {column}: use a short id of lowercase letters, digits and dashes.",
    "must be a form id": "Row {row}, column {column}: use a short id of lowercase letters, digits and dashes.",
    "names an unknown agency": "Row {row}, column {column}: there is no such agency in the catalog.",
    "must be a whole number of working days":
        "Row {row}, column {column}: the working days must be a whole number from 0 to 3650, or empty.",
}
_CELL_FALLBACK = "Row {row}, column {column}: this value is not valid."


# --- export ------------------------------------------------------------------------------------------


def header_cell(key: str, label: str) -> str:
    return f"{label} [{key}]"


def export_csv(doc: dict, agency_ids: frozenset[str] | None) -> bytes:
    """One row per service of ``doc`` (only ``agency_ids``' services unless None), as UTF-8 CSV with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header_cell(key, label) for key, label in COLUMNS])
    for service in doc.get("services", []):
        if agency_ids is not None and service.get("agency_id") not in agency_ids:
            continue
        writer.writerow([_guard(cell) for cell in _service_row(service)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _service_row(service: dict) -> list[str]:
    standard = service.get("standard", {})
    days = standard.get("duration_days")
    row = [
        service.get("agency_id", ""),
        service.get("id", ""),
        service.get("name", ""),
        service.get("name_en", ""),
        _cell_of(service.get("keywords", [])),
        service.get("form_id") or "",
        str(standard.get("fee_idr", "")),
        "" if days is None else str(days),
    ]
    row += [_cell_of(standard.get(key, "")) for key, _label in COMPONENT_COLUMNS]
    row.append("")  # delete: empty, there for whoever wants to remove a service
    return row


def _cell_of(value) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value)


def _guard(cell: str) -> str:
    # An apostrophe before a formula start makes spreadsheets show the text; one before a text that
    # already starts with an apostrophe keeps the import's "drop one leading apostrophe" exact.
    return "'" + cell if cell.startswith(_FORMULA_START + ("'",)) else cell


# --- import ------------------------------------------------------------------------------------------


def apply_csv(doc: dict, data: bytes, agency_ids: frozenset[str] | None) -> dict:
    """A new catalog document: ``doc`` with the rows of the CSV ``data`` applied.

    A row whose service id is in the catalog updates that service, a new id adds a service, a row with
    "ya" in the delete column removes it; a service with no row is left as it is (docs/catalog-csv.md).
    With ``agency_ids`` set, every row must belong to one of those agencies. Raises ValidationError.
    """
    rows = _read_rows(data)
    columns = _columns(rows[0])
    new_doc = copy.deepcopy(doc)
    services: list[dict | None] = list(new_doc.get("services", []))  # None: deleted by a row
    index_of = {s.get("id"): i for i, s in enumerate(services) if isinstance(s, dict)}
    added: list[dict] = []  # new services, in the file's order; placed once every row is read
    agencies_in_doc = {a.get("id") for a in new_doc.get("agencies", []) if isinstance(a, dict)}
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows[1:], start=2):  # row 1 is the header, as the spreadsheet counts
        cells = _cells(raw, columns, number)
        if cells is None:
            continue
        where = _Where(number, columns)
        for key in ("agency_id", "service_id"):
            cells[key] = cells[key].strip()
            if not cells[key]:
                raise _error(_CELL_MESSAGES["must not be empty"], where, key)
        service_id = cells["service_id"]
        if service_id in seen:
            raise _error("Row {row}, column {column}: the service {service} is also in row {other}.",
                         where, "service_id", service=service_id[:64], other=seen[service_id])
        seen[service_id] = number
        agency_id = cells["agency_id"]
        if agency_ids is not None and agency_id not in agency_ids:
            raise _error("Row {row}, column {column}: the agency {agency} is not one you may edit.",
                         where, "agency_id", agency=agency_id[:64])
        index = index_of.get(service_id)
        if index is not None and agency_ids is not None and services[index].get("agency_id") not in agency_ids:
            raise _error("Row {row}, column {column}: the service {service} belongs to an agency you may not edit.",
                         where, "service_id", service=service_id[:64])
        if _is_delete(cells.get("delete", ""), where):
            if index is None:
                raise _error("Row {row}, column {column}: there is no service {service} to delete.",
                             where, "service_id", service=service_id[:64])
            services[index] = None
            continue
        service = _updated(services[index] if index is not None else {}, cells, where)
        _check_service(service, where, agencies_in_doc)
        if index is None:
            added.append(service)
        else:
            services[index] = service
    new_doc["services"] = _placed([s for s in services if s is not None], added)
    parse_catalog(new_doc)  # the whole catalog, as a kiosk will read it
    return new_doc


def _placed(services: list[dict], added: list[dict]) -> list[dict]:
    """``services`` with each new one after the last service of its agency, so the kiosk lists it with its
    siblings (at the end when the agency has none yet); new ones keep the file's order among themselves."""
    last = {s.get("agency_id"): i for i, s in enumerate(services)}
    after: dict[int, list[dict]] = {}
    at_end: list[dict] = []
    for service in added:
        index = last.get(service["agency_id"])
        (at_end if index is None else after.setdefault(index, [])).append(service)
    placed: list[dict] = []
    for index, service in enumerate(services):
        placed.append(service)
        placed.extend(after.get(index, ()))
    return placed + at_end


class _Where:
    """Row number and the file's column letters, for messages."""

    def __init__(self, row: int, columns: dict[str, int]) -> None:
        self.row = row
        self.columns = columns

    def column(self, key: str) -> str:
        index = self.columns.get(key)
        return key if index is None else f"{_letters(index)} ({key})"


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name for a column."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _error(message: str, where: _Where | None, cell: str | None = None, /, **params) -> ValidationError:
    """The error of the file (``where`` None) or of one cell: its row, and its column by letter and key."""
    if where is not None:
        params = {"row": where.row, "column": where.column(cell) if cell else "", **params}
    return ValidationError(message, field=FIELD, **params)


def _read_rows(data: bytes) -> list[list[str]]:
    if len(data) > MAX_BYTES:
        raise _error("The file is larger than {limit} MB.", None, limit=MAX_BYTES // (1024 * 1024))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise _error('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.', None)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.', None) from None
    if not text.strip():
        raise _error("The file is empty.", None)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[str]] = []
    try:
        for raw in reader:
            rows.append(raw)
            if len(rows) > MAX_ROWS + 1:
                raise _error("The file has more than {limit} rows.", None, limit=MAX_ROWS)
    except csv.Error:
        raise _error("Row {row}: this is not a readable CSV row.", None, row=len(rows) + 1) from None
    return rows


def _delimiter(text: str) -> str:
    """Comma, semicolon (Indonesian Excel) or tab: the one seen most often outside quotes in the header."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in text[:10000]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in ("\n", "\r"):
            break
        elif not quoted and char in counts:
            counts[char] += 1
    return max(_DELIMITERS, key=lambda d: counts[d])  # ties go to the comma (first)


def _header_key(cell: str) -> str:
    cell = _unguard(cell).strip()
    found = _HEADER_KEY.search(cell)
    if found:
        return found.group(1)
    for key, label in COLUMNS:
        if cell.lower() in (key, label.lower()):
            return key
    return cell


def _columns(header: list[str]) -> dict[str, int]:
    """Column key -> its index in the file; every column but "delete" must be there, once."""
    known = {key for key, _label in COLUMNS}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if not key:
            continue  # an empty header cell (a spreadsheet's trailing column): its cells must stay empty
        if key not in known:
            raise _error('Row 1, column {column}: unknown column "{header}".', None,
                         row=1, column=_letters(index), header=cell.strip()[:80])
        if key in columns:
            raise _error("Row 1, column {column}: the column {key} appears twice.", None,
                         row=1, column=_letters(index), key=key)
        columns[key] = index
    missing = [key for key, _label in COLUMNS if key in REQUIRED and key not in columns]
    if missing:
        raise _error("Row 1: these columns are missing: {columns}.", None, row=1, columns=", ".join(missing))
    return columns


def _cells(raw: list[str], columns: dict[str, int], number: int) -> dict[str, str] | None:
    """The row's cells by key (None for an empty row); a value in a column with no header is an error."""
    values = [_unguard(cell).replace("\r\n", "\n").replace("\r", "\n") for cell in raw]
    if not any(v.strip() for v in values):
        return None
    used = set(columns.values())
    for index, value in enumerate(values):
        if index not in used and value.strip():
            raise _error("Row {row}, column {column}: this column has no heading.", None,
                         row=number, column=_letters(index))
    return {key: (values[index] if index < len(values) else "") for key, index in columns.items()}


def _unguard(cell: str) -> str:
    return cell.removeprefix("'")


def _is_delete(value: str, where: _Where) -> bool:
    word = value.strip().lower()
    if not word:
        return False
    if word in _YES:
        return True
    raise _error('Row {row}, column {column}: write "ya" to delete the service, or leave the cell empty.',
                 where, "delete")


# --- one service from one row ---------------------------------------------------------------------------


def _updated(old: dict, cells: dict[str, str], where: _Where) -> dict:
    """``old`` (a copy) with the row's values; a cell that means what is there already leaves it untouched,
    so a file exported and imported again gives back the very same document."""
    service = copy.deepcopy(old)
    service["id"] = cells["service_id"].strip()
    service["agency_id"] = cells["agency_id"].strip()
    _put_text(service, "name", cells["name"])
    _put_text(service, "name_en", cells["name_en"])
    _put_list(service, "keywords", cells["keywords"], absent_when_empty=True)
    form_id = cells["form_id"].strip()
    if form_id:
        service["form_id"] = form_id
    elif service.get("form_id") is not None:
        service["form_id"] = None
    standard = service.get("standard")
    if not isinstance(standard, dict):
        standard = {}
    service["standard"] = standard
    for key, _label in COMPONENT_COLUMNS:
        if key in _LIST_KEYS:
            _put_list(standard, key, cells[key])
        else:
            _put_text(standard, key, cells[key])
        if key == "duration":
            standard["duration_days"] = _days(cells["duration_days"], where)
        elif key == "fees":
            standard["fee_idr"] = _fee(cells["fee_idr"], where)
    return service


def _put_text(target: dict, key: str, cell: str) -> None:
    new = cell.strip()
    old = target.get(key)
    if not (isinstance(old, str) and old.strip() == new):
        target[key] = new


def _put_list(target: dict, key: str, cell: str, *, absent_when_empty: bool = False) -> None:
    new = _lines(cell)
    old = target.get(key)
    if key not in target and absent_when_empty and not new:
        return
    if _normal_list(old) != new:
        target[key] = new


def _lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.split("\n") if line.strip()]


def _normal_list(value) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


def _fee(cell: str, where: _Where) -> int:
    """Rupiah as a whole number: 50000, 50.000, 50,000, Rp 50.000 (thousands grouped by three only)."""
    found = _FEE.match(cell.strip())
    if not found:
        raise _error("Row {row}, column {column}: the fee must be a whole number of rupiah, for example 50000.",
                     where, "fee_idr")
    return int(re.sub(r"[^0-9]", "", found.group(1)))


def _days(cell: str, where: _Where) -> int | None:
    text = cell.strip()
    if not text:
        return None
    if not text.isdigit() or not text.isascii() or len(text) > 4:
        raise _error("Row {row}, column {column}: the working days must be a whole number from 0 to 3650, or empty.",
                     where, "duration_days")
    return int(text)


def _check_service(service: dict, where: _Where, agency_ids: Iterable[str]) -> None:
    """The kiosk's own rules for one service, reported at the row and column they are about."""
    try:
        parse_service(service, "service", set(agency_ids))
    except ValidationError as exc:
        key = (exc.field or "").rsplit(".", 1)[-1]
        key = {"id": "service_id"}.get(key, key)
        message = _CELL_MESSAGES.get(exc.message, _CELL_FALLBACK)
        raise _error(message, where, key, **exc.params) from None
