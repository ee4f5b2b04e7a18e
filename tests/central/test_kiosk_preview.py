"""The kiosk preview of the standards editor (kiosk/central/standards/preview.py and
templates/staff/standards/_kiosk_preview.html): what the kiosk's service page shows, worked out by hand
from the demo catalog and kiosk/ui/screens/service.py; rendered through the app's own Jinja environment.
The browser's view of it: tests/web/test_kiosk_preview_browser.py.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from kiosk.central.standards.preview import MSGIDS, service_preview
from kiosk.central.web import render
from kiosk.i18n import messages

REPO = Path(__file__).resolve().parents[2]
DEMO = json.loads((REPO / "assets/demo/catalog.json").read_text(encoding="utf-8"))
FREE = "bakesbangpoldagri-bantuan-keuangan-parpol"  # fee_idr 0, 30 working days, no form
PAID = "bpkad-sewa-aset"  # fee_idr 25000
WITH_FORM = "bappeda-permohonan-data"


def html_of(preview: dict, staff_lang: str = "id") -> str:
    template = render.env.get_template("staff/standards/_kiosk_preview.html")
    return template.render(preview=preview, t=render.translate(staff_lang), static=render.static_url)


def test_a_free_service_in_indonesian_reads_as_on_the_kiosk():
    p = service_preview(DEMO, FREE, "id")
    assert p["title"] == "Verifikasi Permohonan Bantuan Keuangan Partai Politik"
    assert p["agency"] == "Badan Kesatuan Bangsa dan Politik Dalam Negeri Provinsi Nusa Tenggara Barat"
    assert [s["title"] for s in p["sections"]] == [
        "Persyaratan", "Sistem, mekanisme, dan prosedur", "Jangka waktu penyelesaian", "Biaya/tarif",
        "Produk pelayanan", "Penanganan pengaduan, saran, dan masukan"]
    fees = p["sections"][3]
    assert fees["badge"] == "Gratis" and fees["text"] == "Gratis: tidak dipungut biaya."
    assert p["fee_idr"] == 0 and p["is_free"]
    assert p["duration"] == "30 hari kerja setelah berkas lengkap"
    assert p["sections"][0]["items"][0] == "Surat permohonan bantuan keuangan dari DPD/DPW partai politik"
    assert p["sections"][0]["hint"] == "Centang yang sudah Anda bawa."
    assert len(p["sections"][1]["items"]) == 6
    assert p["actions"] == ["Adukan layanan ini", "Nilai layanan ini"]  # no form: no "Isi formulir"
    assert p["nav"] == ["Kembali", "Beranda"]
    assert p["maklumat"]["title"] == "Maklumat pelayanan"
    assert p["maklumat"]["signed"] == "Kepala Bakesbangpoldagri Provinsi Nusa Tenggara Barat, 2026-01-05"
    # The nine aspects in the kiosk's order; this agency has two "sebagian".
    assert [c["aspect"] for c in p["compliance"]][:3] == ["standar_pelayanan", "maklumat", "sistem_informasi"]
    assert len(p["compliance"]) == 9
    assert p["compliance"][2] == {"aspect": "sistem_informasi", "label": "Sistem informasi pelayanan",
                                  "status": "Sebagian ada", "kind": "warn",
                                  "evidence": "Permohonan SKP bisa daring, layanan SKT ormas masih berkas fisik"}


def test_a_paid_service_in_english_has_its_fee_and_no_free_badge():
    p = service_preview(DEMO, PAID, "en")
    assert [s["title"] for s in p["sections"]] == [
        "Requirements", "System, mechanism and procedure", "Completion time", "Fees", "Service product",
        "Complaints, suggestions and feedback"]
    assert p["sections"][3]["badge"] == ""
    assert p["fee_idr"] == 25000 and not p["is_free"]
    assert "Rp25.000 per meter persegi per tahun" in p["sections"][3]["text"]
    assert p["title"] == "Lease of regional government property (land and buildings)"
    assert p["maklumat"]["title"] == "Service charter (maklumat pelayanan)"


def test_a_service_with_a_form_offers_to_fill_it_in():
    assert service_preview(DEMO, WITH_FORM, "id")["actions"][-1] == "Isi formulir"


def test_an_aspect_without_an_entry_says_so():
    doc = copy.deepcopy(DEMO)
    doc["agencies"][0]["compliance"] = doc["agencies"][0]["compliance"][:1]
    items = service_preview(doc, FREE, "id")["compliance"]
    assert items[0]["status"] == "Ada" and items[0]["kind"] == "ok"
    assert {(c["status"], c["kind"], c["evidence"]) for c in items[1:]} == {("Belum ada informasi.", "none", "")}


def test_an_unknown_service_is_a_key_error():
    with pytest.raises(KeyError):
        service_preview(DEMO, "tidak-ada", "id")


def test_the_rendered_preview_has_the_headings_in_order_and_the_fee():
    html = html_of(service_preview(DEMO, FREE, "id"))
    headings = re.findall(r'class="kiosk-preview__heading">([^<]+)<', html)
    assert headings[:6] == ["Persyaratan", "Sistem, mekanisme, dan prosedur", "Jangka waktu penyelesaian",
                            "Biaya/tarif", "Produk pelayanan", "Penanganan pengaduan, saran, dan masukan"]
    assert '<p class="kiosk-preview__badge kiosk-preview__badge--ok">Gratis</p>' in html
    assert '<div class="kiosk-preview__screen" lang="id">' in html
    assert "Tampilan layanan ini di kios" in html  # the frame speaks the staff's language
    english_staff = html_of(service_preview(DEMO, FREE, "id"), staff_lang="en")
    assert "How the kiosk shows this service" in english_staff and ">Persyaratan<" in english_staff


def test_hostile_text_is_escaped():
    doc = copy.deepcopy(DEMO)
    svc = next(s for s in doc["services"] if s["id"] == PAID)
    svc["name"] = "<script>alert(1)</script>"
    svc["standard"]["requirements"] = ['<img src=x onerror="alert(2)">']
    svc["standard"]["fees"] = "Rp 5.000 & \"biaya\" <b>lain</b>"
    doc["agencies"][5]["compliance"][0]["evidence"] = "</dd><script>alert(3)</script>"
    html = html_of(service_preview(doc, PAID, "id"))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "Rp 5.000 &amp; &#34;biaya&#34; &lt;b&gt;lain&lt;/b&gt;" in html
    assert "&lt;/dd&gt;&lt;script&gt;alert(3)" in html


def test_the_kiosk_words_it_uses_are_translated():
    table = messages("id")
    assert [m for m in MSGIDS if m not in table or table[m] == m and m != "Motto: {motto}"] == []
