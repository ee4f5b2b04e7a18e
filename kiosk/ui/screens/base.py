"""What every screen can do: be opened with parameters, go back inside itself, forget everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


class KScreen(Screen):
    """Base of the kiosk's screens.

    * :meth:`open` receives the navigation parameters before the screen is shown.
    * :meth:`back` handles the Back button inside the screen (a wizard's previous step) and returns
      True, or returns False to let the app go to the previous screen.
    * :meth:`reset` clears every trace of the last citizen (fields, choices, results, scroll).
    * :meth:`relabel` rebuilds texts made in Python after a language switch (KV texts redraw alone).
    * :meth:`call` runs a facade call on the backend; answers that arrive after a reset are dropped,
      so a slow search cannot paint the last person's results for the next one.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._generation = 0

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

    def show_error(self, exc: BaseException) -> None:
        """Default for calls without their own error handler: a plain message on the app."""
        self.app.notify(self.app.tr.error(exc))
