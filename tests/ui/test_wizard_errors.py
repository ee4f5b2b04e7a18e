"""The complaint wizard's refusals (issue #13, items 2, 3 and 5): shown in view, fresh, and never hidden.

Driven through the real offscreen window (1280x800, the small 10" kiosk) with the Driver's taps and the
on-screen keyboard's keys.
"""

from __future__ import annotations

import pytest

from kiosk.domain.complaint import DESCRIPTION_MIN
from kiosk.ui.i18n import tr
from kiosk.ui.screens.wizard import STEP_GUARD_S  # noqa: F401 - the guard the waits below respect

pytestmark = pytest.mark.ui


def _wait_guard(d) -> None:
    d.wait(lambda: d.app.screen.accepts_taps(), what="the step guard")


def _complaint_at(d, step: str, *, privacy: str = "biasa"):
    """The complaint wizard at ``step`` with the answers before it given."""
    d.app.go("complaint")
    screen = d.app.screen
    draft = screen.draft
    draft.complaint_class, draft.topic, draft.privacy = "pengaduan", "lambat", privacy
    draft.description = "antrean lama sekali, tiga jam tanpa kejelasan"
    screen.show(step)
    d.frames(3)
    _wait_guard(d)
    return screen


def _window_span(widget) -> tuple[float, float]:
    _x, bottom = widget.to_window(widget.x, widget.y)
    return bottom, bottom + widget.height


def _in_view(screen, widget) -> bool:
    """Inside the visible part of the page: not under the top bar, the button bar or the keyboard."""
    page_bottom, page_top = _window_span(screen.ids.page)
    bottom, top = _window_span(widget)
    return widget.height > 0 and bottom >= page_bottom - 1 and top <= page_top + 1


def _marked(widget) -> bool:
    """The fault mark (bar and edge) is drawn on the widget's canvas."""
    from kivy.graphics import InstructionGroup

    return any(type(g) is InstructionGroup and g.children for g in widget.canvas.after.children)


def test_a_refused_consent_scrolls_the_box_and_its_message_into_view(ui):
    d = ui
    screen = _complaint_at(d, "consent")
    step = screen.current_step
    assert not _in_view(screen, step.ids.agree), "the premise: the box starts below the fold at 1280x800"
    d.tap(screen.ids.next)
    assert screen.step_name == "consent" and step.ids.error.text
    d.wait(lambda: _in_view(screen, step.ids.agree) and _in_view(screen, step.ids.error),
           what="the box and its message in view")
    group = step.ids.agree.parent
    assert group is not step and _marked(group), "the faulty answer is marked, not only its message"
    # Ticking the box is the right answer: the message goes at once, before Next.
    d.tap(step.ids.agree)
    assert step.ids.error.text == "" and not _marked(group)


def test_an_anonymous_report_is_not_told_why_we_ask_for_its_data(ui):
    d = ui
    screen = _complaint_at(d, "consent", privacy="anonim")
    texts = [w.text for w in d.walk(screen.current_step) if isinstance(getattr(w, "text", None), str)]
    assert tr._("Why we ask") not in texts and tr._("Your personal data") not in texts
    assert tr._("How we use your report") in texts
    screen = _complaint_at(d, "consent", privacy="biasa")
    texts = [w.text for w in d.walk(screen.current_step) if isinstance(getattr(w, "text", None), str)]
    assert tr._("Why we ask") in texts


def test_the_description_message_follows_the_typing_and_goes_when_long_enough(ui):
    d = ui
    screen = _complaint_at(d, "describe")
    screen.draft.description = ""
    field = screen.current_step.ids.field
    field.ids.ti.text = ""
    d.tap(field.ids.ti)
    d.type("lambat")
    d.tap(screen.ids.next)
    assert screen.step_name == "describe" and "6" in field.error
    d.type(" sekali")
    assert "13" in field.error, "the count in the message is the one on screen now"
    d.type(" tiga jam menunggu di loket")
    assert len(field.ids.ti.text) >= DESCRIPTION_MIN
    assert field.error == "", "a long enough description carries no message"


def test_with_the_keyboard_up_the_message_is_not_under_the_button_bar(ui):
    d = ui
    screen = _complaint_at(d, "describe")
    field = screen.current_step.ids.field
    field.ids.ti.text = ""
    d.app.clear_focus()
    d.frames(2)
    d.tap(screen.ids.next)  # nothing written yet
    assert field.error
    error_line = field.children[0]
    assert error_line.__class__.__name__ == "ErrorLine"
    # Then the citizen touches the box to write: the keyboard comes up, and the message stays in view.
    d.app.clear_focus()
    d.frames(2)
    d.tap(field.ids.ti)
    assert d.app.keyboard.shown
    d.frames(4)
    _bar_bottom, bar_top = _window_span(screen.ids.next.parent)
    assert _window_span(error_line)[0] >= bar_top - 1, "the message lies above the Next bar"
    assert _in_view(screen, error_line) and _in_view(screen, field.ids.ti)
    # And again after a refusal with the keyboard up.
    d.type("lambat")
    d.tap(screen.ids.next)
    d.frames(4)
    assert "6" in field.error and _in_view(screen, error_line) and _window_span(error_line)[0] >= bar_top - 1


def test_identity_lists_what_needs_correcting_and_an_entry_leads_to_its_field(ui):
    d = ui
    screen = _complaint_at(d, "identity")
    ids = screen.current_step.ids
    summary = ids.summary
    assert not summary.faults and summary.height == 0, "no summary before a refusal"
    d.tap(ids.nik.ids.ti)
    d.type("1234")
    d.tap(screen.ids.next)
    assert screen.step_name == "identity"
    assert ids.name.error and ids.nik.error
    entries = list(summary.ids.entries.children[::-1])
    assert [e.text[0] for e in entries] == [ids.name.error, ids.nik.error], "each message, top to bottom"
    assert _marked(ids.name) and _marked(ids.nik) and not _marked(ids.phone)
    d.wait(lambda: ids.name.ids.ti.focus, what="the first faulty field focused")
    # An entry of the summary takes the citizen to its field.
    d.app.clear_focus()
    d.frames(2)
    d.tap(entries[1])
    d.wait(lambda: ids.nik.ids.ti.focus and _in_view(screen, ids.nik), what="the NIK field focused, in view")
    # Correcting a field takes its message off the field and off the summary at once.
    d.tap(ids.name.ids.ti)
    d.type("baiq")
    assert ids.name.error == "" and not _marked(ids.name)
    assert [e.text[0] for e in summary.ids.entries.children] == [ids.nik.error]


def test_the_office_step_says_next_once_something_is_chosen(ui):
    d = ui
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    for index in (0, 1):
        _wait_guard(d)
        d.tap(screen.current_step.ids.choices.children[::-1][index])
    assert screen.step_name == "where"
    assert screen.ids.next.text == tr._("Skip this question")
    picker = screen.current_step.ids.picker
    d.settle()
    d.tap(picker.ids.agencies.children[-1])
    d.settle()
    d.tap(next(b for b in picker.ids.services.children if isinstance(b.value, tuple)))
    assert screen.step_name == "standard"
    d.tap(d.app.root.ids.bottombar.ids.back)
    assert screen.step_name == "where"
    d.frames(2)
    assert screen.ids.next.text == tr._("Next"), "a service is chosen: the way on is Next, not Skip"


def _service_page(d):
    d.tap(d.screen("home").ids.tile_info)
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])  # Bappenda
    d.settle()
    d.tap(d.app.screen.ids.listing.children[-1])
    d.settle()
    assert d.app.current == "service"
    return d.app.screen


def test_a_complaint_from_a_service_page_does_not_ask_for_the_service_again(ui):
    d = ui
    service = _service_page(d)
    d.tap(service.ids.complain)
    d.settle()
    screen = d.app.screen
    assert screen.name == "complaint" and screen.step_name == "class"
    assert screen.step_total == 8, "class, topic, standard, describe, privacy, identity, consent, review"
    _wait_guard(d)
    d.tap(screen.current_step.ids.choices.children[::-1][0])
    _wait_guard(d)
    d.tap(screen.current_step.ids.choices.children[::-1][1])
    assert screen.step_name == "standard", "the service is known: its standard is the next question"
    assert screen.draft.service_id == "bappenda-pkb" and screen.draft.place
    back = d.app.root.ids.bottombar.ids.back
    d.tap(back)
    d.tap(back)
    assert screen.step_name == "class"
    d.tap(back)
    assert d.app.current == "service", "Back from the first question returns to the service's page"


def test_change_on_the_review_still_reaches_a_skipped_question(ui):
    d = ui
    service = _service_page(d)
    d.tap(service.ids.complain)
    d.settle()
    screen = d.app.screen
    draft = screen.draft
    draft.complaint_class, draft.topic, draft.standard_part, draft.privacy = "pengaduan", "lambat", "waktu", "anonim"
    draft.description = "antrean lama sekali, tiga jam tanpa kejelasan"
    draft.consent = True
    screen.show("review")
    d.frames(3)
    rows = screen.current_step.ids.rows.children[::-1]
    office_row = rows[2]
    d.tap(office_row.ids.change)
    assert screen.step_name == "where" and "where" in screen.step_names()
    assert screen.ids.next.text == tr._("Next")
