"""A complaint wizard files once, however often Send is pressed: it carries one idempotency key."""

from __future__ import annotations

import pytest

from kiosk.domain import tracking

from .test_flows import choose, rows, touch_next

pytestmark = pytest.mark.ui


def to_review(d):
    d.tap(d.screen("home").ids.tile_complaint)
    screen = d.app.screen
    choose(d, 1)
    choose(d, 3)
    touch_next(d)  # no office
    d.tap(screen.current_step.ids.field.ids.ti)
    d.type("antrean sangat lama, tiga jam tanpa kejelasan sama sekali")
    touch_next(d)
    choose(d, 1)  # anonim
    d.tap(screen.current_step.ids.agree)
    touch_next(d)
    assert screen.step_name == "review"
    return screen


def test_a_send_whose_answer_was_lost_is_not_filed_twice(ui, core, ui_config):
    d = ui
    screen = to_review(d)
    key = screen.draft.key
    # The first Send stored the complaint, but its answer never reached the screen (the kiosk was
    # restarted under it, say); the citizen, still on the review, presses Send again.
    first = core.file_complaint(screen.draft.to_raw(ui_config.privacy.consent_version), uuid=key)
    touch_next(d)
    d.settle()
    d.wait(lambda: screen.step_name == "receipt", what="the receipt")
    assert screen.current_step.code == first.tracking_code
    assert rows(core, "SELECT count(*) FROM complaints WHERE uuid = ?", key) == [(1,)]
    assert rows(core, "SELECT tracking_code FROM complaints WHERE uuid = ?", key) == [(tracking.parse(first.tracking_code),)]
    # The next citizen's wizard has a key of its own.
    assert screen.draft.key != key
