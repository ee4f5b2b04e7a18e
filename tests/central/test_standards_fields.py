"""The editor's forms lose nothing: every agency and every service of the demo catalog, shown in the form
and saved unchanged, is the same JSON again; and the form's own rules (rupiah with dots, empty days, list
lines, bounds) worked out by hand."""

from __future__ import annotations

import json

import pytest

from kiosk.central.standards import diff as Diff
from kiosk.central.standards import fields as F
from kiosk.paths import DEMO_CATALOG

from .standardskit import catalog as base_catalog

DEMO = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


def test_every_demo_agency_and_service_survives_the_form_unchanged():
    for agency in DEMO["agencies"]:
        assert F.agency_from_form(F.agency_values(agency), agency) == agency, agency["id"]
    for service in DEMO["services"]:
        again = F.service_from_form(F.service_values(service), service["agency_id"])
        assert again == service, service["id"]
    assert len(DEMO["services"]) > 200  # the whole demo catalog, not a sample


def test_the_form_reads_rupiah_days_and_lines_as_staff_write_them():
    service = base_catalog()["services"][0]
    values = {**F.service_values(service), "fee_idr": "1 250.000", "duration_days": " ",
              "requirements": "KTP asli\r\n\r\n  Kartu keluarga  \n", "form_id": ""}
    out = F.service_from_form(values, "bappenda")
    assert out["standard"]["fee_idr"] == 1250000
    assert out["standard"]["duration_days"] is None
    assert out["standard"]["requirements"] == ["KTP asli", "Kartu keluarga"]
    assert "form_id" not in out


@pytest.mark.parametrize(("field", "value", "message"), [
    ("fee_idr", "1,5", F.MSG_RUPIAH),
    ("fee_idr", "-100", F.MSG_RUPIAH),
    ("duration_days", "dua", F.MSG_DAYS),
    ("duration_days", "4000", "must be a whole number of working days"),  # the kiosk's gate: at most 3650
    ("requirements", "\n".join(f"syarat {i}" for i in range(101)), F.MSG_TOO_MANY),
    ("fees", "x" * 4001, F.MSG_TOO_LONG),
    ("name", "", "must not be empty"),
    ("id", "Bukan Kode", "must be a short id of lowercase letters, digits and dashes"),
    ("form_id", "Formulir!", "must be a form id"),
])
def test_a_refused_value_names_its_field(field, value, message):
    values = {**F.service_values(base_catalog()["services"][0]), field: value}
    with pytest.raises(F.FieldError) as refused:
        F.service_from_form(values, "bappenda")
    assert (refused.value.field, refused.value.message) == (field, message)


def test_the_diff_lists_changed_added_and_removed_by_hand():
    old = base_catalog()
    new = base_catalog()
    new["services"][0]["standard"].update(fees="Rp 1", fee_idr=1)
    new["services"].pop(1)  # bappenda-bbnkb removed
    new["services"].append({**old["services"][2], "id": "dinkes-baru", "name": "Baru"})
    new["agencies"][1]["motto"] = "Sehat"
    d = Diff.catalog_diff(old, new)
    by_id = {a.id: a for a in d.agencies}
    assert [(c.field, c.old, c.new) for c in by_id["dinkes"].changes] == [("motto", "Melayani", "Sehat")]
    bappenda = {s.id: s for s in by_id["bappenda"].services}
    assert [(c.field, c.old, c.new) for c in bappenda["bappenda-pkb"].changes] == [
        ("fees", "Sesuai NJKB", "Rp 1"), ("fee_idr", "150000", "1")]
    assert bappenda["bappenda-bbnkb"].kind == "removed"
    assert [s.kind for s in by_id["dinkes"].services] == ["added"]
    assert d.changes == () and not Diff.catalog_diff(old, base_catalog()).agencies


def test_a_rebase_keeps_my_changes_and_takes_theirs_by_hand():
    from kiosk.central.standards import document as Doc

    base = base_catalog()
    mine_doc, theirs_doc = base_catalog(), base_catalog()
    # Mine: the motto, PKB's fee, BBNKB removed, a new service. Theirs: the phone, PKB's duration, BBNKB's name.
    mine_doc["agencies"][0]["motto"] = "Milik saya"
    mine_doc["services"][0]["standard"]["fee_idr"] = 1
    mine_doc["services"].pop(1)
    mine_doc["services"].insert(1, {**base["services"][1], "id": "bappenda-baru"})
    theirs_doc["agencies"][0]["phone"] = "0370 999"
    theirs_doc["services"][0]["standard"]["duration"] = "1 hari kerja"
    theirs_doc["services"][1]["name"] = "Nama mereka"
    agency, services = Doc.rebased(Doc.part_of(base, "bappenda"), Doc.part_of(mine_doc, "bappenda"),
                                   Doc.part_of(theirs_doc, "bappenda"))
    assert (agency["motto"], agency["phone"]) == ("Milik saya", "0370 999")
    assert [s["id"] for s in services] == ["bappenda-pkb", "bappenda-baru"]
    assert (services[0]["standard"]["fee_idr"], services[0]["standard"]["duration"]) == (1, "1 hari kerja")
