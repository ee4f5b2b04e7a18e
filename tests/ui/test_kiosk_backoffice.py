"""The kiosk's side of issue #11 in the real window: the standard step of a complaint and the answer on Track."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain import tracking
from kiosk.domain.complaint import STANDARD_PART_LABELS, StandardPart
from kiosk.i18n import translator
from kiosk.store import records, sync_ops
from kiosk.ui.screens.complaint import PART_UNKNOWN_LABEL

from .test_flows import DESCRIPTION, choose, rows, touch_next

pytestmark = pytest.mark.ui
ID = translator("id")


def _to_service(d, *, agency_only: bool = False) -> None:
    """Home -> complaint -> class -> topic -> the picker, then Bappenda's first service (or Bappenda)."""
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    choose(d, 0)
    choose(d, 0)
    assert screen.step_name == "where"
    picker = screen.current_step.ids.picker
    d.settle()
    d.tap(picker.ids.agencies.children[-1])  # Badan Pendapatan Daerah
    d.settle()
    buttons = [b for b in picker.ids.services.children if isinstance(b.value, tuple)]
    if agency_only:
        buttons = [b for b in picker.ids.services.children if b not in buttons and getattr(b, "value", None)]
    d.tap(buttons[0])


def _texts(widget) -> list[str]:
    return [w.text for w in widget.walk(restrict=True) if isinstance(getattr(w, "text", None), str) and w.text]


def _finish(d, screen) -> str:
    """From the describe step to the receipt (an anonymous report); returns the canonical code."""
    assert screen.step_name == "describe"
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type(DESCRIPTION)
    touch_next(d)
    choose(d, 1)  # anonim: no identity step
    d.tap(screen.current_step.ids.agree)
    touch_next(d)
    assert screen.step_name == "review"
    review = _texts(screen.current_step)
    touch_next(d)
    d.settle()
    d.wait(lambda: screen.step_name == "receipt", what="the receipt")
    return tracking.parse(screen.current_step.code), review


def test_after_a_service_the_citizen_may_name_the_part_of_its_standard(ui, core):
    d = ui
    _to_service(d)
    screen = d.app.screen
    assert screen.step_name == "standard"
    step = screen.current_step
    shown = _texts(step)
    # Every part in Indonesian, and "I don't know" as an answer of its own.
    for part in StandardPart:
        assert ID(STANDARD_PART_LABELS[part]) in shown
    assert "Tidak tahu" in shown and "Persyaratan" in shown
    assert len(step.ids.choices.children) == len(StandardPart) + 1
    choose(d, list(StandardPart).index(StandardPart.WAKTU))
    code, review = _finish(d, screen)
    assert "Bagian standar yang tidak dipenuhi" in review and "Jangka waktu penyelesaian" in review
    (doc,) = rows(core, "SELECT doc FROM complaints WHERE tracking_code = ?", code)[0]
    assert json.loads(doc)["standard_part"] == "waktu"


def test_i_dont_know_sends_no_part_and_back_keeps_the_choice(ui, core):
    d = ui
    _to_service(d)
    screen = d.app.screen
    choose(d, len(StandardPart))  # the last answer: I don't know
    assert screen.step_name == "describe"
    # The describe step opens with the keyboard up: Back sits beside "Lanjut" above it.
    assert d.app.typing
    d.tap(screen.ids.typing_back)
    assert screen.step_name == "standard"
    selected = [b for b in screen.current_step.ids.choices.children if b.selected]
    assert [b.text for b in selected] == [ID(PART_UNKNOWN_LABEL)]
    touch_next(d)
    code, review = _finish(d, screen)
    assert "Tidak tahu" in review
    (doc,) = rows(core, "SELECT doc FROM complaints WHERE tracking_code = ?", code)[0]
    assert "standard_part" not in json.loads(doc)


def test_no_service_no_standard_question(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    choose(d, 0)
    choose(d, 0)
    touch_next(d)  # skip the office
    assert screen.step_name == "describe"
    assert "standard" not in screen.step_names()


def test_removing_the_service_drops_the_part(ui):
    d = ui
    _to_service(d)
    screen = d.app.screen
    choose(d, 0)  # persyaratan
    assert screen.draft.standard_part == "persyaratan"
    d.tap(screen.ids.typing_back)  # from describe, where the keyboard is up
    d.tap(d.app.root.ids.bottombar.ids.back)
    assert screen.step_name == "where"
    d.tap(screen.current_step.ids["remove"])
    assert screen.draft.standard_part is None and "standard" not in screen.step_names()
    assert screen.draft.to_raw("v1")["standard_part"] is None


ANSWER = "\n\n".join(
    f"Paragraf {i}: Bapenda telah memeriksa laporan Anda dan menegur petugas loket yang bersangkutan. "
    "Uang yang diminta di luar tarif resmi sudah dikembalikan, dan papan tarif dipasang di depan loket."
    for i in range(1, 9)
) + "\n\nAKHIR JAWABAN"


def _answered(core) -> str:
    """A complaint of this kiosk that the sync has brought an agency's long answer for."""
    filed = core.file_complaint({
        "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda", "privacy": "anonim",
        "description": "Petugas loket meminta uang tambahan di luar tarif resmi.", "consent_version": "pdp-2026-11",
    })
    code = tracking.parse(filed.tracking_code)
    row = records.complaint_by_code(core.store.db, code)
    at = datetime.now(UTC)
    stamps = [(at + timedelta(minutes=i)).isoformat(timespec="seconds") for i in range(4)]
    sync_ops.apply_updates(core.store.db, [{
        "uuid": row.uuid, "tracking_code": code, "status": "followed_up", "status_at": stamps[3],
        "response": ANSWER, "response_at": stamps[3],
        "events": [{"status": s, "at": t, "note": None}
                   for s, t in zip(("sent", "verified", "forwarded", "followed_up"), stamps)],
    }], "c-1")
    return filed.tracking_code


def test_track_shows_the_whole_answer_and_scrolls_it_into_view(ui, core):
    d = ui
    code = _answered(core)
    d.tap(d.screen("home").ids.tile_track)
    screen = d.app.screen
    d.press_keys(code, enter=True)
    d.settle()
    d.wait(lambda: screen.found, what="the tracking result")
    answer = screen._answer
    assert answer is not None
    # In full: the answer's text is the whole response, not a preview, and its label is as tall as its lines.
    (body,) = [w for w in answer.walk(restrict=True) if getattr(w, "text", None) == ANSWER]
    d.frames(3)
    assert body.texture_size[1] <= body.height + 1

    page = screen.ids.page
    content = page.children[0]
    assert content.height > page.height, "the result is longer than the window: the page must scroll"

    def window_y(widget, y: float) -> float:
        return widget.to_window(widget.x, y)[1]

    def page_shows(y: float) -> bool:
        """A window height inside the page's visible part."""
        return window_y(page, page.y) <= y <= window_y(page, page.top)

    def heading_in_view() -> bool:
        return page.scroll_y < 1 and page_shows(window_y(answer, answer.top))

    d.wait(heading_in_view, what="the answer scrolled into view")
    assert "Jawaban dari kantor" in _texts(answer)

    # The end of a long answer can be reached by scrolling the page (nothing is cut off).
    page.scroll_y = 0
    d.frames(3)
    assert page_shows(window_y(body, body.y))


def test_track_without_an_answer_stays_at_the_top(ui, core):
    d = ui
    filed = core.file_complaint({
        "class": "aspirasi", "topic": "sarana", "description": "Mohon disediakan ramp untuk kursi roda di pintu depan.",
        "privacy": "anonim", "consent_version": "pdp-2026-11",
    })
    d.tap(d.screen("home").ids.tile_track)
    screen = d.app.screen
    d.press_keys(filed.tracking_code, enter=True)
    d.settle()
    d.wait(lambda: screen.found, what="the tracking result")
    d.frames(3)
    assert screen._answer is None and screen.ids.page.scroll_y == pytest.approx(1)
    assert "Belum ada jawaban." in _texts(screen.ids.result)
