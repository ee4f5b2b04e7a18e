"""Citizen flows driven by touches from Home to the end, checked in the store the app writes to."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.actions import MSG_RECEIPT_PRINTED

from kiosk.domain import tracking
from kiosk.domain.complaint import MSG_DESCRIPTION_SHORT
from kiosk.domain.tracking import MSG_CODE_MISTYPED
from kiosk.i18n import translator
from kiosk.ui.screens.wizard import STEP_GUARD_S

pytestmark = pytest.mark.ui

DESCRIPTION = "petugas loket minta uang rp 50.000, padahal layanan gratis."


def choose(d, index: int) -> None:
    """Touch the ``index``-th answer of the one-question step on screen."""
    step = d.app.screen.current_step
    d.wait(lambda: d.app.screen.accepts_taps(), what="the step guard")
    d.tap(step.ids.choices.children[::-1][index])


def touch_next(d) -> None:
    d.tap(d.app.screen.ids.next)


def rows(core, sql: str, *params):
    return core.store.db.execute(sql, params).fetchall()


def test_complaint_from_home_to_receipt(ui, core, ui_config):
    d = ui
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    assert screen.name == "complaint" and screen.step_name == "class"
    choose(d, 0)  # pengaduan
    assert screen.step_name == "topic"
    choose(d, 0)  # pungli
    assert screen.step_name == "where"
    picker = screen.current_step.ids.picker
    d.settle()
    d.tap(picker.ids.agencies.children[-1])  # Badan Pendapatan Daerah
    d.settle()
    service_button = [b for b in picker.ids.services.children if isinstance(b.value, tuple)][0]
    d.tap(service_button)
    # A service was picked: which part of its standard was not kept (issue #11), then the story.
    assert screen.step_name == "standard"
    choose(d, 3)  # biaya
    assert screen.step_name == "describe"
    field = screen.current_step.ids.field
    d.tap(field.ids.ti)
    assert d.app.keyboard.shown and d.app.keyboard.layout == "text"
    d.type(DESCRIPTION)
    assert field.ids.ti.text == DESCRIPTION
    touch_next(d)
    assert screen.step_name == "privacy"
    choose(d, 2)  # rahasia: identity needed
    assert screen.step_name == "identity"
    ids = screen.current_step.ids
    d.tap(ids.name.ids.ti)
    d.type("Baiq Nurul")
    d.tap(ids.phone.ids.ti)
    assert d.app.keyboard.layout == "digits"
    d.type("081234567890")
    touch_next(d)
    assert screen.step_name == "consent"
    touch_next(d)  # not agreed yet: stays, says why next to the box
    assert screen.step_name == "consent" and screen.current_step.ids.error.text
    d.tap(screen.current_step.ids.agree)
    touch_next(d)
    assert screen.step_name == "review"
    touch_next(d)  # send
    d.settle()
    d.wait(lambda: screen.step_name == "receipt", what="the receipt")
    receipt = screen.current_step
    code = tracking.parse(receipt.code)
    assert receipt.matrix, "the receipt shows a QR code"

    (row,) = rows(core, "SELECT uuid, status, doc FROM complaints WHERE tracking_code = ?", code)
    assert row[1] == "received_at_kiosk"
    assert "50.000" in row[2] and "bappenda-pkb" in row[2] and ui_config.privacy.consent_version in row[2]
    assert '"standard_part": "biaya"' in row[2]
    assert rows(core, "SELECT kind FROM outbox WHERE record_uuid = ?", row[0]) == [("complaint",)]
    # The pdf printer backend of the test config "prints" to a file; the screen says it printed.
    assert Path(receipt.pdf).parent == ui_config.pdf_dir and Path(receipt.pdf).read_bytes().startswith(b"%PDF")
    assert receipt.note == MSG_RECEIPT_PRINTED
    # Nothing the citizen typed stays in the wizard once the receipt shows.
    assert screen.draft.is_empty()

    touch_next(d)  # Finish
    assert d.app.current == "home"


def test_complaint_back_keeps_answers_and_anonymous_skips_identity(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    choose(d, 1)
    choose(d, 3)
    touch_next(d)  # skip the office
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type("antrean sangat lama, tiga jam tanpa kejelasan")
    touch_next(d)
    assert screen.step_total == 8
    choose(d, 1)  # anonim
    assert screen.step_name == "consent" and screen.step_total == 7
    d.tap(d.app.root.ids.bottombar.ids.back)
    assert screen.step_name == "privacy"
    d.tap(d.app.root.ids.bottombar.ids.back)
    assert screen.step_name == "describe"
    assert screen.current_step.ids.field.ids.ti.text == "antrean sangat lama, tiga jam tanpa kejelasan"


def test_complaint_description_too_short_is_explained_next_to_the_field(ui):
    d = ui
    app = d.app
    app.go("complaint")
    screen = app.screen
    screen.show("describe")
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type("lambat")
    touch_next(d)
    field = screen.current_step.ids.field
    assert screen.step_name == "describe"
    expected = translator("id")(MSG_DESCRIPTION_SHORT).format(min=20, count=6)
    assert field.error == expected and expected != MSG_DESCRIPTION_SHORT.format(min=20, count=6)


def test_survey_from_home_reaches_the_store(ui, core):
    d = ui
    before = rows(core, "SELECT count(*) FROM ratings WHERE kind = 'ikm'")[0][0]
    d.tap(d.screen("home").ids.tile_survey)
    screen = d.app.screen
    assert screen.step_name == "service"
    picker = screen.current_step.ids.picker
    d.settle()
    d.tap(picker.ids.agencies.children[0])  # Dinas Kesehatan
    d.settle()
    d.tap([b for b in picker.ids.services.children if isinstance(b.value, tuple)][0])
    for i, code in enumerate(f"U{n}" for n in range(1, 10)):
        d.wait(lambda c=code: screen.step_name == c, what=f"question {code}")  # the answer shows a moment
        step = screen.current_step
        assert step.labels[0] and step.labels[3]  # the element's own words under the faces
        d.tap(step.ids[f"f{4 - i % 2}"])
    d.wait(lambda: screen.step_name == "profile", what="the profile step")
    assert screen.step_name == "profile"
    d.tap(screen.current_step.ids.genders.children[-1])  # L
    touch_next(d)
    assert screen.step_name == "comment"
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type("pelayanan cepat")
    touch_next(d)
    d.settle()
    d.wait(lambda: screen.step_name == "thanks", what="the thank-you")
    after = rows(core, "SELECT count(*) FROM ratings WHERE kind = 'ikm'")[0][0]
    assert after == before + 1
    (doc,) = rows(core, "SELECT doc FROM ratings WHERE kind = 'ikm' ORDER BY created_at DESC LIMIT 1")[0]
    assert '"dinkes-sipa"' in doc and '"pelayanan cepat"' in doc and '"L"' in doc


def test_survey_double_tap_answers_one_question_only(ui):
    d = ui
    app = d.app
    app.go("survey", service_id="bappenda-pkb")
    d.settle()
    screen = app.screen
    assert screen.step_name == "U1"  # the service came with the visit: no need to ask
    d.wait(screen.accepts_taps, what="the step guard")
    face = screen.current_step.ids.f3
    d.bring_into_view(face)
    x, y = face.to_window(*face.center)
    started = time.monotonic()
    d.touch(x, y)
    d.touch(x, y)  # a double tap: the second falls while U1's answer still shows, on U1
    assert time.monotonic() - started < STEP_GUARD_S, "this machine is too slow to make a double tap"
    d.wait(lambda: screen.step_name == "U2", what="the next question")
    assert screen.draft.answers == {"U1": 3} and screen.current_step.value is None


def test_tracking_shows_the_status_and_catches_typos(ui, core):
    d = ui
    filed = core.file_complaint({
        "class": "aspirasi", "topic": "sarana", "description": "Mohon disediakan ramp untuk kursi roda di pintu depan.",
        "privacy": "anonim", "consent_version": "pdp-2026-11",
    })
    d.tap(d.screen("home").ids.tile_track)
    screen = d.app.screen
    ti = screen.ids.field.ids.ti
    assert ti.focus, "the code box is ready for a scanner at once"
    wrong = filed.tracking_code[:-1] + ("2" if filed.tracking_code[-1] != "2" else "3")
    d.press_keys(wrong.lower(), enter=True)
    assert screen.ids.field.error == translator("id")(MSG_CODE_MISTYPED)
    assert not screen.found
    ti.text = ""
    # A USB scanner types the receipt QR's whole URL and Enter.
    d.press_keys(f"https://iplik.ntbprov.go.id/lacak/{tracking.parse(filed.tracking_code)}", enter=True)
    d.settle()
    d.wait(lambda: screen.found, what="the tracking result")
    texts = [w.text for w in d.walk(screen.ids.result) if hasattr(w, "text")]
    assert "Tercatat di kiosk" in texts
    assert screen.ids.field.error == ""
    assert not d.app.typing, "the keyboard gave the room back to the result"

    # The next receipt goes straight under the scanner: nothing is touched in between.
    second = core.file_complaint({
        "class": "pengaduan", "topic": "lambat", "description": "Antrean di loket samsat sangat lambat pagi ini.",
        "privacy": "anonim", "consent_version": "pdp-2026-11",
    })
    assert d.app.focused_input is None
    d.press_keys(f"https://iplik.ntbprov.go.id/lacak/{tracking.parse(second.tracking_code)}", enter=True)
    d.settle()
    d.wait(lambda: screen._result is not None and screen._result.tracking_code == second.tracking_code,
           what="the second receipt's result")
    assert not d.app.typing, "a scanner needs no on-screen keyboard"
    texts = [w.text for w in d.walk(screen.ids.result) if hasattr(w, "text")]
    assert any(second.tracking_code in t for t in texts)


def test_information_service_page_shows_gratis_and_leads_to_a_complaint(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_info)
    d.settle()
    agencies = d.app.screen
    d.tap(agencies.ids.listing.children[-1])  # Bappenda (sorted by name)
    d.settle()
    services = d.app.screen
    d.tap(services.ids.listing.children[-1])
    d.settle()
    service = d.app.screen
    assert service.name == "service"
    texts = [w.text for w in d.walk(service.ids.content) if hasattr(w, "text")]
    assert "Gratis" in texts
    assert "Persyaratan" in texts and "Fotokopi KTP" in texts
    d.tap(service.ids.complain)
    d.settle()
    complaint = d.app.screen
    assert complaint.name == "complaint" and complaint.draft.service_id == "bappenda-pkb"


def test_search_results_follow_typing(ui):
    d = ui
    d.tap(d.screen("home").ids.search)
    screen = d.app.screen
    assert d.app.keyboard.shown
    d.type("samsat")
    d.wait(lambda: screen.searched == "samsat", what="search results")
    assert [b.service_id for b in screen.ids.listing.children] == ["bappenda-pkb"]


def test_quick_mode_counts_a_burst_of_taps_once(ui, core):

    from kiosk.domain.rating import TapDebouncer

    d = ui
    app = d.app
    cfg = app.cfg
    app.cfg = cfg._replace(survey=cfg.survey._replace(mode="quick"))
    screen = app.screens.get("survey")
    screen._debounce = TapDebouncer(app.cfg.survey.repeat_tap_interval_s)
    screen.forget()  # the mode is read when the survey starts over
    try:
        before = rows(core, "SELECT count(*) FROM ratings WHERE kind = 'quick'")[0][0]
        app.home()  # in quick mode the faces are on Home itself (issue #13)
        d.settle()
        face = d.screen("home").ids.quick_faces.ids.f4
        d.bring_into_view(face)
        x, y = face.to_window(*face.center)
        for _ in range(3):  # a child drumming on the happy face
            d.touch(x, y)
        d.settle()
        d.wait(lambda: app.screen is screen and screen.step_name == "thanks", what="the thank-you")
        after = rows(core, "SELECT count(*) FROM ratings WHERE kind = 'quick'")[0][0]
        assert after == before + 1
        assert rows(core, "SELECT face FROM ratings WHERE kind = 'quick' ORDER BY created_at DESC LIMIT 1")[0][0] == 4
    finally:
        app.cfg = cfg
        screen._debounce = TapDebouncer(cfg.survey.repeat_tap_interval_s)
        screen.forget()
        app.home()
