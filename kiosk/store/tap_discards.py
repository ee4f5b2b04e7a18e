"""Taps the quick rating's repeated-tap filter dropped, counted per local day (issue 14, item 2).

The filter (``domain.rating.TapDebouncer``) keeps a burst of taps from adding more than one rating; the
server still wants to know how many taps it threw away, so each one adds 1 to its day's row here, and the
heartbeat carries the newest days (the kiosk's count is the truth for its day: the server overwrites).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

# The heartbeat carries this many days (today included): a kiosk offline for two weeks still reports them.
SENT_DAYS = 14
# Days kept on the kiosk; older rows are pruned when a tap is counted.
KEEP_DAYS = 60


def count_one(db: Database, day: date) -> None:
    """One more dropped tap on ``day``; prunes days older than KEEP_DAYS in the same transaction."""
    with db.atomic():
        db.execute(
            "INSERT INTO tap_discards (day, count) VALUES (?, 1) "
            "ON CONFLICT (day) DO UPDATE SET count = count + 1",
            [day.isoformat()],
        )
        db.execute("DELETE FROM tap_discards WHERE day < ?", [(day - timedelta(days=KEEP_DAYS)).isoformat()])


def recent(db: Database, today: date, days: int = SENT_DAYS) -> dict[str, int]:
    """``{"YYYY-MM-DD": n}`` for the last ``days`` local days up to ``today`` that have a count."""
    first = (today - timedelta(days=days - 1)).isoformat()
    rows = db.execute("SELECT day, count FROM tap_discards WHERE day >= ? AND day <= ? ORDER BY day",
                      [first, today.isoformat()]).fetchall()
    return {day: count for day, count in rows}
