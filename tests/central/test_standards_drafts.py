"""The standards editor's rules, on SQLite files and PostgreSQL: a draft starts from the published
catalog, saves only what the kiosk's gate accepts, goes draft -> review -> returned/published, refuses to
publish over a newer publish of its agency, rebases, and two publishes at once lose nothing."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from kiosk.central import audit, catalog
from kiosk.central.access import Role, Staff
from kiosk.central.complaints import ActionRefused, NotAllowed
from kiosk.central.db import audit_log, catalog_versions, open_database
from kiosk.central.settings import Settings
from kiosk.central.standards import drafts as D
from kiosk.central.standards import fields as F
from kiosk.central.standards import publishing as P
from kiosk.errors import NotFound

from .serverkit import database_url
from .standardskit import catalog as base_catalog

OFFICER = Staff(11, "petugas", "Petugas Bapenda", Role.OFFICER, frozenset({"bappenda"}))
OTHER = Staff(12, "dinkes1", "Petugas Dinkes", Role.OFFICER, frozenset({"dinkes"}))
DESK = Staff(13, "desk", "Desk", Role.DESK)
VIEWER = Staff(14, "viewer", "Viewer", Role.VIEWER)
BY = audit.Actor(11, "petugas", "127.0.0.1")
BY_DESK = audit.Actor(13, "desk", "127.0.0.1")


@pytest.fixture
def engine(backend, tmp_path):
    e = open_database(Settings(database_url=database_url(backend, tmp_path)))
    catalog.publish(e, base_catalog())
    yield e
    e.dispose()


def newest(engine) -> dict:
    with engine.connect() as conn:
        return json.loads(conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1)))


def service(doc: dict, service_id: str) -> dict:
    return next(s for s in doc["services"] if s["id"] == service_id)


def actions(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(audit_log.c.action).order_by(audit_log.c.id)))


def values_of(draft: D.Draft, service_id: str, **changes: str) -> dict[str, str]:
    return {**F.service_values(draft.service(service_id)), **changes}


def test_an_officer_edits_their_agency_and_the_desk_publishes_it(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    assert (draft.status, [s["id"] for s in draft.services]) == ("draft", ["bappenda-pkb", "bappenda-bbnkb"])
    D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb",
                   values_of(draft, "bappenda-pkb", fees="Rp 175.000 per kendaraan", fee_idr="175.000"))
    D.submit(engine, OFFICER, BY, "bappenda")
    assert D.get(engine, "bappenda").status == "review"
    version_id = P.publish_draft(engine, DESK, BY_DESK, "bappenda", "tarif 2027")
    doc = newest(engine)
    pkb = service(doc, "bappenda-pkb")["standard"]
    assert (pkb["fees"], pkb["fee_idr"]) == ("Rp 175.000 per kendaraan", 175000)
    # The rest of the catalog is as it was: the other agency's service, the other service's fee.
    assert service(doc, "dinkes-sik") == base_catalog()["services"][2]
    assert service(doc, "bappenda-bbnkb")["standard"]["fee_idr"] == 0
    assert D.get(engine, "bappenda") is None
    [v] = [v for v in P.history(engine) if v.id == version_id]
    assert (v.published_by, v.agency_id, v.note) == ("desk", "bappenda", "tarif 2027")
    assert actions(engine) == ["standards_draft_started", "standards_draft_saved", "standards_submitted",
                               "standards_published"]
    # Kiosks see the new version at their next pull (the cursor starts with its id).
    assert catalog.for_kiosk(engine, None, ikm_refresh_s=0)["cursor"].startswith(f"{version_id}.")


def test_a_refused_value_names_its_field_and_leaves_the_draft_as_it_was(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    with pytest.raises(F.FieldError) as bad_fee:
        D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb", values_of(draft, "bappenda-pkb", fee_idr="Rp 5"))
    assert (bad_fee.value.field, bad_fee.value.message) == ("fee_idr", F.MSG_RUPIAH)
    with pytest.raises(F.FieldError) as empty:
        D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb", values_of(draft, "bappenda-pkb", requirements=" \n "))
    assert (empty.value.field, empty.value.message) == ("requirements", "must not be empty")
    with pytest.raises(F.FieldError) as long:
        D.save_agency(engine, OFFICER, BY, "bappenda", {**F.agency_values(draft.agency), "short_name": "x" * 41})
    assert (long.value.field, long.value.params) == ("short_name", {"limit": 40})
    with pytest.raises(F.FieldError) as maklumat:
        D.save_agency(engine, OFFICER, BY, "bappenda", {**F.agency_values(draft.agency), "maklumat_signed_by": ""})
    assert maklumat.value.field == "maklumat_signed_by"
    assert D.get(engine, "bappenda").services == draft.services
    assert D.get(engine, "bappenda").agency == draft.agency


def test_services_are_added_and_removed_and_ids_stay_unique_over_the_catalog(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    new = values_of(draft, "bappenda-bbnkb", id="dinkes-sik", name="Salinan")
    with pytest.raises(F.FieldError) as taken:  # another agency's service id
        D.save_service(engine, OFFICER, BY, "bappenda", None, new)
    assert (taken.value.field, taken.value.message) == ("id", D.MSG_ID_TAKEN)
    assert D.save_service(engine, OFFICER, BY, "bappenda", None, {**new, "id": "bappenda-mutasi"}) == "bappenda-mutasi"
    D.remove_service(engine, OFFICER, BY, "bappenda", "bappenda-bbnkb")
    assert [s["id"] for s in D.get(engine, "bappenda").services] == ["bappenda-pkb", "bappenda-mutasi"]
    D.submit(engine, OFFICER, BY, "bappenda")
    P.publish_draft(engine, DESK, BY_DESK, "bappenda")
    assert [s["id"] for s in newest(engine)["services"]] == ["bappenda-pkb", "bappenda-mutasi", "dinkes-sik"]


def test_an_officer_of_another_agency_and_a_viewer_cannot_touch_the_draft(engine):
    for who in (OTHER, VIEWER):
        with pytest.raises(NotFound):
            D.start(engine, who, BY, "bappenda")
    D.start(engine, OFFICER, BY, "bappenda")
    draft = D.get(engine, "bappenda")
    for who in (OTHER, VIEWER):
        with pytest.raises(NotFound):
            D.save_agency(engine, who, BY, "bappenda", F.agency_values(draft.agency))
        with pytest.raises(NotFound):
            D.submit(engine, who, BY, "bappenda")
    D.submit(engine, OFFICER, BY, "bappenda")
    with pytest.raises(NotAllowed):
        P.publish_draft(engine, OFFICER, BY, "bappenda")
    with pytest.raises(NotAllowed):
        D.return_to_officer(engine, OFFICER, BY, "bappenda", "no")
    assert D.may_read(VIEWER, "bappenda") and not D.may_read(OTHER, "bappenda") and D.may_read(OFFICER, "bappenda")


def test_returned_with_a_note_then_edited_again(engine):
    D.start(engine, OFFICER, BY, "bappenda")
    D.submit(engine, OFFICER, BY, "bappenda")
    with pytest.raises(ActionRefused):  # in review: no edits
        D.save_agency(engine, OFFICER, BY, "bappenda", F.agency_values(D.get(engine, "bappenda").agency))
    with pytest.raises(ActionRefused) as no_note:
        D.return_to_officer(engine, DESK, BY_DESK, "bappenda", "  ")
    assert no_note.value.field == "note"
    D.return_to_officer(engine, DESK, BY_DESK, "bappenda", "Lengkapi dasar hukum.")
    draft = D.get(engine, "bappenda")
    assert (draft.status, draft.review_note) == ("returned", "Lengkapi dasar hukum.")
    D.save_agency(engine, OFFICER, BY, "bappenda", {**F.agency_values(draft.agency), "motto": "Cepat dan ramah"})
    assert D.get(engine, "bappenda").agency["motto"] == "Cepat dan ramah"
    with pytest.raises(ActionRefused):  # returned, not in review: nothing to publish
        P.publish_draft(engine, DESK, BY_DESK, "bappenda")


def test_a_publish_over_a_newer_version_of_the_agency_is_refused_and_a_rebase_keeps_both_changes(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb", values_of(draft, "bappenda-pkb", fee_idr="200000"))
    D.submit(engine, OFFICER, BY, "bappenda")
    # Meanwhile someone imports a catalog in which the same agency's other service changed its fee.
    other = base_catalog()
    other["version"] = "t-2"
    service(other, "bappenda-bbnkb")["standard"].update(fees="Rp 10.000", fee_idr=10000)
    catalog.publish(engine, other)
    with pytest.raises(P.Conflict):
        P.publish_draft(engine, DESK, BY_DESK, "bappenda")
    assert newest(engine)["version"] == "t-2"  # nothing was overwritten
    D.rebase(engine, OFFICER, BY, "bappenda")
    rebased = D.get(engine, "bappenda")
    assert rebased.status == "draft"  # to be checked and sent again
    assert service({"services": rebased.services}, "bappenda-pkb")["standard"]["fee_idr"] == 200000
    assert service({"services": rebased.services}, "bappenda-bbnkb")["standard"]["fee_idr"] == 10000
    D.submit(engine, OFFICER, BY, "bappenda")
    P.publish_draft(engine, DESK, BY_DESK, "bappenda")
    doc = newest(engine)
    assert (service(doc, "bappenda-pkb")["standard"]["fee_idr"], service(doc, "bappenda-bbnkb")["standard"]["fee_idr"]) \
        == (200000, 10000)


def test_a_publish_of_another_agency_meanwhile_is_no_conflict(engine):
    mine = D.start(engine, OFFICER, BY, "bappenda")
    theirs = D.start(engine, DESK, BY_DESK, "dinkes")
    D.save_service(engine, DESK, BY_DESK, "dinkes", "dinkes-sik", values_of(theirs, "dinkes-sik", fee_idr="5000"))
    D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb", values_of(mine, "bappenda-pkb", fee_idr="1"))
    for agency_id in ("dinkes", "bappenda"):
        D.submit(engine, DESK, BY_DESK, agency_id)
        P.publish_draft(engine, DESK, BY_DESK, agency_id)
    doc = newest(engine)
    assert (service(doc, "dinkes-sik")["standard"]["fee_idr"], service(doc, "bappenda-pkb")["standard"]["fee_idr"]) \
        == (5000, 1)


def test_two_publishes_at_once_both_arrive(engine):
    for agency_id, service_id, fee in (("bappenda", "bappenda-pkb", "111"), ("dinkes", "dinkes-sik", "222")):
        draft = D.start(engine, DESK, BY_DESK, agency_id)
        D.save_service(engine, DESK, BY_DESK, agency_id, service_id, values_of(draft, service_id, fee_idr=fee))
        D.submit(engine, DESK, BY_DESK, agency_id)
    barrier, errors = threading.Barrier(2), []

    def publish(agency_id: str) -> None:
        barrier.wait()
        try:
            P.publish_draft(engine, DESK, BY_DESK, agency_id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(a,)) for a in ("bappenda", "dinkes")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    doc = newest(engine)
    assert (service(doc, "bappenda-pkb")["standard"]["fee_idr"], service(doc, "dinkes-sik")["standard"]["fee_idr"]) \
        == (111, 222)
    assert len(P.history(engine)) == 3


def test_publish_applies_the_approved_compliance_evidence(engine, monkeypatch):
    item = {"aspect": "maklumat", "status": "ada", "evidence": "Maklumat dipasang di ruang tunggu"}
    monkeypatch.setattr("kiosk.central.evidence_catalog.compliance_for_catalog", lambda conn: {"dinkes": [item]})
    D.start(engine, OFFICER, BY, "bappenda")
    D.submit(engine, OFFICER, BY, "bappenda")
    P.publish_draft(engine, DESK, BY_DESK, "bappenda")
    agencies = {a["id"]: a for a in newest(engine)["agencies"]}
    assert agencies["dinkes"]["compliance"] == [item]
    assert agencies["bappenda"]["compliance"] == []


def test_import_publishes_a_checked_file_and_refuses_a_stale_check(engine):
    first = P.history(engine)[0].id
    doc = base_catalog()
    doc["version"] = "t-import"
    with pytest.raises(ActionRefused):
        P.read_upload(b"{not json")
    with pytest.raises(ActionRefused) as bad:
        P.read_upload(json.dumps({**doc, "format": "other"}).encode())
    assert "format" in bad.value.params["reason"]
    with pytest.raises(P.Conflict):
        P.import_catalog(engine, DESK, BY_DESK, doc, checked_against=first - 1, note=None)
    with pytest.raises(NotAllowed):
        P.import_catalog(engine, OFFICER, BY, doc, checked_against=first, note=None)
    version_id = P.import_catalog(engine, DESK, BY_DESK, P.read_upload(json.dumps(doc).encode()), checked_against=first,
                                  note="impor awal")
    assert newest(engine)["version"] == "t-import"
    assert P.history(engine)[0].id == version_id and actions(engine)[-1] == "standards_imported"


def test_the_demo_officer_edits_the_demo_catalog(tmp_path):
    """`kiosk central demo` publishes the demo catalog and makes demo officers: the editor works on it, and
    a draft saved without changes publishes the same standards (only the version label moves)."""
    from kiosk.central import demo, staff

    settings = Settings(database_url=database_url("sqlite", tmp_path))
    engine = open_database(settings)
    demo.build(engine, settings)
    officer = staff.staff_by_id(engine, staff.user_id_of(engine, "demo-bappenda"))
    desk = staff.staff_by_id(engine, staff.user_id_of(engine, "demo-desk"))
    before = newest(engine)
    draft = D.start(engine, officer, BY, "bappenda")
    assert D.may_read(officer, "bappenda") and not D.may_read(officer, "dinkes")
    D.save_agency(engine, officer, BY, "bappenda", F.agency_values(draft.agency))
    for s in draft.services:
        D.save_service(engine, officer, BY, "bappenda", s["id"], F.service_values(s))
    D.submit(engine, officer, BY, "bappenda")
    P.publish_draft(engine, desk, BY_DESK, "bappenda")
    after = newest(engine)
    assert after["version"] != before["version"]
    assert {**after, "version": None} == {**before, "version": None}
    engine.dispose()


def test_the_import_confirmation_unpacks_a_checked_file_and_nothing_else():
    doc = base_catalog()
    assert P.unpack(P.pack(doc)) == doc
    for forged in ("", "not base64!", "aGVsbG8="):  # empty, not base64, not zlib
        with pytest.raises(ActionRefused):
            P.unpack(forged)
    import base64
    import zlib

    bomb = base64.b64encode(zlib.compress(b" " * (P.IMPORT_LIMIT * 4))).decode()
    assert len(bomb) < 100_000
    with pytest.raises(ActionRefused) as too_big:
        P.unpack(bomb)
    assert too_big.value.message == P.MSG_TOO_BIG


def test_two_saves_of_one_draft_at_once_both_stay(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    barrier, errors = threading.Barrier(4), []

    def save(service_id: str, fee: str) -> None:
        barrier.wait()
        try:
            D.save_service(engine, OFFICER, BY, "bappenda", service_id, values_of(draft, service_id, fee_idr=fee))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def start() -> None:
        barrier.wait()
        try:
            D.start(engine, DESK, BY_DESK, "bappenda")  # the draft exists: nothing happens
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save, args=("bappenda-pkb", "7")),
               threading.Thread(target=save, args=("bappenda-bbnkb", "8")),
               threading.Thread(target=start), threading.Thread(target=start)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    saved = D.get(engine, "bappenda")
    assert [s["standard"]["fee_idr"] for s in saved.services] == [7, 8]


def test_control_characters_never_reach_the_database(engine):
    draft = D.start(engine, OFFICER, BY, "bappenda")
    D.save_service(engine, OFFICER, BY, "bappenda", "bappenda-pkb",
                   values_of(draft, "bappenda-pkb", fees="Rp\x00 5.000\x1b", requirements="KTP\r\nKK\x07"))
    saved = D.get(engine, "bappenda").service("bappenda-pkb")["standard"]
    assert (saved["fees"], saved["requirements"]) == ("Rp 5.000", ["KTP", "KK"])
    D.submit(engine, OFFICER, BY, "bappenda")
    D.return_to_officer(engine, DESK, BY_DESK, "bappenda", "Perbaiki\x00 tarif")
    assert D.get(engine, "bappenda").review_note == "Perbaiki tarif"
