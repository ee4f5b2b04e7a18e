"""No way out for the public: full screen, no frame, no cursor, Escape and close ignored, one instance,
and nothing a key press does survives a restart (docs/lockdown.md).

:func:`seal_kivy_environment` runs before Kivy is first imported (``kiosk.ui`` calls it on import);
:func:`configure_kivy` before anything imports ``kivy.core.window`` (Kivy reads its window settings once,
when the window is created); :func:`lock_window` once the window exists. Staff leave through the admin
screen, which calls :meth:`KioskApp.staff_exit` and lifts the close guard first; systemd stops the app
with SIGTERM, which :func:`stop_on_signals` turns into the same exit.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import KioskError

ESCAPE = 27
# Kivy's keycodes for the Android back button / browser back: treated like Escape.
BACK_KEYS = frozenset({ESCAPE, 1001})


log = logging.getLogger(__name__)


class AlreadyRunning(KioskError):
    """Another kiosk app holds the instance lock of this data directory."""


# Kivy takes settings from three places besides the app: KIVY_HOME/config.ini (read when Kivy is first
# imported and written back on the way, and again by its settings panel), KCFG_<SECTION>_<KEY> variables
# and the command line (-m inspector, -r 90). A Rotation chosen in the panel (F1) was written to
# config.ini and the kiosk came up sideways after the next restart. With these, the app's Kivy settings
# are configure_kivy's alone, fixed at start and never stored.
KIVY_ENVIRONMENT = {
    "KIVY_NO_CONFIG": "1",  # neither read nor write KIVY_HOME/config.ini (nor create KIVY_HOME)
    "KIVY_NO_ENV_CONFIG": "1",  # ignore KCFG_ variables
    "KIVY_NO_ARGS": "1",  # ignore the command line (it is ours: kiosk run's)
}


def seal_kivy_environment() -> None:
    """Kivy's own sources of settings, off. Must run before ``import kivy`` (Kivy reads them then)."""
    os.environ.update(KIVY_ENVIRONMENT)


def _refuse_to_write(*_args, **_kwargs) -> bool:
    log.warning("Kivy's configuration is fixed at start; not writing it")
    return False


def configure_kivy(*, fullscreen: bool, size: tuple[int, int] | None = None) -> None:
    """Kivy's window and input settings for a kiosk (before the window is created)."""
    from kivy.config import Config

    # Even if Kivy was imported before seal_kivy_environment and read a config.ini: nothing at run time
    # (Kivy's settings panel, a module) can store a setting, and what matters is set here, not read.
    Config.filename = None
    Config.write = _refuse_to_write
    Config.set("graphics", "rotation", "0")
    # Kivy's debugging modules (inspector on Ctrl+E, keybinding's F11 rotation and F12 screenshots,
    # monitor, touchring...) are activated from this section when the window is created: none.
    for name, _value in Config.items("modules"):
        Config.remove_option("modules", name)

    # SDL would turn SIGTERM into a window-close request, which the close guard refuses: systemd's stop
    # then waited out TimeoutStopSec and killed the app. Signals are the app's own (stop_on_signals).
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")  # physical keyboards and USB scanners; our own OSK
    Config.set("kivy", "log_level", os.environ.get("KIOSK_KIVY_LOG_LEVEL", "info"))
    # Right-click on a mouse must not leave red multitouch-emulation dots on the screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # The attract loop is the kiosk's screen saver; the display must not blank under the app.
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "maxfps", "60")
    # No multisampling (Kivy's default is 2x). Text arrives antialiased from the font renderer and the
    # shapes are straight edges and small corners, so it smooths nothing anyone sees (screenshots of
    # both are alike), while a kiosk that falls back to software GL pays for it in every frame: the
    # frame of a screen change took 17-25 ms with it and 7-13 ms without (1920x1080, llvmpipe).
    Config.set("graphics", "multisamples", "0")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        # The top-left corner of the screen, for when nobody makes the window full screen (fit_to_screen).
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "show_cursor", "1")
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1" if not fullscreen else "0")


class CloseGuard:
    """Swallows Escape/back keys and window-close requests until :meth:`release` (staff exit)."""

    def __init__(self) -> None:
        self.released = False

    def on_keyboard(self, _window, key, *_args, **_kwargs) -> bool:
        return key in BACK_KEYS and not self.released

    def on_request_close(self, *_args, **_kwargs) -> bool:
        return not self.released

    def release(self) -> None:
        self.released = True


def stop_on_signals(stop: Callable[[], None], signals=(signal.SIGTERM, signal.SIGINT)) -> None:
    """SIGTERM (systemd stopping or restarting the unit) and SIGINT (Ctrl+C in a developer's shell) end
    the app as staff exit does: the backend finishes the record it is writing and the store closes.

    The handler runs on the UI thread between two bytecodes, possibly inside the Clock while it holds
    its lock, so it does not schedule the exit itself: a short thread does (Clock's scheduling is
    thread-safe). Before the app is running there is nothing to close, and the process just exits.
    """

    def handler(signum, _frame) -> None:
        from kivy.app import App

        log.info("signal %s: stopping the app", signal.Signals(signum).name)
        if App.get_running_app() is None:
            sys.exit(128 + signum)
        from kivy.clock import Clock

        threading.Thread(target=Clock.schedule_once, args=(lambda _dt: stop(), 0), daemon=True).start()

    for signum in signals:
        signal.signal(signum, handler)


class NoKivySettings:
    """For the app class, before ``App``: Kivy's settings panel never opens.

    Kivy's App binds F1 to a panel of Kivy's own settings (Fullscreen, Mouse cursor, Rotation, Keyboard
    mode), which it adds to the window over everything, and Escape or the idle reset did not close it.
    The kiosk's settings are the admin screen's (behind the PIN), so the key binding is not installed
    and the panel cannot be built or shown by any other way either.
    """

    use_kivy_settings = False

    def _install_settings_keys(self, window) -> None:
        """Kivy's App binds F1 (and Escape, to close the panel) here; nothing is bound."""

    def open_settings(self, *_args) -> bool:
        return False

    def display_settings(self, _settings) -> bool:
        return False

    def get_application_config(self, *_args) -> None:
        return None  # no <app>.ini next to the code or in the home directory


def fit_to_screen(window) -> None:
    """Make the full-screen window cover the screen when nothing else does.

    Kivy asks SDL for a full-screen window, which on X11 is a request to the window manager. With none
    (a bare X server, or one that ignores the request), the window stayed at Kivy's default 800x600 in
    the middle of the screen while SDL reported the screen's size, so the kiosk drew a 1920x1080 layout
    into a small window. SDL's size of a full-screen window is the screen's: the window leaves full
    screen for one frame, takes that size at 0,0 and asks for full screen again, which a window manager
    or cage grants and a bare X server ignores, leaving the window at the right size either way.
    """
    from kivy.clock import Clock

    size = tuple(window.system_size)
    window.fullscreen = False

    def refit(_dt) -> None:
        window.system_size = size
        window.left, window.top = 0, 0
        window.fullscreen = "auto"

    # Kivy applies window properties together just before it draws the next frame (a trigger), and SDL
    # ignores a size given to a full-screen window: the size is given one frame after leaving full
    # screen (the outer callback runs before that frame's update, the inner one after it).
    Clock.schedule_once(lambda _dt: Clock.schedule_once(refit, 0), 0)


def lock_window(window, *, fullscreen: bool) -> CloseGuard:
    guard = CloseGuard()
    window.bind(on_keyboard=guard.on_keyboard, on_request_close=guard.on_request_close)
    if fullscreen:
        window.show_cursor = False
        window.borderless = True
    return guard


class InstanceLock:
    """One kiosk app per data directory: an exclusive ``flock`` held for the life of the process.

    The kernel drops the lock when the process dies, however it dies, so a crash never leaves a stale
    lock behind (a PID file would).
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "kiosk-ui.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(f"{self.path}: another kiosk app is already running on this data directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
