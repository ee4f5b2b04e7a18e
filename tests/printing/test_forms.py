"""Application forms: every file in forms/ loads and is linked from the catalog, the fill rules name the
field they refuse, and every form renders blank and filled to an A4 page whose text, boxes and QR a
clerk can read."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.domain.errors import ValidationError
from kiosk.errors import NotFound
from kiosk.i18n import messages
from kiosk.paths import DEMO_CATALOG, FORMS
from kiosk.printing import formpdf, forms
from kiosk.printing.forms import FormFileError, load_form, load_forms

from .conftest import flat, needs_poppler, png_of, qr_texts, text_of

WITA = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 23)
ALL = load_forms(FORMS)
CTX = dict(agency_name="Dinas Komunikasi, Informatika dan Statistik Provinsi Nusa Tenggara Barat",
           agency_address="Jl. Udayana No. 4, Mataram", agency_phone="(0370) 639156",
           agency_email="diskominfotik@ntbprov.go.id", kiosk_name="Kiosk Lobi", ref="F-K7PM-Q2HX",
           printed_at=datetime(2026, 11, 23, 10, 30, tzinfo=WITA))


# --- the files -------------------------------------------------------------------------------------


def test_every_form_file_loads_and_there_are_enough():
    files = sorted(FORMS.glob("*.toml"))
    assert len(files) == len(ALL) >= 12
    assert len({f.agency_id for f in ALL.values()}) >= 8
    for spec in ALL.values():
        assert spec.kiosk_fields and spec.title.id and spec.title.en
        assert spec.keep_after_print is False  # the default, and every form here keeps it


def test_every_catalog_form_id_has_a_form_file():
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    agencies = {a["id"] for a in catalog["agencies"]}
    linked = {s["form_id"]: s for s in catalog["services"] if s.get("form_id")}
    missing = sorted(set(linked) - set(ALL))
    assert not missing, f"catalog services link to forms without a file in forms/: {missing}"
    for form_id, service in linked.items():
        assert ALL[form_id].agency_id == service["agency_id"], form_id
    for spec in ALL.values():
        assert spec.agency_id in agencies, spec.id
    # Forms no demo service links to (dinkes-sipa serves the test catalog's pharmacist service).
    assert sorted(set(ALL) - set(linked)) == ["dinkes-sipa"]


@pytest.mark.parametrize("form_id", sorted(ALL))
def test_example_values_pass_the_rules(form_id):
    spec = ALL[form_id]
    clean = spec.validate_values(spec.example_values(), today=TODAY)
    required = {f.id for f in spec.kiosk_fields if f.required}
    assert required <= set(clean)
    assert spec.errors(spec.example_values(), today=TODAY) == {}


def test_every_message_is_translated():
    table = messages("id")
    msgs = [v for mod in (forms, formpdf) for k, v in vars(mod).items() if k.startswith("MSG_")]
    assert len(msgs) > 30 and not [m for m in msgs if m not in table]


# --- fill rules ------------------------------------------------------------------------------------


def spec(form_id="permohonan-informasi-publik"):
    return ALL[form_id]


def error(form, values, today=TODAY) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        form.validate_values(values, today=today)
    return err.value


def base(form_id="permohonan-informasi-publik", **changes):
    values = ALL[form_id].example_values()
    values.update(changes)
    return {k: v for k, v in values.items() if v is not ...}


@pytest.mark.parametrize(
    ("form_id", "changes", "field", "message", "params"),
    [
        ("permohonan-informasi-publik", {"nama": ...}, "nama", forms.MSG_REQUIRED, {}),
        ("permohonan-informasi-publik", {"nama": "   "}, "nama", forms.MSG_REQUIRED, {}),
        ("permohonan-informasi-publik", {"nama": "A" * 81}, "nama", forms.MSG_TOO_LONG, {"max": 80, "count": 81}),
        ("permohonan-informasi-publik", {"rincian": "data"}, "rincian", forms.MSG_TOO_SHORT, {"min": 10, "count": 4}),
        ("permohonan-informasi-publik", {"nik": "527101451290003"}, "nik", "NIK must be 16 digits. You typed {count}.",
         {"count": 15}),
        ("permohonan-informasi-publik", {"telepon": "12"}, "telepon", None, None),
        ("permohonan-informasi-publik", {"email": "nurul@"}, "email", None, None),
        ("permohonan-informasi-publik", {"cara_memperoleh": "fax"}, "cara_memperoleh", forms.MSG_CHOICE, {}),
        ("permohonan-informasi-publik", {"nama": "Nurul\x07"}, "nama", forms.MSG_CONTROL, {}),
        ("permohonan-informasi-publik", {"nama": 42}, "nama", forms.MSG_NOT_TEXT, {}),
        ("permohonan-informasi-publik", {"warna": "biru"}, "warna", forms.MSG_UNKNOWN_FIELD, {"name": "warna"}),
        ("permohonan-informasi-publik", {"nomor_pendaftaran": "123"}, "nomor_pendaftaran", forms.MSG_BY_HAND, {}),
        ("bkd-usul-pensiun", {"rekening": "1234567890"}, "rekening", forms.MSG_BY_HAND, {}),
        ("bkd-usul-pensiun", {"nip": "19680115199003100"}, "nip", forms.MSG_DIGITS_LENGTH, {"length": 18, "count": 17}),
        ("bkd-usul-pensiun", {"nip": "1968011519900310O5"}, "nip", forms.MSG_DIGITS_ONLY, {}),
        ("bkd-usul-pensiun", {"tanggal_lahir": "31-02-1968"}, "tanggal_lahir", forms.MSG_DATE_INVALID, {}),
        ("bkd-usul-pensiun", {"tanggal_lahir": "15-01-68"}, "tanggal_lahir", forms.MSG_DATE, {}),
        ("bkd-usul-pensiun", {"tanggal_lahir": "15-01-2030"}, "tanggal_lahir", forms.MSG_DATE_FUTURE, {}),
        ("bakesbang-izin-penelitian", {"mulai": "01-01-2020"}, "mulai", forms.MSG_DATE_PAST, {}),
        ("bappeda-permohonan-data", {"pernyataan": False}, "pernyataan", forms.MSG_MUST_TICK, {}),
        ("bappeda-permohonan-data", {"pernyataan": "mungkin"}, "pernyataan", forms.MSG_CHECKBOX, {}),
        ("bappeda-permohonan-data", {"tahun_data": "1850"}, "tahun_data", forms.MSG_PATTERN, {"example": "2025"}),
        ("permohonan-keringanan-pkb", {"nopol": "B 1234 XYZ"}, "nopol", forms.MSG_PATTERN, {"example": "DR 1234 AB"}),
        ("bpbd-bantuan-logistik", {"kk_terdampak": "1234567"}, "kk_terdampak", forms.MSG_DIGITS_TOO_MANY,
         {"max": 6, "count": 7}),
    ],
)
def test_errors_name_the_field(form_id, changes, field, message, params):
    err = error(ALL[form_id], base(form_id, **changes))
    assert err.field == field
    if message is not None:
        assert err.message == message
        assert err.params == params or params == {} and not set(re.findall(r"{(\w+)}", message))
    assert messages("id").get(err.message), err.message  # the citizen reads it in Indonesian


def test_values_are_stored_in_one_form():
    clean = spec().validate_values(base(nama="  Baiq   Nurul  Hidayati ", nik="5271.0145.1290.0003",
                                        telepon="+62 (0)812-3456-7890", email="Nurul@GMAIL.com",
                                        cara_memperoleh="Salinan digital (softcopy)", rincian="Baris satu\r\n\r\n\r\nBaris dua"),
                                   today=TODAY)
    assert clean["nama"] == "Baiq Nurul Hidayati"
    assert clean["nik"] == "5271014512900003"
    assert clean["telepon"] == "+6281234567890"
    assert clean["email"] == "Nurul@gmail.com"
    assert clean["cara_memperoleh"] == "salinan_digital"  # an option's label is accepted too
    assert clean["rincian"] == "Baris satu\n\nBaris dua"
    assert "pekerjaan" in clean
    assert "pekerjaan" not in spec().validate_values(base(pekerjaan=" "), today=TODAY)  # empty and optional: left out


@pytest.mark.parametrize("typed", ["17-08-1990", "17/8/1990", "17.08.1990", "17081990", "1990-08-17", " 17 - 08 - 1990 "])
def test_dates_as_people_type_them(typed):
    field = ALL["bkd-usul-pensiun"].field("tanggal_lahir")
    assert field.validate(typed, today=TODAY) == "1990-08-17"


def test_checkbox_words():
    field = ALL["bappeda-permohonan-data"].field("pernyataan")
    for yes in (True, "ya", "Yes", "1", 1, "true"):
        assert field.validate(yes) is True
    for no in (False, "tidak", "no", 0, None, ""):
        with pytest.raises(ValidationError):
            field.validate(no)


def test_all_errors_at_once():
    errs = spec().errors({"nik": "123", "warna": "x"}, today=TODAY)
    assert set(errs) == {"warna", "nik", "nama", "alamat", "telepon", "rincian", "tujuan", "cara_memperoleh"}
    assert all(e.field == k for k, e in errs.items())
    assert spec().errors(["not", "a", "dict"])[""].message == forms.MSG_VALUES_OBJECT


def test_fields_say_which_keyboard_fits():
    f = {x.id: x for x in spec().kiosk_fields}
    assert (f["nik"].keyboard, f["telepon"].keyboard, f["email"].keyboard, f["nama"].keyboard) == (
        "digits", "phone", "email", "text")
    assert ALL["bkd-usul-pensiun"].field("tanggal_lahir").keyboard == "digits"
    assert not ALL["bkd-usul-pensiun"].field("rekening").asked


# --- broken form files -----------------------------------------------------------------------------

GOOD = """
format = "iplik-form/1"
id = "uji"
version = 1
agency_id = "dinkes"
agency_name = "Dinas Kesehatan"
title = { id = "Uji", en = "Test" }
signer = "nama"

[[sections]]
title = "Data"

[[sections.fields]]
id = "nama"
type = "text"
label = "Nama"
max_length = 40
example = "Baiq"
"""


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda t: t.replace('version = 1', 'version = "1"'), "version"),
        (lambda t: t.replace('id = "uji"', 'id = "lain"'), "id"),
        (lambda t: t + 'colour = "red"\n', "sections[0].fields[0].colour"),
        (lambda t: t.replace('type = "text"', 'type = "signature"'), "sections[0].fields[0][nama].type"),
        (lambda t: t.replace('max_length = 40', ''), "sections[0].fields[0][nama].max_length"),
        (lambda t: t.replace('example = "Baiq"', 'example = "Baiq"\npattern = "[0-9]+"'),
         "sections[0].fields[0][nama].example"),
        (lambda t: t.replace('example = "Baiq"', 'pattern = "([a-z"'), "sections[0].fields[0][nama].pattern"),
        (lambda t: t.replace('signer = "nama"', 'signer = "ttd"'), "signer"),
        (lambda t: t.replace('format = "iplik-form/1"', 'format = "form/2"'), "format"),
        (lambda t: t + '\n[[sections.fields]]\nid = "nama"\ntype = "nik"\nlabel = "NIK"\n', "sections"),
        (lambda t: t + '\n[[sections.fields]]\nid = "x"\ntype = "choice"\nlabel = "X"\noptions = []\n',
         "sections[0].fields[1][x].options"),
        (lambda t: t.replace('title = { id = "Uji", en = "Test" }', 'title = { en = "Test" }'), "title.id"),
        (lambda t: t.replace('max_length = 40', 'max_length = 40\nby_hand = true\nrequired = true'),
         "sections[0].fields[0][nama].required"),
        (lambda t: "this is [not toml", "not valid TOML"),
    ],
)
def test_broken_files_name_file_and_key(tmp_path, edit, key):
    path = tmp_path / "uji.toml"
    path.write_text(edit(GOOD), encoding="utf-8")
    with pytest.raises(FormFileError) as err:
        load_form(path)
    assert str(path) in str(err.value) and key in str(err.value)


def test_a_broken_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "uji.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "rusak.toml").write_text("id = ", encoding="utf-8")
    assert list(load_forms(tmp_path, strict=False)) == ["uji"]
    with pytest.raises(FormFileError):
        load_forms(tmp_path)


# --- the printed page ------------------------------------------------------------------------------


def render(form_id, values, lang="id", **ctx):
    s = ALL[form_id]
    clean = None if values is None else s.validate_values(values, today=TODAY)
    return formpdf.render(s, clean, lang=lang, context=formpdf.FormContext(**(CTX | ctx)))


@needs_poppler
@pytest.mark.parametrize("form_id", sorted(ALL))
def test_every_form_renders_blank_and_filled(form_id):
    s = ALL[form_id]
    blank = render(form_id, None)
    text = flat(text_of(blank))
    assert s.title.id.upper() in text and "PEMERINTAH PROVINSI NUSA TENGGARA BARAT" in text
    for f in s.fields:
        assert flat(f.label.id) in text, f.id
    assert "Mataram, ....." in text and "nama jelas dan tanda tangan" in text
    assert qr_texts(png_of(blank, 150)) == [f"iplik-form:{form_id}:v{s.version}"]

    values = s.example_values()
    filled = render(form_id, values)
    text = flat(text_of(filled))
    assert "Mataram, 23 November 2026" in text and "Referensi: F-K7PM-Q2HX" in text
    for f in s.kiosk_fields:
        if f.type in ("text", "multiline", "email"):
            assert flat(values[f.id]) in text, f.id
        elif f.type == "choice":
            assert f.option_label(values[f.id], "id") in text
    if s.signer:
        assert f"( {flat(values[s.signer])} )" in text
    assert qr_texts(png_of(filled, 150)) == [f"iplik-form:{form_id}:v{s.version}:F-K7PM-Q2HX"]


@needs_poppler
def test_english_page_keeps_the_indonesian_for_the_clerk():
    text = flat(text_of(render("permohonan-informasi-publik", base(), "en")))
    assert "PUBLIC INFORMATION REQUEST FORM" in text and "Formulir Permohonan Informasi Publik" in text
    assert "Full name as on the ID card" in text and "Nama lengkap sesuai KTP" in text
    assert "Mataram, 23 November 2026" in text  # the date line stays Indonesian
    assert "Page 1 of" in text and "Reference: F-K7PM-Q2HX" in text


@needs_poppler
def test_character_boxes_and_date_boxes():
    s = ALL["bkd-usul-pensiun"]
    text = text_of(render(s.id, base(s.id, nip="196801151990031005", tanggal_lahir="1968-01-15")), layout=True)
    assert "1 9 6 8 0 1 1 5 1 9 9 0 0 3 1 0 0 5" in text  # NIP: 18 boxes
    assert re.search(r"1\s*5\s*-\s*0\s*1\s*-\s*1\s*9\s*6\s*8", text)  # day - month - year boxes
    assert "tgl" in text and "bln" in text and "thn" in text


def _word_boxes(pdf: bytes) -> list[tuple[float, float, str, int]]:
    done = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, timeout=30, check=True)
    html = done.stdout.decode("utf-8")
    boxes, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', line)
        if m:
            boxes.append((float(m.group(1)), float(m.group(2)), m.group(3), page))
    return boxes


@needs_poppler
def test_long_values_wrap_inside_the_page():
    s = ALL["rekomendasi-teknis-sda"]
    long_word = "SuratKeputusanNomor/2026/" * 3
    values = base(s.id, nama="Lalu " + "Muhammad " * 8, nama_badan="PT " + "Sumber Air Bersih Rinjani " * 4,
                  lokasi=long_word[:160], alamat=("Jl. Langko No. 60, Ampenan, " * 7)[:200])
    pdf = render(s.id, values, agency_name="Dinas Pekerjaan Umum dan Penataan Ruang " * 3)
    boxes = _word_boxes(pdf)
    assert boxes
    left, right = formpdf.ML - 1, formpdf.PAGE_W - formpdf.MR + 1
    outside = [(w, x0, x1) for x0, x1, w, _p in boxes if x0 < left or x1 > right]
    assert not outside, outside[:5]
    words = flat(text_of(pdf))
    assert "SuratKeputusanNomor/" in words  # the unbroken "word" is there, broken across lines


@needs_poppler
def test_pages_break_between_blocks_with_a_running_header():
    pdf = render("bkd-usul-pensiun", None)
    text = text_of(pdf)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    assert "(lanjutan)" in flat(pages[1]) and "Halaman 2 dari" in flat(pages[1])
    # The declaration is never separated from the signature it is signed with.
    sig_page = next(i for i, p in enumerate(pages) if "nama jelas dan tanda tangan" in p)
    assert "Data ini saya isi dengan sebenarnya" in flat(pages[sig_page])


# --- the facade ------------------------------------------------------------------------------------


@pytest.fixture
def tiny_kiosk(tmp_path, tiny_catalog):
    from kiosk.actions import Kiosk
    from kiosk.config import load_config

    from .conftest import REPO

    cfg = load_config(REPO / "config.toml").with_data_dir(tmp_path / "data")
    k = Kiosk.open(cfg)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(tiny_catalog), encoding="utf-8")
    k.load_catalog(path)
    k.use_printer(__import__("kiosk.printing.backends", fromlist=["NullPrinter"]).NullPrinter())
    yield k
    k.close()


def test_facade_finds_forms_by_service(tiny_kiosk):
    assert tiny_kiosk.form_for_service("dinkes-rujukan").id == "dinkes-sipa"
    assert tiny_kiosk.form_for_service("bappenda-pkb") is None
    with pytest.raises(NotFound):
        tiny_kiosk.form_for_service("nope")
    with pytest.raises(NotFound) as err:
        tiny_kiosk.form("nope")
    assert err.value.message == "No form has the id {id}."
    assert [s.id for s in tiny_kiosk.form_services("dinkes-sipa")] == ["dinkes-rujukan"]
    assert len(tiny_kiosk.forms()) == len(ALL)
    assert tiny_kiosk.validate_form_field("dinkes-sipa", "telepon", "0812 3456 7890") == "+6281234567890"
    with pytest.raises(ValidationError) as err:
        tiny_kiosk.validate_form_field("dinkes-sipa", "nik", "12")
    assert err.value.field == "nik"


def test_nothing_typed_is_kept(tiny_kiosk):
    values = ALL["dinkes-sipa"].example_values() | {"nama": "Rina Marlinawati Unik", "nik": "5271015009930002"}
    outcome = tiny_kiosk.print_form("dinkes-sipa", values)
    assert outcome.printed is False and outcome.message_id.startswith("The form could not be printed.")
    tiny_kiosk.store.close()
    files = [tiny_kiosk.store.path, *tiny_kiosk.store.path.parent.glob("kiosk.db-*")]
    data = b"".join(p.read_bytes() for p in files if p.is_file())
    assert b"Rina Marlinawati Unik" not in data and b"5271015009930002" not in data


def test_invalid_values_are_refused_before_printing(tiny_kiosk):
    with pytest.raises(ValidationError) as err:
        tiny_kiosk.print_form("dinkes-sipa", {"nama": "Rina"})
    assert err.value.field == "nik"
    assert tiny_kiosk.recent_print_jobs() == []


@needs_poppler
def test_preview_pages_as_png(tiny_kiosk):
    from PIL import Image
    import io

    pages = tiny_kiosk.form_preview_png("dinkes-sipa", ALL["dinkes-sipa"].example_values(), "id", width_px=600)
    assert pages
    for png in pages:
        im = Image.open(io.BytesIO(png))
        assert im.size[0] == 600 and im.size[1] == pytest.approx(600 * 297 / 210, abs=2)


def test_numbers_are_printed_as_people_write_them():
    assert formpdf.national_phone("+6281234567890") == "0812 3456 7890"
    assert formpdf.national_phone("+62370634567") == "0370 634567"
    assert formpdf.national_phone("+622112345678") == "021 12345678"
    s = ALL["permohonan-izin-pub"]
    text = flat(text_of(render(s.id, base(s.id, target="150000000", telepon="(0370) 634567"))))
    assert "150.000.000" in text and "0370 634567" in text
