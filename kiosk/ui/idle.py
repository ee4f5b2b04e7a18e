"""After a while without a touch: "Masih di sana?" with a countdown, then everything is cleared.

One timer at a time, never a polling loop: after each check the next one is scheduled for the moment
the timeout could expire (a touch only records the time). The countdown ticks once a second while the
question is on screen. Time comes from ``now`` so tests can move it forward without sleeping.

After a reset, touches are ignored for a moment (``guard_s``): the screen changed under a hand that was
still busy with the last one (staff typing the PIN, a double touch on "No, start over"), and Home's big
tiles lie where those keys were. Nobody walking up to the kiosk touches it within that moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kivy.clock import Clock

RESET_GUARD_S = 1.5


class IdleWatcher:
    def __init__(
        self,
        *,
        timeout_s: float,
        countdown_s: int,
        needs_prompt: Callable[[], bool],
        on_prompt: Callable[[int], None],
        on_tick: Callable[[int], None],
        on_cancel: Callable[[], None],
        on_reset: Callable[[], None],
        now: Callable[[], float] = time.monotonic,
        guard_s: float = RESET_GUARD_S,
    ) -> None:
        self.timeout_s = timeout_s
        self.guard_s = guard_s
        self.countdown_s = countdown_s
        self._needs_prompt = needs_prompt
        self._on_prompt = on_prompt
        self._on_tick = on_tick
        self._on_cancel = on_cancel
        self._on_reset = on_reset
        self.now = now
        self.last_activity = now()
        self.left = 0  # seconds of countdown left; 0 when no question is shown
        self._check_ev = None
        self._tick_ev = None
        self._reset_at: float | None = None

    @property
    def prompting(self) -> bool:
        return self.left > 0

    def guarding(self) -> bool:
        """True for ``guard_s`` after a reset while nothing else happened: a touch now was meant for the
        screen that just went. Any activity recorded since (a key, a new time out) ends it."""
        if self._reset_at is None or self.last_activity != self._reset_at:
            return False
        since = self.now() - self._reset_at
        if since < 0 or since >= self.guard_s:
            # Over, or the clock went back (a test moved it, then put it back): never again, not even
            # when the clock later passes that moment.
            self._reset_at = None
            return False
        return True

    def start(self) -> None:
        self.last_activity = self.now()
        self._schedule_check(self.timeout_s)

    def stop(self) -> None:
        for ev in (self._check_ev, self._tick_ev):
            if ev is not None:
                ev.cancel()
        self._check_ev = self._tick_ev = None

    def configure(self, *, timeout_s: float, countdown_s: int) -> None:
        self.timeout_s, self.countdown_s = timeout_s, countdown_s
        self.activity()

    def activity(self, *_args) -> bool:
        """A touch or key press. Returns True when it only answered the question (swallow it)."""
        self.last_activity = self.now()
        if self.prompting:
            self._end_prompt()
            self._on_cancel()
            self._schedule_check(self.timeout_s)
            return True
        return False

    def check(self, *_args) -> None:
        """Called by the timer; tests call it after moving ``now``."""
        if self.prompting:
            return
        idle = self.now() - self.last_activity
        if idle < self.timeout_s:
            self._schedule_check(self.timeout_s - idle)
            return
        if self._needs_prompt():
            self.left = max(1, int(self.countdown_s))
            self._on_prompt(self.left)
            self._tick_ev = Clock.schedule_interval(self.tick, 1.0)
        else:
            self.reset()

    def tick(self, *_args) -> None:
        if not self.prompting:
            return
        elapsed = self.now() - self.last_activity - self.timeout_s
        self.left = max(0, int(round(self.countdown_s - elapsed)))
        if self.left <= 0:
            self.reset()
        else:
            self._on_tick(self.left)

    def reset(self) -> None:
        self._end_prompt()
        self._on_reset()
        self.last_activity = self._reset_at = self.now()
        self._schedule_check(self.timeout_s)

    def _end_prompt(self) -> None:
        self.left = 0
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None

    def _schedule_check(self, delay: float) -> None:
        if self._check_ev is not None:
            self._check_ev.cancel()
        self._check_ev = Clock.schedule_once(self.check, max(0.5, delay))
