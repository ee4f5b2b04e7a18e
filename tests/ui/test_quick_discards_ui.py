"""Quick mode: a repeated tap on a face adds no rating but is counted, for the server, in the store's
``tap_discards`` for today (issue 14, item 2). Driven by touches in the real offscreen window."""

from __future__ import annotations

from datetime import datetime

import pytest

pytestmark = pytest.mark.ui


def double_tap(d, x, y):
    """Two touches on one spot with no frame between them (a frame would let the first tap's thank-you
    replace Home under the finger on a fast machine)."""
    from kivy.base import EventLoop

    from kiosk.ui.driver import _touch_class

    win = EventLoop.window
    pos = {"x": x / max(1, win.width - 1), "y": y / max(1, win.height - 1)}
    for n in (1, 2):
        t = _touch_class()("driver", 9_000_000 + n, dict(pos))
        EventLoop.post_dispatch_input("begin", t)
        EventLoop.post_dispatch_input("end", t)


def one(core, sql, *params):
    row = core.store.db.execute(sql, params).fetchone()
    return row[0] if row else None


def test_a_second_quick_tap_is_dropped_and_counted_for_today(quick_mode, core):
    d = quick_mode
    today = datetime.now(core.config.tz).date().isoformat()
    ratings_before = one(core, "SELECT count(*) FROM ratings WHERE kind = 'quick'")
    dropped_before = one(core, "SELECT count FROM tap_discards WHERE day = ?", today) or 0
    face = d.screen("home").ids.quick_faces.ids.f3
    d.bring_into_view(face)
    x, y = face.to_window(*face.center)
    double_tap(d, x, y)  # the second lands before a frame passes: the repeated-tap filter drops it
    d.settle()
    d.wait(lambda: (one(core, "SELECT count FROM tap_discards WHERE day = ?", today) or 0) == dropped_before + 1,
           what="the dropped tap counted")
    d.wait(lambda: one(core, "SELECT count(*) FROM ratings WHERE kind = 'quick'") == ratings_before + 1,
           what="one rating")
    assert one(core, "SELECT face FROM ratings WHERE kind = 'quick' ORDER BY created_at DESC, rowid DESC LIMIT 1") == 3
