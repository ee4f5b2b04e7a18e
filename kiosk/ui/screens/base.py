"""What every screen can do: be opened with parameters, go back inside itself, forget everything."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.screenmanager import Screen

from ..i18n import N_

# How long one frame may spend building a long page before the next frame (and any touch) gets its turn.
STEP_BUDGET_S = 0.012


class KScreen(Screen):
    """Base of the kiosk's screens.

    * :meth:`open` receives the navigation parameters before the screen is shown.
    * :meth:`back` handles the Back button inside the screen (a wizard's previous step) and returns
      True, or returns False to let the app go to the previous screen.
    * :meth:`reset` clears every trace of the last citizen (fields, choices, results, scroll).
    * :meth:`relabel` rebuilds texts made in Python after a language switch (KV texts redraw alone).
    * :meth:`has_unsent` says whether leaving now would throw away what the citizen entered and has not
      sent; the Home button then asks first, with :attr:`unsent_question` (a msgid).
    * :meth:`call` runs a facade call on the backend; answers that arrive after a reset are dropped,
      so a slow search cannot paint the last person's results for the next one.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._generation = 0
        self._steps_token = 0

    @property
    def app(self):
        return App.get_running_app()

    def open(self, **params: Any) -> None:
        pass

    def back(self) -> bool:
        return False

    def reset(self) -> None:
        pass

    def relabel(self) -> None:
        pass

    unsent_question = N_("Discard what you have entered?")
    unsent_detail = N_("If you go to the start now, what you entered on this screen is deleted.")

    def has_unsent(self) -> bool:
        return False

    def forget(self) -> None:
        """Reset and drop any answer still on its way."""
        self._generation += 1
        self.reset()

    def call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        generation = self._generation

        def guard(callback):
            if callback is None:
                return None

            def run(value):
                if generation == self._generation:
                    callback(value)

            return run

        self.app.backend.run(fn, *args, on_done=guard(on_done), on_error=guard(on_error or self.show_error))

    def build_in_steps(self, steps: Iterable[Callable[[], None]]) -> None:
        """Build a long page a few parts per frame: the first parts show at once, and a touch in the middle
        (Back, say) is answered within a frame instead of after the whole page. A new build, a reset or
        a forget drops what is left of the previous one."""
        self._steps_token += 1
        token, generation = self._steps_token, self._generation
        pending = iter(steps)
        app = self.app
        app.building += 1

        def run(_dt=None) -> None:
            if token != self._steps_token or generation != self._generation:
                app.building -= 1
                return
            deadline = time.perf_counter() + STEP_BUDGET_S
            for step in pending:
                step()
                if time.perf_counter() >= deadline:
                    Clock.schedule_once(run, 0)
                    return
            app.building -= 1

        run()

    def show_error(self, exc: BaseException) -> None:
        """Default for calls without their own error handler: a plain message on the app."""
        self.app.notify(self.app.tr.error(exc))
