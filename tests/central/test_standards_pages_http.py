"""The standards editor's pages through the real server (a subprocess, SQLite and PostgreSQL): an officer
edits their agency's draft and sends it; an officer of another agency gets 404 on every page and every
POST of it; the desk reviews the diff, returns, publishes; history, downloads, import; CSRF everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest

from kiosk.central import catalog

from .pagekit import session_for
from .standardskit import catalog as base_catalog


@pytest.fixture(scope="module")
def published(server, engine):
    catalog.publish(engine, base_catalog())
    return server


def post(s, server, path: str, data: dict | None = None, **kw):
    return s.post(server.url + path, data={"csrf_token": s.csrf, **(data or {})}, allow_redirects=False, timeout=30,
                  **kw)


def form_values(html: str) -> dict[str, str]:
    """The values a browser would send from the page's fields (inputs and textareas)."""
    values = {unescape(n): unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    values.update({unescape(n): unescape(v)
                   for n, v in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.DOTALL)})
    values.pop("csrf_token", None)
    return values


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_workflow_through_the_pages(published, engine):
    server = published
    officer, _, _ = session_for(server, engine, "officer", "bappenda")
    desk, _, _ = session_for(server, engine, "desk")

    listing = officer.get(server.url + "/staff/standards", timeout=10)
    assert listing.status_code == 200
    assert "Badan Pendapatan Daerah" in listing.text and "Dinas Kesehatan" not in listing.text
    assert post(officer, server, "/staff/standards/bappenda/draft").status_code == 303

    page = officer.get(server.url + "/staff/standards/bappenda/services/bappenda-pkb", timeout=10)
    assert page.status_code == 200
    values = form_values(page.text)
    assert (values["fees"], values["fee_idr"]) == ("Sesuai NJKB", "150000")

    # A refused value: 400, the message in Indonesian on the field, what was typed kept.
    bad = post(officer, server, "/staff/standards/bappenda/services/bappenda-pkb",
               {**values, "fees": "Rp 175.000 per kendaraan", "fee_idr": "seratus"})
    assert bad.status_code == 400
    assert "Tulis bilangan bulat rupiah, 0 bila gratis." in text_of(bad.text)
    assert form_values(bad.text)["fee_idr"] == "seratus"
    assert form_values(bad.text)["fees"] == "Rp 175.000 per kendaraan"
    assert 'aria-invalid="true"' in bad.text

    ok = post(officer, server, "/staff/standards/bappenda/services/bappenda-pkb",
              {**values, "fees": "Rp 175.000 per kendaraan", "fee_idr": "175.000"})
    assert ok.status_code == 303
    assert post(officer, server, "/staff/standards/bappenda/submit").status_code == 303

    queue = desk.get(server.url + "/staff/standards", timeout=10).text
    assert "/staff/standards/bappenda/review" in queue
    review = desk.get(server.url + "/staff/standards/bappenda/review", timeout=10)
    assert review.status_code == 200
    cells = [text_of(c).strip() for c in re.findall(r'<td class="diff__(?:old|new)">(.*?)</td>', review.text, re.DOTALL)]
    assert cells == ["Sesuai NJKB", "Rp 175.000 per kendaraan", "150000", "175000"]

    empty_note = post(desk, server, "/staff/standards/bappenda/return", {"note": " "})
    assert empty_note.status_code == 400 and "Tulis catatan untuk petugas" in text_of(empty_note.text)
    assert post(desk, server, "/staff/standards/bappenda/publish", {"publish-note": "Tarif 2027"}).status_code == 303

    history = desk.get(server.url + "/staff/standards/history", timeout=10).text
    assert "Tarif 2027" in history and "bappenda" in history
    version_id = int(re.search(r'href="/staff/standards/history/(\d+)"', history).group(1))
    version = desk.get(server.url + f"/staff/standards/history/{version_id}", timeout=10)
    assert "Rp 175.000 per kendaraan" in text_of(version.text) and "Sesuai NJKB" in text_of(version.text)
    first_id = int(re.findall(r'href="/staff/standards/history/(\d+)"', history)[-1])
    first = text_of(desk.get(server.url + f"/staff/standards/history/{first_id}", timeout=10).text)
    assert "Versi pertama: semua isinya baru." in first and "Rp 175.000" not in first
    download = officer.get(server.url + f"/staff/standards/history/{version_id}/catalog.json", timeout=10)
    assert download.headers["content-disposition"].startswith("attachment")
    pkb = next(s for s in download.json()["services"] if s["id"] == "bappenda-pkb")
    assert pkb["standard"]["fee_idr"] == 175000
    assert officer.get(server.url + "/staff/standards/export.json", timeout=10).json() == download.json()


def test_an_officer_of_another_agency_gets_404_on_every_page_and_post(published, engine):
    server = published
    owner, _, _ = session_for(server, engine, "officer", "bappenda")
    post(owner, server, "/staff/standards/bappenda/draft")
    stranger, _, _ = session_for(server, engine, "officer", "dinkes")
    for path in ("/staff/standards/bappenda", "/staff/standards/bappenda/services/bappenda-pkb",
                 "/staff/standards/bappenda/new-service", "/staff/standards/bappenda/review",
                 "/staff/standards/bappenda/draft.json"):
        assert stranger.get(server.url + path, timeout=10).status_code == 404, path
    for path in ("/staff/standards/bappenda", "/staff/standards/bappenda/draft", "/staff/standards/bappenda/submit",
                 "/staff/standards/bappenda/discard", "/staff/standards/bappenda/rebase",
                 "/staff/standards/bappenda/new-service", "/staff/standards/bappenda/services/bappenda-pkb",
                 "/staff/standards/bappenda/services/bappenda-pkb/remove"):
        assert post(stranger, server, path, {"name": "Diganti", "fee_idr": "1"}).status_code == 404, path
    for path in ("/staff/standards/bappenda/publish", "/staff/standards/bappenda/return", "/staff/standards/import"):
        assert post(stranger, server, path, {"note": "x"}).status_code == 403, path
    # No CSRF token: refused before anything else.
    r = owner.post(server.url + "/staff/standards/bappenda/submit", data={}, allow_redirects=False, timeout=10)
    assert r.status_code == 403
    for path in ("/staff/standards/history/99999999999999999999", "/staff/standards/history/0/catalog.json",
                 "/staff/standards/history/4294967296", "/staff/standards/no-such-agency",
                 "/staff/standards/bappenda/services/no-such-service"):
        assert owner.get(server.url + path, timeout=10).status_code == 404, path
    assert owner.get(server.url + "/staff/standards/history?before=99999999999999999999", timeout=10).status_code == 200
    technician, _, _ = session_for(server, engine, "technician")
    assert technician.get(server.url + "/staff/standards", timeout=10).status_code == 403
    post(owner, server, "/staff/standards/bappenda/discard")


def test_import_checks_the_file_shows_the_diff_and_publishes(published, engine):
    server = published
    desk, _, _ = session_for(server, engine, "desk")
    bad = post(desk, server, "/staff/standards/import", files={"file": ("c.json", b"{broken", "application/json")})
    assert bad.status_code == 400 and "Berkas ini bukan katalog dalam JSON." in text_of(bad.text)
    doc = desk.get(server.url + "/staff/standards/export.json", timeout=10).json()
    doc["version"] = "impor-1"
    next(s for s in doc["services"] if s["id"] == "dinkes-sik")["name"] = "Surat izin kerja tenaga kesehatan"
    checked = post(desk, server, "/staff/standards/import",
                   files={"file": ("c.json", json.dumps(doc).encode(), "application/json")})
    assert checked.status_code == 200
    shown = text_of(checked.text)
    assert "Surat izin kerja tenaga kesehatan" in shown and "impor-1" in shown
    confirm = form_values(checked.text)
    done = post(desk, server, "/staff/standards/import/publish", {**confirm, "note": "impor uji"})
    assert done.status_code == 303
    assert desk.get(server.url + "/staff/standards/export.json", timeout=10).json()["version"] == "impor-1"
    forged = post(desk, server, "/staff/standards/import/publish", {**confirm, "doc": "eJzLSM3JyQcABiwCFQ=="})
    assert forged.status_code == 409 and "Berkas ini bukan katalog dalam JSON." in text_of(forged.text)
    # The same confirmation again: the catalog moved on since the check.
    again = post(desk, server, "/staff/standards/import/publish", {**confirm, "note": "lagi"})
    assert again.status_code == 409


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """The CSV as rows keyed by the column key in brackets (csv_io's header cells: "Heading [key]")."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = [re.search(r"\[(\w+)\]$", h).group(1) for h in rows[0]]
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writerow({k: f"x [{k}]" for k in rows[0]})
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_csv_of_the_agency_becomes_its_draft_and_the_preview_shows_it(published, engine):
    server = published
    officer, _, _ = session_for(server, engine, "officer", "dinkes")
    rows = csv_rows(officer.get(server.url + "/staff/standards/dinkes/draft.csv", timeout=10).content)
    assert [r["service_id"] for r in rows] == ["dinkes-sik"]  # this agency's services only
    rows[0].update(fees="Rp 25.000 per surat", fee_idr="25000")
    done = post(officer, server, "/staff/standards/dinkes/csv",
                files={"csv_file": ("dinkes.csv", csv_bytes(rows), "text/csv")})
    assert done.status_code == 303, text_of(done.text)[:500]
    page = officer.get(server.url + "/staff/standards/dinkes/services/dinkes-sik", timeout=10).text
    assert form_values(page)["fee_idr"] == "25000"
    # The kiosk preview of the draft: the new fee, and no "Gratis" badge any more.
    preview = page[page.index('class="kiosk-preview"'):]
    assert "Rp 25.000 per surat" in text_of(preview) and "Gratis" not in text_of(preview)

    # A row of another agency in the file: refused with its row, the draft unchanged.
    other = csv_rows(officer.get(server.url + "/staff/standards/export.csv", timeout=10).content)
    bappenda_row = next(r for r in other if r["agency_id"] == "bappenda")
    refused = post(officer, server, "/staff/standards/dinkes/csv",
                   files={"csv_file": ("x.csv", csv_bytes([rows[0], {**bappenda_row, "fee_idr": "1"}]), "text/csv")})
    assert refused.status_code == 400 and "Baris 3" in text_of(refused.text)
    stranger, _, _ = session_for(server, engine, "officer", "bappenda")
    assert post(stranger, server, "/staff/standards/dinkes/csv",
                files={"csv_file": ("x.csv", csv_bytes(rows), "text/csv")}).status_code == 404
    assert stranger.get(server.url + "/staff/standards/dinkes/draft.csv", timeout=10).status_code == 404
    post(officer, server, "/staff/standards/dinkes/discard")


def test_returned_with_a_note_then_stale_and_rebased_through_the_pages(published, engine):
    server = published
    officer, _, _ = session_for(server, engine, "officer", "dinkes")
    desk, _, _ = session_for(server, engine, "desk")
    viewer, _, _ = session_for(server, engine, "viewer")
    assert post(officer, server, "/staff/standards/dinkes/draft").status_code == 303
    assert post(officer, server, "/staff/standards/dinkes/submit").status_code == 303
    assert post(desk, server, "/staff/standards/dinkes/return", {"note": "Lengkapi dasar hukum."}).status_code == 303
    page = officer.get(server.url + "/staff/standards/dinkes", timeout=10).text
    assert "Dikembalikan oleh desk:" in text_of(page) and "Lengkapi dasar hukum." in text_of(page)
    assert 'action="/staff/standards/dinkes"' in page  # the record's form is back

    # A viewer reads the draft, with no form and no button, and cannot post.
    seen = viewer.get(server.url + "/staff/standards/dinkes", timeout=10)
    assert seen.status_code == 200 and "<form" not in seen.text.split('id="agency-record"')[1]
    assert post(viewer, server, "/staff/standards/dinkes/submit").status_code == 404

    # Someone publishes a change to the same agency: the page says so and the rebase takes it in.
    doc = desk.get(server.url + "/staff/standards/export.json", timeout=10).json()
    doc["version"] = "luar-editor"
    next(a for a in doc["agencies"] if a["id"] == "dinkes")["phone"] = "0370 999"
    catalog.publish(engine, doc)
    stale = text_of(officer.get(server.url + "/staff/standards/dinkes", timeout=10).text)
    assert "Instansi ini berubah dalam katalog terbit setelah draf dimulai." in stale
    review = officer.get(server.url + "/staff/standards/dinkes/review", timeout=10).text
    assert 'action="/staff/standards/dinkes/rebase"' in review
    assert post(officer, server, "/staff/standards/dinkes/rebase").status_code == 303
    rebased = officer.get(server.url + "/staff/standards/dinkes", timeout=10).text
    assert "Instansi ini berubah" not in text_of(rebased) and form_values(rebased)["phone"] == "0370 999"
    post(officer, server, "/staff/standards/dinkes/discard")


def test_a_compliance_change_meanwhile_is_neither_a_conflict_nor_a_change_of_the_draft(published, engine):
    server = published
    desk, _, _ = session_for(server, engine, "desk")
    assert post(desk, server, "/staff/standards/bappenda/draft").status_code == 303
    doc = desk.get(server.url + "/staff/standards/export.json", timeout=10).json()
    doc["version"] = "bukti-baru"
    next(a for a in doc["agencies"] if a["id"] == "bappenda")["compliance"] = [
        {"aspect": "maklumat", "status": "ada", "evidence": "Dipasang"}]
    catalog.publish(engine, doc)
    page = text_of(desk.get(server.url + "/staff/standards/bappenda/review", timeout=10).text)
    assert "Draf sama dengan katalog terbit." in page and "Instansi ini berubah" not in page
    assert post(desk, server, "/staff/standards/bappenda/submit").status_code == 303
    assert post(desk, server, "/staff/standards/bappenda/publish", {"publish-note": ""}).status_code == 303
    published_doc = desk.get(server.url + "/staff/standards/export.json", timeout=10).json()
    bappenda = next(a for a in published_doc["agencies"] if a["id"] == "bappenda")
    assert bappenda["compliance"] == [{"aspect": "maklumat", "status": "ada", "evidence": "Dipasang"}]


def test_the_desk_imports_a_csv_of_several_agencies(published, engine):
    server = published
    desk, _, _ = session_for(server, engine, "desk")
    rows = csv_rows(desk.get(server.url + "/staff/standards/export.csv", timeout=10).content)
    for row in rows:
        row["fee_idr"], row["fees"] = "4000", "Rp 4.000"
    checked = post(desk, server, "/staff/standards/import", files={"file": ("semua.csv", csv_bytes(rows), "text/csv")})
    assert checked.status_code == 200, text_of(checked.text)[:400]
    assert text_of(checked.text).count("Rp 4.000") == len(rows) == 3
    assert post(desk, server, "/staff/standards/import/publish",
                {**form_values(checked.text), "note": "tarif seragam"}).status_code == 303
    after = desk.get(server.url + "/staff/standards/export.json", timeout=10).json()
    assert {s["standard"]["fee_idr"] for s in after["services"]} == {4000}
    bad = post(desk, server, "/staff/standards/import", files={"file": ("x.csv", b"", "text/csv")})
    assert bad.status_code == 400
