"""The one way screens reach the kiosk core: facade calls on a worker thread, results on the UI thread.

The UI thread never runs SQL, PDF rendering or network I/O (DESIGN.md). A screen calls
``backend.run(lambda k: k.services(agency_id), on_done=..., on_error=...)``; the function runs on the
worker with the :class:`kiosk.actions.Kiosk` as its argument, and ``on_done(result)`` or
``on_error(exc)`` is scheduled back on the UI thread with ``Clock.schedule_once``. Calls run one at a
time in order, so a citizen's taps are answered in the order they were made.

The facade is opened on the worker too (importing it pulls in the store and the PDF code), which
keeps that work off the start-up path of the Home screen.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

from ..errors import NotFound, ValidationError

log = logging.getLogger(__name__)

Opener = Callable[[], Any]
_STOP = object()
# A call slower than this shows progress.
SLOW_S = 0.3


class Backend(EventDispatcher):
    pending = NumericProperty(0)  # calls queued or running
    slow = BooleanProperty(False)  # the running call has taken longer than SLOW_S

    def __init__(self, opener: Opener, **kwargs) -> None:
        super().__init__(**kwargs)
        self._opener = opener
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._kiosk: Any = None
        self._open_error: BaseException | None = None
        self._slow_ev = Clock.create_trigger(self._mark_slow, SLOW_S)
        self.ready = threading.Event()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kiosk-backend", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        quiet: bool = False,
    ) -> None:
        """Run ``fn(kiosk, *args)`` on the worker; report back on the UI thread.

        ``quiet`` calls are housekeeping the citizen did not ask for: they never show progress.
        """
        self.start()
        if not quiet:
            self.pending += 1
            self._slow_ev()
        self._queue.put((fn, args, on_done, on_error, quiet))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """For tests and tools: block until the queue is empty (results still need a frame to land)."""
        done = threading.Event()
        self._queue.put((lambda _k: done.set(), (), None, None, True))
        return done.wait(timeout)

    # --- worker thread ----------------------------------------------------------------------------

    def _loop(self) -> None:
        try:
            self._kiosk = self._opener()
        except BaseException as exc:  # reported with every call, so the screen can say so
            log.exception("cannot open the kiosk core")
            self._open_error = exc
        self.ready.set()
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            fn, args, on_done, on_error, quiet = item
            started = time.perf_counter()
            try:
                if self._open_error is not None:
                    raise self._open_error
                result = fn(self._kiosk, *args)
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the screen
                if not _expected(exc):
                    log.exception("backend call %s failed", getattr(fn, "__qualname__", fn))
                Clock.schedule_once(lambda _dt, e=exc, cb=on_error, q=quiet: self._finish(cb, e, q), 0)
            else:
                Clock.schedule_once(lambda _dt, r=result, cb=on_done, q=quiet: self._finish(cb, r, q), 0)
            log.debug("backend call took %.1f ms", (time.perf_counter() - started) * 1000)
        if self._kiosk is not None and hasattr(self._kiosk, "close"):
            try:
                self._kiosk.close()
            except Exception:  # noqa: BLE001
                log.exception("closing the kiosk core failed")

    # --- UI thread --------------------------------------------------------------------------------

    def _finish(self, callback, value, quiet: bool) -> None:
        if not quiet:
            self.pending = max(0, self.pending - 1)
            if self.pending == 0:
                self._slow_ev.cancel()
                self.slow = False
            else:
                self._slow_ev()
        if callback is not None:
            callback(value)

    def _mark_slow(self, _dt) -> None:
        self.slow = self.pending > 0


def _expected(exc: BaseException) -> bool:
    """Errors that are answers for the citizen (bad input, unknown code), not faults to log."""
    return isinstance(exc, (ValidationError, NotFound))
