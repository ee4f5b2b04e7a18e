"""The touchscreen app: the frame, navigation between screens, language and text size, idle reset.

Screens own their content and state; this module owns what is shared: which screen is showing and the
way back, the language, the text size, the keyboard, the clock and the idle watcher. The kiosk core is
reached only through :mod:`kiosk.ui.backend` (never on this thread).
"""

from __future__ import annotations

import gc
import logging
import time
from datetime import datetime
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from ..config import Config
from ..watchdog import WatchdogFeeder
from . import settings as ui_settings
from .backend import Backend
from .heap import QuietTrimmer
from .i18n import tr
from .idle import IdleWatcher
from .lockdown import NoKivySettings, fit_to_screen, lock_window
from .screens import ScreenCache
from .theme import register_fonts, theme

log = logging.getLogger(__name__)

MESSAGE_S = 6.0
# Screens built ahead while the kiosk is quiet, most used first (admin only when staff ask for it).
PREPARE_ORDER = ("agencies", "complaint", "survey", "track", "search", "services", "service", "forms",
                 "compliance")
PREPARE_EVERY_S = 0.5
PREPARE_AFTER_QUIET_S = 2.0
SYNC_POLL_S = 30.0  # how often the offline mark asks the sync worker how it is doing
# "throttled": the server answered and asked the kiosk to wait (a per-device quota): it is reachable.
ONLINE_STATES = ("idle", "sending", "throttled")


def _start_sync(kiosk) -> None:
    kiosk.start_sync()


def _sync_state(kiosk) -> str:
    return kiosk.sync_status().state


def _server_settings(kiosk):
    """What the central server last sent (kiosk/store/kiosk_settings.py); read on the backend thread."""
    from ..store import kiosk_settings as settings_store

    return settings_store.stored(kiosk.store.db)


def open_kiosk(cfg: Config):
    """The facade, opened on the backend's thread (it imports the store and the PDF code)."""
    from ..actions import Kiosk

    return Kiosk.open(cfg)


class KioskApp(NoKivySettings, App):
    lang = StringProperty("id")
    large_text = BooleanProperty(False)
    multilingual = BooleanProperty(True)
    # Until the sync worker first reports, nothing is known: no offline mark (and nothing to draw for it
    # in the first frame).
    online = BooleanProperty(True)
    office_name = StringProperty("")
    clock_text = StringProperty("")
    current = StringProperty("")
    can_go_back = BooleanProperty(False)
    idle_left = NumericProperty(0)
    busy = BooleanProperty(False)
    building = NumericProperty(0)  # long pages being built a few parts per frame (KScreen.build_in_steps)
    typing = BooleanProperty(False)  # the on-screen keyboard is up
    message = StringProperty("")

    def __init__(self, cfg: Config, *, fullscreen: bool | None = None, opener=None,
                 exit_when_ready: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.exit_when_ready = exit_when_ready
        # config.toml as read; self.cfg is it with the central server's settings laid over (docs/kiosk-settings.md)
        self.base_cfg = cfg
        self.cfg = cfg
        self.server_settings = None  # kiosk.store.kiosk_settings.ServerSettings once read
        self._saved_ui: ui_settings.UiSettings | None = None
        self.fullscreen = cfg.ui.fullscreen if fullscreen is None else fullscreen
        self.tr = tr
        self.default_lang = cfg.ui.languages[0]
        self.lang = self.default_lang
        self.multilingual = len(cfg.ui.languages) > 1
        self.large_text = cfg.ui.large_text
        self.office_name = cfg.office.name
        self.backend = Backend(opener or (lambda: open_kiosk(cfg)))
        self.backend.bind(slow=self.setter("busy"))
        self.screens: ScreenCache | None = None
        self.guard = None
        self.idle: IdleWatcher | None = None
        self.trimmer = QuietTrimmer(Clock.schedule_once)
        self._prepare_ev = None
        self.watchdog: WatchdogFeeder | None = None
        self.focused_input = None
        self._keyboard = None
        self._layers: dict[type, object] = {}
        # Keep going after an unexpected error in kiosk use; tests set this False to see failures.
        self.survive_errors = True
        self._history: list[str] = []
        self._clock_ev = None
        self._message_ev = None
        self._sync_ev = None
        # Start-up makes a few hundred thousand objects that live as long as the app (widgets, KV rules,
        # the core's modules). The cycle collector would walk them over and over while they are being
        # made, and again in every full collection for the rest of the day: it waits until the core is
        # open, then they are set aside for good (gc.freeze), the pattern the gc module documents.
        # (kiosk.ui.main pauses it already before Kivy is imported; tests and tools that make the app
        # directly get the same from here on.)
        self._gc_paused = True
        gc.disable()

    # --- life cycle -------------------------------------------------------------------------------

    def build(self):
        # A new screen settles in a few passes (text wraps, then its box grows, then its parent lays
        # out): more than Kivy's default of 10 for the deepest wizard steps, all within one frame; a screen
        # built ahead while another showed settles all at once on its first visit (survey: over 20 passes).
        Clock.max_iteration = 40
        register_fonts()
        theme.set_primary(self.cfg.ui.primary_color)
        theme.large = self.large_text
        theme.resize(*Window.size)
        Window.clearcolor = theme.bg
        Window.bind(size=lambda _w, size: theme.resize(*size))
        tr.switch(self.lang)
        from . import frame, widgets  # noqa: F401 - load their KV rules once

        self.title = "iPLiK Kiosk"
        root = frame.KioskRoot()
        self.screens = ScreenCache(root.ids.sm)
        return root

    def on_start(self) -> None:
        self.guard = lock_window(Window, fullscreen=self.fullscreen)
        if self.fullscreen:
            fit_to_screen(Window)
        Window.bind(on_touch_down=self._on_touch_activity, on_key_down=self._on_key_activity)
        ExceptionManager.add_handler(_Survive(self))
        self.idle = IdleWatcher(
            timeout_s=self.cfg.ui.idle_timeout_s,
            countdown_s=self.cfg.ui.idle_countdown_s,
            needs_prompt=lambda: self.current != "home",
            on_prompt=self.setter_value("idle_left"),
            on_tick=self.setter_value("idle_left"),
            on_cancel=lambda: setattr(self, "idle_left", 0),
            on_reset=self.reset_all,
        )
        self.idle.start()
        self.watchdog = WatchdogFeeder()  # READY=1 and watchdog pings for systemd, from this loop
        self.watchdog.start()
        # The core (store, catalog, PDF code) opens once Home is on screen: its imports would otherwise
        # compete with the first frame for the interpreter.
        Window.bind(on_flip=self._first_frame)
        self._tick_clock()
        self.go("home", remember=False)

    def _first_frame(self, *_args) -> None:
        Window.unbind(on_flip=self._first_frame)
        if self.exit_when_ready:
            print("FIRST_FRAME", time.time(), flush=True)
        data_dir = self.cfg.data_dir
        self.backend.run(lambda _k: ui_settings.load(data_dir), on_done=self._apply_settings, quiet=True)
        # Records go out in the background; the kiosk works the same without a network.
        self.backend.run(_start_sync, quiet=True)
        self.backend.run(lambda _k: None, on_done=self._core_opened, on_error=self._core_opened, quiet=True)
        self._poll_sync()
        self._sync_ev = Clock.schedule_interval(self._poll_sync, SYNC_POLL_S)

    def _core_opened(self, *_args) -> None:
        if self.exit_when_ready:
            print("CORE_READY", time.time(), flush=True)
            self.staff_exit()
            return
        self._settle_heap()
        self._prepare_ev = Clock.schedule_once(self._prepare_a_screen, PREPARE_EVERY_S)

    def _prepare_a_screen(self, *_args) -> None:
        """Screens nobody has opened yet are built while nobody is using the kiosk, one at a time: the
        first visit of each then costs a screen change, not a build (up to 160 ms measured)."""
        self._prepare_ev = None
        quiet_s = self.idle.now() - self.idle.last_activity if self.idle is not None else 0.0
        if self.current == "home" and quiet_s >= PREPARE_AFTER_QUIET_S:
            name = next((n for n in PREPARE_ORDER if not self.screens.has(n)), None)
            if name is None:
                return  # all built
            self.screens.get(name)
        self._prepare_ev = Clock.schedule_once(self._prepare_a_screen, PREPARE_EVERY_S)

    def _settle_heap(self, *_args) -> None:
        """The core is open: collect what start-up left, freeze the rest, collect normally from now on."""
        if self._gc_paused:
            self._gc_paused = False
            gc.collect()
            gc.freeze()
            gc.enable()

    def _poll_sync(self, *_args) -> None:
        self.backend.run(_sync_state, on_done=self._show_sync, on_error=lambda _e: None, quiet=True)
        # The settings the last pull brought: applied here, without a restart, within SYNC_POLL_S of the pull.
        self.backend.run(_server_settings, on_done=self.apply_server_settings,
                         on_error=lambda e: log.warning("server settings not read: %s", e), quiet=True)

    def apply_server_settings(self, settings) -> None:
        """Lay the server's values over config.toml and apply what changed: survey mode (Home), idle
        times, languages, agency and unit (the survey reads them from cfg when it starts)."""
        from ..store.kiosk_settings import effective_config

        if settings == self.server_settings:
            return
        self.server_settings = settings
        before, cfg = self.cfg, effective_config(self.base_cfg, settings)
        self.cfg = cfg
        if cfg.ui.languages != before.ui.languages:
            saved = self._saved_ui.language if self._saved_ui else None
            self.default_lang = saved if saved in self.offered_languages() else cfg.ui.languages[0]
            self.multilingual = len(cfg.ui.languages) > 1
            if self.current == "home" or self.lang not in cfg.ui.languages:
                self.lang = self.default_lang
        if (cfg.ui.idle_timeout_s, cfg.ui.idle_countdown_s) != (before.ui.idle_timeout_s, before.ui.idle_countdown_s) \
                and self.idle is not None:
            self.idle.configure(timeout_s=self._idle_timeout(), countdown_s=cfg.ui.idle_countdown_s)
        if cfg.survey.mode != before.survey.mode and self.screens is not None and self.screens.has("home"):
            self.screens.get("home").quick = cfg.survey.mode == "quick"

    def offered_languages(self) -> tuple[str, ...]:
        """Languages staff may pick on the admin screen: the server's list when it sets one, else both."""
        if self.server_settings is not None and "languages" in self.server_settings.values:
            return self.cfg.ui.languages
        return ("id", "en")

    def idle_set_by_server(self) -> bool:
        """The server sets the idle time: the admin screen's choice would not last (docs/kiosk-settings.md)."""
        return self.server_settings is not None and "idle_timeout_s" in self.server_settings.values

    def _idle_timeout(self) -> int:
        """The server's idle time wins; else the admin screen's choice on this kiosk, else config.toml's."""
        if self.server_settings is not None and "idle_timeout_s" in self.server_settings.values:
            return self.cfg.ui.idle_timeout_s
        if self._saved_ui is not None and self._saved_ui.idle_timeout_s:
            return self._saved_ui.idle_timeout_s
        return self.cfg.ui.idle_timeout_s

    def _show_sync(self, state: str) -> None:
        self.online = state in ONLINE_STATES

    def _apply_settings(self, saved: ui_settings.UiSettings) -> None:
        """Staff choices from the admin screen, kept across restarts."""
        self._saved_ui = saved
        if saved.language and saved.language != self.default_lang and saved.language in self.offered_languages():
            self.default_lang = saved.language
            if self.current == "home":
                self.lang = saved.language
        if saved.idle_timeout_s and self.idle is not None:
            self.idle.configure(timeout_s=self._idle_timeout(), countdown_s=self.cfg.ui.idle_countdown_s)

    def on_stop(self) -> None:
        self._settle_heap()
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.idle is not None:
            self.idle.stop()
        for ev in (self._clock_ev, self._sync_ev, self._prepare_ev):
            if ev is not None:
                ev.cancel()
        self.backend.stop()

    def setter_value(self, name: str):
        return lambda value: setattr(self, name, value)

    # --- navigation -------------------------------------------------------------------------------

    @property
    def sm(self):
        return self.root.ids.sm

    @property
    def screen(self):
        return self.sm.current_screen

    def go(self, name: str, *, remember: bool = True, **params: Any) -> None:
        self.clear_focus()
        screen = self.screens.get(name)
        if remember and self.current and self.current != name:
            self._history.append(self.current)
        screen.open(**params)
        self.sm.current = name
        self.current = name
        self.can_go_back = name != "home"

    def back(self) -> None:
        self.clear_focus()
        if self.screen is not None and self.screen.back():
            return
        if self._history:
            name = self._history.pop()
            self.sm.current = name
            self.current = name
            self.can_go_back = name != "home"
        else:
            self.home()

    def home(self) -> None:
        """The Home button: back to the start; what this citizen did is cleared for the next one."""
        for screen in self.screens.loaded():
            if screen.name != "home":
                screen.forget()
        self._history.clear()
        self.go("home", remember=False)

    def ask_home(self) -> None:
        """The Home button: asks first when it would throw away something the citizen has not sent
        (a complaint, a survey, a form); the idle reset and the screens' own "Home" go through home()."""
        screen = self.screen
        if screen is None or not screen.has_unsent():
            self.home()
            return
        from .confirm import ConfirmDialog

        self.clear_focus()
        self.layer(ConfirmDialog).ask(screen.unsent_question, screen.unsent_detail, self.home)

    def open_admin(self) -> None:
        if self.current != "admin":
            self.go("admin")

    # --- language and text size -------------------------------------------------------------------

    def set_language(self, lang: str) -> None:
        if lang in self.offered_languages():
            self.lang = lang

    def on_lang(self, _app, lang: str) -> None:
        tr.switch(lang)
        if self.screens is not None:
            for screen in self.screens.loaded():
                screen.relabel()
        Clock.schedule_once(lambda _dt: self._tick_clock(), 0)

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def on_large_text(self, _app, value: bool) -> None:
        theme.large = value

    # --- keyboard and focus -----------------------------------------------------------------------

    @property
    def keyboard(self):
        """The docked on-screen keyboard, made on first use (Home starts without it)."""
        if self._keyboard is None:
            from .keyboard import OnScreenKeyboard

            self._keyboard = OnScreenKeyboard()
            self._keyboard.bind(shown=self.setter("typing"))
            self.root.ids.keyboard_dock.add_widget(self._keyboard)
        return self._keyboard

    def input_focused(self, textinput, focused: bool) -> None:
        if focused:
            self.focused_input = textinput
            if not getattr(textinput, "keyboard_wanted", True):
                return  # a scanner is typing: the keys come from it
            self.keyboard.attach(textinput)
            # Two frames: the keyboard strip takes its height, then the page lays out again. A box that
            # lost its focus meanwhile (a scanner's Enter, a result shown) no longer needs the room.
            Clock.schedule_once(lambda _dt: Clock.schedule_once(
                lambda _dt2: self.scroll_into_view(textinput) if textinput.focus else None), 0)
        else:
            if self.focused_input is textinput:
                self.focused_input = None
            if self._keyboard is not None:
                self._keyboard.detach(textinput)

    def clear_focus(self) -> None:
        if self.focused_input is not None:
            self.focused_input.focus = False
        self.focused_input = None
        if self._keyboard is not None:
            self._keyboard.detach()

    def scroll_into_view(self, widget, lead=None) -> None:
        """Scroll the page so ``widget`` shows above the keyboard; a box taller than the room left
        shows its top (where the cursor starts), never its bottom only.

        A text box inside a ``Field`` brings its whole field: the label above and the message below it
        must not hide under the keyboard or the wizard's button bar. With ``lead`` (a summary of errors
        above), the view starts at ``lead`` when both fit."""
        from kivy.uix.scrollview import ScrollView

        from .forms import Field

        node = widget.parent
        while node is not None and node is not node.parent and not isinstance(node, ScrollView):
            if isinstance(node, Field):
                widget = node
            node = node.parent
        parent = node
        if not isinstance(parent, ScrollView) or parent.height <= 0:
            return
        content = parent.children[0] if parent.children else None
        if content is None or content.height <= parent.height:
            return
        pad = theme.gap * 2
        _x, top = content.to_widget(*widget.to_window(widget.x, widget.top))
        _x, bottom = content.to_widget(*widget.to_window(widget.x, widget.y))
        view_h = parent.height
        if lead is not None and lead.height > 0:
            _x, lead_top = content.to_widget(*lead.to_window(lead.x, lead.top))
            if lead_top - bottom + 2 * pad <= view_h:
                top = max(top, lead_top)
        visible_top = parent.scroll_y * (content.height - view_h) + view_h
        if top - bottom + 2 * pad > view_h or top + pad > visible_top:
            view_top = top + pad  # align its top with the top of the view
        elif bottom - pad < visible_top - view_h:
            view_top = bottom - pad + view_h  # align its bottom with the bottom of the view
        else:
            return  # already in view
        view_top = min(content.height, max(view_h, view_top))
        parent.scroll_y = (view_top - view_h) / (content.height - view_h)

    # --- layers over the screens, made when first needed -----------------------------------------

    def layer(self, cls):
        widget = self._layers.get(cls)
        if widget is None:
            widget = self._layers[cls] = cls()
            self.root.add_widget(widget)
        return widget

    @property
    def idle_overlay(self):
        from .frame import IdleOverlay

        return self.layer(IdleOverlay)

    def on_busy(self, _app, busy: bool) -> None:
        if busy:
            from .frame import BusyChip

            self.layer(BusyChip)

    def on_message(self, _app, text: str) -> None:
        if text:
            from .frame import MessageChip

            self.layer(MessageChip)

    def on_idle_left(self, _app, left: int) -> None:
        if left:
            from .frame import IdleOverlay

            self.layer(IdleOverlay)
        # The question is asked because nobody may be there: the next person must not read the last
        # one's name or story through the dim. The pages (and the keyboard) are hidden while it shows,
        # not cleared, so "still here" finds everything as it was.
        hidden = 0 if left else 1
        self.root.ids.sm.opacity = self.root.ids.keyboard_dock.opacity = hidden

    # --- clock, messages --------------------------------------------------------------------------

    def _tick_clock(self, *_args) -> None:
        now = datetime.now(self.cfg.tz)
        self.clock_text = now.strftime("%H.%M" if self.lang == "id" else "%H:%M")
        if self._clock_ev is not None:
            self._clock_ev.cancel()
        # Once a minute, on the minute.
        self._clock_ev = Clock.schedule_once(self._tick_clock, 60.05 - now.second - now.microsecond / 1e6)

    def notify(self, text: str) -> None:
        self.message = text
        if self._message_ev is not None:
            self._message_ev.cancel()
        self._message_ev = Clock.schedule_once(lambda _dt: setattr(self, "message", ""), MESSAGE_S)

    # --- idle -------------------------------------------------------------------------------------

    def _on_touch_activity(self, _window, _touch) -> bool:
        if self.idle is not None and self.idle.guarding():
            return True  # just cleared: swallowed before any widget sees it (idle.py says why)
        if self.idle is not None and not self.idle.prompting:
            self.idle.activity()
        self.trimmer.activity()
        return False

    def _on_key_activity(self, *_args) -> bool:
        if self.idle is not None:
            self.idle.activity()
        self.trimmer.activity()
        return False

    def still_here(self) -> None:
        if self.idle is not None:
            self.idle.activity()

    def reset_now(self) -> None:
        if self.idle is not None:
            self.idle.reset()

    def reset_all(self) -> None:
        """Nothing of the last citizen remains: every screen forgets, language and size go back."""
        if self.idle is not None:
            # The idle clock starts again too: a "still there?" countdown left running (this reset came
            # from elsewhere) hid its question here and still cleared the screen, with the next person's
            # text size or words, when it ran out; and while it ran, touches were taken as its answer.
            self.idle.activity()
        self.idle_left = 0
        for layer in self._layers.values():
            if hasattr(layer, "close"):
                layer.close()  # a question left open (the confirm dialog) is not the next person's
        self.clear_focus()
        self.message = ""
        self.lang = self.default_lang
        self.large_text = self.cfg.ui.large_text
        self.home()
        home = self.screens.get("home")
        home.forget()

    # --- staff ------------------------------------------------------------------------------------

    def staff_exit(self) -> None:
        if self.guard is not None:
            self.guard.release()
        self.stop()


class _Survive(ExceptionHandler):
    """One hook for unexpected errors: log them, and in kiosk use start over rather than crash."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self.app = app

    def handle_exception(self, inst):
        if isinstance(inst, (KeyboardInterrupt, SystemExit)) or not self.app.survive_errors:
            return ExceptionManager.RAISE
        log.exception("unexpected error in the kiosk app; starting over", exc_info=inst)
        Clock.schedule_once(lambda _dt: self.app.reset_all(), 0)
        return ExceptionManager.PASS
