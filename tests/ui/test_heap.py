"""Freed memory goes back to the system once the kiosk is quiet, never between a touch and its answer."""

from __future__ import annotations

from kiosk.ui import heap


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.pending: list[tuple[float, object]] = []

    def now(self) -> float:
        return self.t

    def schedule(self, callback, delay: float) -> None:
        self.pending.append((self.t + delay, callback))

    def advance(self, seconds: float) -> None:
        end = self.t + seconds
        while True:
            due = sorted((at, cb) for at, cb in self.pending if at <= end) if self.pending else []
            if not due:
                break
            at, cb = due[0]
            self.pending.remove((at, cb))
            self.t = at
            cb(0)
        self.t = end


def make(quiet_s: float = 4.0):
    clock = FakeClock()
    calls = []
    trimmer = heap.QuietTrimmer(clock.schedule, quiet_s=quiet_s, release=lambda: calls.append(clock.t) or True,
                                now=clock.now)
    return clock, trimmer, calls


def test_it_waits_for_quiet_after_the_last_touch():
    clock, trimmer, calls = make()
    for _ in range(10):  # a citizen tapping every second
        trimmer.activity()
        clock.advance(1.0)
    assert calls == []
    clock.advance(2.9)  # 3.9 s since the last touch
    assert calls == []
    clock.advance(0.2)
    assert calls == [13.0]
    assert len(clock.pending) == 0, "once per spell of activity, not a timer that runs forever"


def test_it_runs_again_only_after_new_activity():
    clock, trimmer, calls = make()
    trimmer.activity()
    clock.advance(10)
    clock.advance(60)
    assert len(calls) == 1
    trimmer.activity()
    clock.advance(5)
    assert len(calls) == 2 and trimmer.released == 2


def test_touches_do_not_pile_up_timers():
    clock, trimmer, _calls = make()
    for _ in range(1000):
        trimmer.activity()
    assert len(clock.pending) == 1


def test_release_really_calls_the_c_library():
    assert heap.release_free_memory() is True  # glibc here, as on Debian and Raspberry Pi OS


def test_the_collector_is_back_on_once_the_core_is_open_with_start_up_frozen(ui):
    import gc

    ui.settle()
    assert ui.app.backend.ready.is_set()
    assert gc.isenabled(), "paused for the start-up only"
    assert gc.get_freeze_count() > 10_000, "the start-up's objects are set aside, not walked in every collection"
