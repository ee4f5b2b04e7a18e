"""The printed complaint receipt, checked the way a printer and a citizen meet it: rasterised at the
203 dpi of a thermal head and scanned, its text extracted, its edges and fonts inspected."""

from __future__ import annotations

import dataclasses
import io
import shutil
import statistics
import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from kiosk.domain.complaint import ComplaintClass, Privacy, Topic
from kiosk.i18n import messages, translator
from kiosk.printing import receipt as receipt_mod
from kiosk.printing.fonts import BOLD, REGULAR, register_fonts
from kiosk.printing.qr import QUIET_ZONE, qr_matrix, qr_png
from kiosk.printing.receipt import ReceiptInfo, format_day, format_moment, render_receipt, wrap_runs

zxingcpp = pytest.importorskip("zxingcpp")
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils not installed"
)

MM = 72 / 25.4
DPI = 203
WITA = timezone(timedelta(hours=8))

CODE = "K7PM-Q2HX-9RT"
URL = f"https://iplik.ntbprov.go.id/lacak/{CODE}"
AGENCY = "Badan Pengelolaan Keuangan dan Aset Daerah Provinsi Nusa Tenggara Barat"
PENDING_ID = (
    "Tercatat di kiosk ini dan akan dikirim ke pusat pengaduan saat tersambung. "
    "Kode lacak sudah bisa dipakai di kiosk ini."
)
PENDING_EN = (
    "Recorded at this kiosk and will be sent to the complaint centre when connected. "
    "The tracking code already works at this kiosk."
)
CONFIRMED_ID = "Diterima oleh pusat pengaduan"
CONFIRMED_EN = "Received by the complaint centre"

# Personal data that exists in the citizen's complaint but must never reach paper.
CITIZEN_NAME = "Baiq Nurul Hidayati"
CITIZEN_PHONE = "081234567890"
CITIZEN_NIK = "5271014512900003"


def make_info(**changes) -> ReceiptInfo:
    base = dict(
        office_name="Mal Pelayanan Publik Provinsi Nusa Tenggara Barat",
        kiosk_name="MPP-LOBI-01",
        filed_at=datetime(2026, 11, 23, 14, 5, tzinfo=WITA),
        tracking_code=CODE,
        tracking_url=URL,
        complaint_class=ComplaintClass.PENGADUAN,
        topic=Topic.PUNGLI,
        privacy=Privacy.RAHASIA,
        agency_name=AGENCY,
        service_name="Pembayaran Pajak Kendaraan Bermotor",
        confirmed=False,
        deadlines=(
            ("Checked and forwarded by", date(2026, 11, 26)),
            ("Answered by about", date(2026, 12, 3)),
        ),
    )
    base.update(changes)
    return ReceiptInfo(**base)


def write_pdf(tmp_path: Path, info: ReceiptInfo, *, lang: str = "id", width_mm: float = 80) -> Path:
    path = tmp_path / f"receipt-{lang}-{width_mm:g}-{int(info.confirmed)}.pdf"
    path.write_bytes(render_receipt(info, lang=lang, width_mm=width_mm))
    return path


def rasterise(pdf: Path) -> Image.Image:
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(pdf), str(stem)], check=True)
    return Image.open(stem.with_suffix(".png")).convert("L")


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Line breaks from wrapping removed: what a reader reads."""
    return " ".join(text.split())


# --- the QR: scanned from the page as a 203 dpi printer would print it ------------------------------


@needs_poppler
@pytest.mark.parametrize("width_mm", [80, 58])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_qr_on_the_printed_page_scans_to_the_tracking_url(tmp_path, width_mm, lang):
    image = rasterise(write_pdf(tmp_path, make_info(), lang=lang, width_mm=width_mm))
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [URL]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


@needs_poppler
@pytest.mark.parametrize("width_mm", [80, 58])
def test_a_long_tracking_url_still_scans(tmp_path, width_mm):
    url = "https://pengaduan.ntbprov.go.id/iplik/lacak?kode=K7PM-Q2HX-9RT&kiosk=MPP-LOBI-01&bahasa=id"
    image = rasterise(write_pdf(tmp_path, make_info(tracking_url=url), width_mm=width_mm))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [url]


@needs_poppler
def test_qr_modules_are_whole_printer_dots(tmp_path):
    """Every module of the printed symbol is a uniform square of whole 203 dpi dots (no grey edges)."""
    image = rasterise(write_pdf(tmp_path, make_info(), width_mm=80))
    found = zxingcpp.read_barcodes(image)
    pos = found[0].position
    left = min(pos.top_left.x, pos.bottom_left.x)
    right = max(pos.top_right.x, pos.bottom_right.x)
    n = len(qr_matrix(URL))
    module_px = (right - left + 1) / n
    assert abs(module_px - round(module_px)) < 0.2
    size_mm = n * round(module_px) / DPI * 25.4
    assert 30 <= size_mm <= 35
    assert set(image.crop((left, pos.top_left.y, right, pos.bottom_left.y)).getdata()) <= {0, 255}


def test_qr_matrix_is_the_bare_symbol_at_error_correction_m():
    m = qr_matrix("HELLO")
    assert len(m) == 21 and all(len(row) == 21 for row in m)  # version 1: the smallest that fits
    assert all(m[0][:7]) and all(m[6][:7]) and all(m[0][-7:])  # finder patterns touch the edges
    png = qr_png(URL, 5)
    image = Image.open(io.BytesIO(png))
    n = len(qr_matrix(URL))
    assert image.size == ((n + 2 * QUIET_ZONE) * 5,) * 2
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [URL]
    assert found[0].ec_level == "M"


def test_qr_png_has_a_white_quiet_zone():
    image = Image.open(io.BytesIO(qr_png(URL, 4))).convert("L")
    quiet = QUIET_ZONE * 4
    w, _h = image.size
    for box in ((0, 0, w, quiet), (0, w - quiet, w, w), (0, 0, quiet, w), (w - quiet, 0, w, w)):
        assert set(image.crop(box).getdata()) == {255}


def test_qr_rejects_empty_data():
    with pytest.raises(ValueError):
        qr_matrix("")
    with pytest.raises(ValueError):
        qr_png(URL, 0)


# --- the words ---------------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("width_mm", [80, 58])
def test_indonesian_receipt_not_yet_confirmed(tmp_path, width_mm):
    text = pdf_text(write_pdf(tmp_path, make_info(confirmed=False), lang="id", width_mm=width_mm))
    lines = [line.strip() for line in text.splitlines()]
    assert CODE in lines  # on one line, unbroken, as a citizen types it
    words = flat(text)
    assert "Bukti pengaduan" in words
    assert "Senin, 23 November 2026 14:05 WITA" in words
    assert AGENCY in words
    assert PENDING_ID in words
    assert CONFIRMED_ID not in words
    assert "Kamis, 26 November 2026" in words and "Kamis, 3 Desember 2026" in words
    assert URL in words.replace("/ ", "/")  # the address may wrap after a slash
    assert "tidak memuat data pribadi" in words
    assert "MPP-LOBI-01" in words
    assert "DEMO" not in words


@needs_poppler
@pytest.mark.parametrize("width_mm", [80, 58])
def test_english_receipt_confirmed(tmp_path, width_mm):
    text = pdf_text(write_pdf(tmp_path, make_info(confirmed=True, demo=True), lang="en", width_mm=width_mm))
    assert CODE in [line.strip() for line in text.splitlines()]
    words = flat(text)
    assert "Complaint receipt" in words
    assert "Monday, 23 November 2026 14:05 WITA" in words
    assert AGENCY in words
    assert CONFIRMED_EN in words
    assert PENDING_EN not in words and "Recorded at this kiosk" not in words
    assert "none of your personal data" in words
    assert "DEMO" in words


@needs_poppler
def test_status_texts_in_both_languages(tmp_path):
    cases = {
        ("id", False): (PENDING_ID, CONFIRMED_ID),
        ("id", True): (CONFIRMED_ID, PENDING_ID),
        ("en", False): (PENDING_EN, CONFIRMED_EN),
        ("en", True): (CONFIRMED_EN, PENDING_EN),
    }
    for (lang, confirmed), (shown, hidden) in cases.items():
        words = flat(pdf_text(write_pdf(tmp_path, make_info(confirmed=confirmed), lang=lang)))
        assert shown in words, (lang, confirmed)
        assert hidden not in words, (lang, confirmed)


@needs_poppler
@pytest.mark.parametrize(
    ("cls", "title_id", "title_en"),
    [
        (ComplaintClass.PENGADUAN, "Bukti pengaduan", "Complaint receipt"),
        (ComplaintClass.ASPIRASI, "Bukti aspirasi", "Suggestion receipt"),
        (ComplaintClass.PERMINTAAN_INFORMASI, "Bukti permintaan informasi", "Information request receipt"),
    ],
)
def test_title_follows_the_complaint_class(tmp_path, cls, title_id, title_en):
    info = make_info(complaint_class=cls)
    assert title_id in flat(pdf_text(write_pdf(tmp_path, info, lang="id")))
    assert title_en in flat(pdf_text(write_pdf(tmp_path, info, lang="en")))


@needs_poppler
def test_agency_and_service_may_be_absent(tmp_path):
    words = flat(pdf_text(write_pdf(tmp_path, make_info(agency_name=None, service_name=None, deadlines=()))))
    assert "Instansi:" not in words and "Layanan:" not in words
    assert CODE in words and PENDING_ID in words


def test_every_receipt_text_has_an_indonesian_translation():
    table = messages("id")
    msgids = [value for name, value in vars(receipt_mod).items() if name.startswith("MSG_")]
    msgids += [*receipt_mod.TITLES.values(), *receipt_mod.PRIVACY_NOTES.values()]
    assert [m for m in msgids if m not in table] == []
    assert translator("id")(receipt_mod.MSG_PENDING) == PENDING_ID


def test_indonesian_dates():
    assert format_day(date(2026, 11, 23), "id") == "Senin, 23 November 2026"
    assert format_day(date(2027, 8, 17), "id") == "Selasa, 17 Agustus 2027"
    assert format_day(date(2026, 5, 3), "en") == "Sunday, 3 May 2026"
    assert format_moment(datetime(2026, 1, 2, 8, 7, tzinfo=timezone(timedelta(hours=7))), "id") == (
        "Jumat, 2 Januari 2026 08:07 WIB"
    )
    assert format_moment(datetime(2026, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=9))), "en").endswith(
        "09:00 WIT"
    )
    assert format_moment(datetime(2026, 1, 2, 9, 0, tzinfo=timezone.utc), "id").endswith("UTC+00:00")


# --- no personal data ----------------------------------------------------------------------------------


def test_receipt_info_has_no_identity_fields():
    names = {f.name for f in dataclasses.fields(ReceiptInfo)}
    assert not names & {"name", "nik", "phone", "email", "identity", "contact", "reporter", "description"}
    with pytest.raises(TypeError):
        make_info(name=CITIZEN_NAME)  # there is nowhere to put it
    with pytest.raises(TypeError):
        make_info(phone=CITIZEN_PHONE)


@needs_poppler
def test_no_personal_data_reaches_paper(tmp_path):
    for lang in ("id", "en"):
        pdf = write_pdf(tmp_path, make_info(privacy=Privacy.BIASA), lang=lang)
        raw = pdf.read_bytes()
        text = pdf_text(pdf)
        meta = " ".join(str(v) for v in (PdfReader(pdf).metadata or {}).values())
        for secret in (CITIZEN_NAME, CITIZEN_PHONE, CITIZEN_NIK, "Baiq", "0812"):
            assert secret not in text and secret not in meta
            assert secret.encode() not in raw


def test_receipt_info_rejects_bad_values():
    with pytest.raises(ValueError):
        make_info(filed_at=datetime(2026, 11, 23, 14, 5))  # naive: which zone?
    with pytest.raises(ValueError):
        make_info(tracking_url="")
    with pytest.raises(ValueError):
        make_info(topic="not-a-topic")
    with pytest.raises(ValueError):
        render_receipt(make_info(), width_mm=20)


# --- geometry: the roll's width, nothing outside it, no blank tail -----------------------------------

LONG_AGENCY = (
    "Dinas Pemberdayaan Masyarakat, Pemerintahan Desa, Kependudukan dan Pencatatan Sipil Provinsi "
    "Nusa Tenggara Barat Unit Pelaksana Teknis Daerah Pelayanan Administrasi Kependudukan Terpadu "
    "Kabupaten Lombok Tengah"
)
UNBREAKABLE = "UPTD" + "X" * 70  # one "word" wider than any roll


@needs_poppler
@pytest.mark.parametrize("width_mm", [80, 58])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_page_is_the_roll_width_and_nothing_runs_off_it(tmp_path, width_mm, lang):
    info = make_info(
        agency_name=LONG_AGENCY,
        service_name=UNBREAKABLE,
        office_name="Kantor " + LONG_AGENCY,
        kiosk_name="KIOSK-" + "9" * 50,
        demo=True,
    )
    pdf = write_pdf(tmp_path, info, lang=lang, width_mm=width_mm)
    page = PdfReader(pdf).pages[0]
    assert float(page.mediabox.width) == pytest.approx(width_mm * MM, abs=0.01)
    assert float(page.mediabox.left) == 0 and float(page.mediabox.bottom) == 0

    image = rasterise(pdf)
    w, h = image.size
    assert w == pytest.approx(width_mm / 25.4 * DPI, abs=1)
    edge = round(2.5 / 25.4 * DPI)  # the 3 mm margins, less half a millimetre of tolerance
    assert set(image.crop((0, 0, edge, h)).getdata()) == {255}, "ink in the left margin"
    assert set(image.crop((w - edge, 0, w, h)).getdata()) == {255}, "ink in the right margin"

    rows = [y for y in range(h) if min(image.crop((0, y, w, y + 1)).getdata()) < 128]
    first_ink, last_ink = rows[0], rows[-1]
    assert first_ink > 0 and last_ink < h - 1  # nothing cut at the top or bottom
    assert (h - 1 - last_ink) / DPI * 25.4 < 8, "blank tail after the last line"

    # The long agency name is wrapped over several lines, every word kept, in order.
    text = pdf_text(pdf)
    assert flat(text).count(LONG_AGENCY) >= 1
    agency_lines = [line for line in text.splitlines() if "Kependudukan" in line or "Lombok" in line]
    assert len(agency_lines) >= 2
    assert UNBREAKABLE in flat(text).replace(" ", "")
    assert CODE in [line.strip() for line in text.splitlines()]  # the large code still fits one line


@pytest.mark.parametrize("width_mm", [80, 58])
def test_text_x_extents_stay_inside_the_margins(tmp_path, width_mm):
    """Every string drawn in the PDF, measured with the font's real advance widths."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    info = make_info(agency_name=LONG_AGENCY, service_name=UNBREAKABLE, tracking_url=URL + "?q=" + "q" * 90)
    pdf = write_pdf(tmp_path, info, width_mm=width_mm)
    drawn = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            font = BOLD if "Bold" in str(font_dict["/BaseFont"]) else REGULAR
            drawn.append((text.strip("\n"), tm[4] + cm[4], font, font_size * tm[0]))

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    assert len(drawn) > 30
    for text, x, font, size in drawn:
        right = x + stringWidth(text, font, size)
        assert x >= 3 * MM - 0.01, text
        assert right <= (width_mm - 3) * MM + 0.01, text


def test_wrap_breaks_addresses_after_a_slash_and_keeps_words():
    register_fonts()
    lines = wrap_runs([("Atau di: ", REGULAR), (URL, BOLD)], 10, 52 * MM)
    texts = ["".join(t for t, _f in runs) for runs, _w in lines]
    assert "".join(texts).replace(" ", "") == ("Atau di: " + URL).replace(" ", "")
    assert any(t.endswith("/") for t in texts[:-1])
    assert all(w <= 52 * MM + 1e-6 for _r, w in lines)


# --- fonts ---------------------------------------------------------------------------------------------


def test_fonts_are_embedded_and_only_ours(tmp_path):
    pdf = write_pdf(tmp_path, make_info(demo=True))
    fonts = PdfReader(pdf).pages[0]["/Resources"]["/Font"]
    assert len(fonts) >= 2  # regular and bold
    for ref in fonts.values():
        font = ref.get_object()
        if font["/Subtype"] == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]
        assert "Helvetica" not in str(font["/BaseFont"])


def test_font_registration_is_idempotent():
    assert register_fonts() == (REGULAR, BOLD) == ("KioskSans", "KioskSans-Bold")
    assert register_fonts() == (REGULAR, BOLD)


# --- speed (the real measure is bench/bench_receipt.py; this only catches a gross regression) --------


def test_rendering_is_fast():
    render_receipt(make_info())
    times = []
    for i in range(20):
        info = make_info(tracking_code=f"K7PM-Q2HX-{i:03d}", tracking_url=f"{URL}{i}")
        t = time.perf_counter()
        render_receipt(info, width_mm=(58, 80)[i % 2])
        times.append(time.perf_counter() - t)
    assert statistics.median(times) < 0.1
