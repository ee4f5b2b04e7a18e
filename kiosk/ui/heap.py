"""Giving the memory freed by a citizen's session back to the system once the kiosk is quiet.

Each screen a citizen opens makes widgets, text textures and font surfaces, and drops them on the way
out. Python frees them, but glibc's malloc keeps most freed pages inside its heap for reuse: over a busy
hour the kiosk's resident memory creeps up by tens of megabytes that nothing uses (measured in
bench/bench_ui_frames.py: Python's objects stay flat while the heap's free space grows). ``malloc_trim``
hands those pages back; it takes a few milliseconds, so it runs only when nobody has touched the
screen for a few seconds, never between a touch and its answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

QUIET_S = 4.0
_UNLOADED = object()
_trim = _UNLOADED


def _malloc_trim():
    """glibc's malloc_trim, loaded the first time (ctypes is not worth importing on the way to Home)."""
    global _trim
    if _trim is _UNLOADED:
        import ctypes

        try:
            _trim = ctypes.CDLL("libc.so.6").malloc_trim
            _trim.argtypes = [ctypes.c_size_t]
            _trim.restype = ctypes.c_int
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
            log.info("malloc_trim is not available; freed memory stays with the process")
            _trim = None
    return _trim


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class QuietTrimmer:
    """Calls ``release`` once after each spell of activity, when ``quiet_s`` have passed without any.

    ``schedule(callback, delay)`` is Kivy's ``Clock.schedule_once`` in the app (a parameter so the
    timing can be tested without a window).
    """

    def __init__(self, schedule, *, quiet_s: float = QUIET_S, release=release_free_memory,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._schedule = schedule
        self._quiet_s = quiet_s
        self._release = release
        self._now = now
        self._last = now()
        self._pending = False
        self.released = 0

    def activity(self) -> None:
        self._last = self._now()
        if not self._pending:
            self._pending = True
            self._schedule(self._check, self._quiet_s)

    def _check(self, *_args) -> None:
        left = self._quiet_s - (self._now() - self._last)
        if left > 0:
            self._schedule(self._check, left)
            return
        self._pending = False
        if self._release():
            self.released += 1
