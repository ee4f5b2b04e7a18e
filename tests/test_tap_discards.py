"""The kiosk's count of quick-rating taps the repeated-tap filter dropped (issue 14, item 2)."""

from __future__ import annotations

from datetime import date, timedelta

from kiosk.store import tap_discards


def test_each_dropped_tap_adds_one_to_its_day(store):
    day = date(2026, 11, 30)
    for _ in range(3):
        tap_discards.count_one(store.db, day)
    tap_discards.count_one(store.db, day + timedelta(days=1))
    assert tap_discards.recent(store.db, day + timedelta(days=1)) == {"2026-11-30": 3, "2026-12-01": 1}


def test_recent_sends_the_last_14_days_and_old_days_are_pruned(store):
    today = date(2026, 12, 7)
    for back in (61, 60, 14, 13, 0):  # in time order, as a kiosk counts them
        tap_discards.count_one(store.db, today - timedelta(days=back))
    # 14 days including today: 7 Dec back to 24 Nov (13 days before); 23 Nov (14 before) is not sent.
    assert tap_discards.recent(store.db, today) == {"2026-11-24": 1, "2026-12-07": 1}
    # Counting on 7 Dec pruned days before 8 Oct (60 days earlier); 8 Oct itself (60 before) is kept.
    kept = [d for (d,) in store.db.execute("SELECT day FROM tap_discards ORDER BY day").fetchall()]
    assert kept == ["2026-10-08", "2026-11-23", "2026-11-24", "2026-12-07"]
