"""Staff only: behind five taps on the office name and the PIN (salted hash, lockout after failures).

The PIN is the one the central server sent for this kiosk's office, else config.toml's; the check and
the lockout live in the kiosk database (kiosk.store.staff_pin), so a restart does not reset the count.

Shows the kiosk's health (records waiting to be sent, last sync, printer, disk, version) and where each
setting comes from (the central server, for the office or this kiosk, or config.toml: docs/kiosk-settings.md),
takes the staff's few settings (starting language, idle time), and is the only way out of the app.
"""

from __future__ import annotations

from datetime import datetime

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.widget import Widget

from ...domain import kiosk_settings as settings_spec
from ...store import kiosk_settings as settings_store
from ...store import staff_pin
from .. import forms  # noqa: F401 - Choice, ErrorLine, Section, used in admin.kv
from .. import settings as ui_settings
from ..i18n import N_, tr
from ..kv import load_kv
from .base import KScreen

PIN_MAX = 12
EXIT_CONFIRM_S = 5.0

# The sync worker's states (kiosk/sync/worker.py) in words for the staff; its own names are English
# identifiers ("disabled" was shown as is).
SYNC_STATES = {
    "starting": N_("starting"),
    "never_run": N_("not started yet"),
    "disabled": N_("no central server is set; records are kept on this kiosk"),
    "not_enrolled": N_("this kiosk is not enrolled"),
    "idle": N_("everything is sent"),
    "sending": N_("sending"),
    "offline": N_("not reachable; the kiosk tries again"),
    "unauthorized": N_("the server refused this kiosk"),
    "throttled": N_("the server asked the kiosk to wait"),
    "error": N_("failed; the kiosk tries again"),
}


class PinDots(Widget):
    """One filled dot per digit typed, centred. Drawn, not typed: the bundled Noto Sans has no round
    bullet (U+25CF came out as a row of missing-glyph boxes)."""

    count = NumericProperty(0)
    color = ColorProperty((0, 0, 0, 1))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        redraw = Clock.create_trigger(self._draw, -1)  # once per frame, whatever changed
        for name in ("count", "color", "pos", "size"):
            self.fbind(name, redraw)

    def _draw(self, *_args) -> None:
        self.canvas.clear()
        n = int(self.count)
        if n <= 0:
            return
        # A dot of almost half the row's height, a dot's width apart; smaller when many would not fit.
        size = min(self.height * 0.45, self.width / (n * 2))
        step = size * 2
        x = self.center_x - (step * (n - 1) + size) / 2
        y = self.center_y - size / 2
        with self.canvas:
            Color(rgba=self.color)
            for i in range(n):
                Ellipse(pos=(x + i * step, y), size=(size, size))


class AdminScreen(KScreen):
    unlocked = BooleanProperty(False)
    checking = BooleanProperty(False)
    pin = StringProperty("")
    message = StringProperty("")
    status_text = StringProperty("")
    confirm_exit = BooleanProperty(False)
    idle_s = NumericProperty(0)
    language = StringProperty("id")
    # What the server leaves to the staff here: its language list, and whether it sets the idle time.
    offered = ListProperty(["id", "en"])
    idle_from_server = BooleanProperty(False)
    # What the last staff action did (a msgid, shown translated beside its buttons): a check in the
    # success colour, or an alert.
    note = StringProperty("")
    note_ok = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._confirm_ev = None

    def open(self, **_params) -> None:
        self.call(_pin_state, on_done=self._show_pin_state)

    def _show_pin_state(self, check: staff_pin.PinCheck) -> None:
        if not check.source:
            self.message = tr._("No staff PIN is set. Set one for this office on the central server (kiosk central "
                                "office pin) or in config.toml (kiosk admin hash-pin).")
        elif check.locked_s:
            self._say_locked(check.locked_s)

    # --- PIN pad ----------------------------------------------------------------------------------

    def digit(self, d: str) -> None:
        if len(self.pin) < PIN_MAX and not self.checking:
            self.pin += d

    def erase(self) -> None:
        self.pin = self.pin[:-1]

    def submit(self) -> None:
        if self.checking or not self.pin:
            return
        pin, self.pin = self.pin, ""
        self.checking = True
        # A slow hash (scrypt, a fifth of a second on a Pi) and a database write: never on the UI thread.
        self.call(_try_pin, pin, on_done=self._checked, on_error=self._check_failed)

    def _checked(self, check: staff_pin.PinCheck) -> None:
        self.checking = False
        if check.ok:
            self.message = ""
            self.unlocked = True
            self.refresh()
        elif check.locked_s:
            self._say_locked(check.locked_s)
        elif not check.source:
            self._show_pin_state(check)
        else:
            self.message = tr.f("Wrong PIN. {count} tries left before the screen locks.", count=check.tries_left)

    def _check_failed(self, exc: BaseException) -> None:
        self.checking = False
        self.show_error(exc)

    def _say_locked(self, seconds: int) -> None:
        minutes = max(1, -(-seconds // 60))
        self.message = tr.f("Too many wrong PINs. Try again in {minutes} minutes.", minutes=minutes)

    # --- status and settings ----------------------------------------------------------------------

    def refresh(self) -> None:
        cfg = self.app.cfg
        self.language = self.app.default_lang
        self.idle_s = self.app.idle.timeout_s if self.app.idle else cfg.ui.idle_timeout_s
        self.offered = list(self.app.offered_languages())
        self.idle_from_server = self.app.idle_set_by_server()
        self.call(_status, on_done=self._show_status)

    def _show_status(self, found) -> None:
        st, printer, sync, pin, origins, pin_origin = found
        never = tr._("never")
        tz = self.app.cfg.tz

        def moment(iso: str | None) -> str:
            """Stored times are UTC ISO text; staff read the office's local time, in words."""
            if not iso:
                return never
            try:
                return tr.datetime(datetime.fromisoformat(iso), tz)
            except ValueError:
                return iso
        lines = [
            tr.f("Version {version}, kiosk {kiosk}", version=st.version, kiosk=st.kiosk_id),
            tr.f("Catalog {version}: {agencies} offices, {services} services", version=st.catalog.version or "-",
                 agencies=st.catalog.agencies, services=st.catalog.services),
            tr.f("Records waiting to be sent: {count} (failing: {failing})", count=st.outbox_pending, failing=st.outbox_failing),
            tr.f("Oldest waiting since: {when}", when=moment(st.oldest_pending_at)),
            tr.f("Last sent to the central server: {when}", when=moment(st.last_sent_at)),
            tr.f("Printer ({backend}): {state}", backend=printer.backend, state=tr.error(printer)),
            *_paper_lines(printer.paper),
            tr.f("Connection to the central server: {state}", state=tr._(SYNC_STATES.get(sync.state, sync.state))),
            tr.f("Free disk space: {mb} MB in {path}", mb=st.disk_free_mb, path=st.data_dir),
            tr.f("Staff PIN: {source}", source=tr.f("from the server (set {when})", when=moment(pin.set_at))
                 if pin.source == staff_pin.SOURCE_SERVER else tr._("from config.toml")),
            *_origin_lines(origins, pin.source == staff_pin.SOURCE_SERVER and pin_origin),
        ]
        self.status_text = "\n".join(lines)

    def paper_refilled(self) -> None:
        self.note = ""
        self.call(_paper_refilled, on_done=self._refilled)

    def _refilled(self, note: str) -> None:
        self.say(note)
        self.refresh()  # the paper line shows the full roll

    def print_test(self) -> None:
        self.note = ""
        self.call(_print_test, tr.lang, on_done=self._test_printed)

    def _test_printed(self, done: tuple[str, bool]) -> None:
        self.say(*done)
        self.refresh()  # the printer's state after the job, and the paper it took

    def say(self, msgid: str, ok: bool = True) -> None:
        self.note, self.note_ok = msgid, ok

    def set_language(self, lang: str) -> None:
        if lang not in self.app.offered_languages():
            return  # the server's list leaves it out: the choice is greyed, a touch on it does nothing
        self.language = lang
        self.app.default_lang = lang
        self.app.lang = lang
        self._save()

    def set_idle(self, seconds: int) -> None:
        if self.app.idle_set_by_server():
            return  # the server's value would come back at the next pull
        self.idle_s = seconds
        if self.app.idle is not None:
            self.app.idle.configure(timeout_s=seconds, countdown_s=self.app.cfg.ui.idle_countdown_s)
        self._save()

    def _save(self) -> None:
        data = ui_settings.UiSettings(language=self.language, idle_timeout_s=int(self.idle_s))
        self.call(lambda k, s: ui_settings.save(k.config.data_dir, s), data,
                  on_done=lambda _r: self.say(N_("Saved.")))

    def lock(self) -> None:
        self.app.home()

    def exit_app(self) -> None:
        """Two touches, so a stray one does not close the kiosk."""
        if not self.confirm_exit:
            self.confirm_exit = True
            self._confirm_ev = Clock.schedule_once(lambda _dt: setattr(self, "confirm_exit", False), EXIT_CONFIRM_S)
            return
        self.app.staff_exit()

    def reset(self) -> None:
        self.unlocked = self.checking = self.confirm_exit = False
        self.pin = self.message = self.status_text = self.note = ""
        if self._confirm_ev is not None:
            self._confirm_ev.cancel()
        # The next person finds the PIN pad where it always is, not where the last staff member scrolled
        # the status page to (the keypad's place is what a quick second try relies on).
        self.ids.page.scroll_y = 1


def _status(kiosk):
    """On the worker: the core's status, the printer's (probing CUPS can take a moment), the sync's,
    where the staff PIN comes from, and where each setting comes from (server or config.toml)."""
    sent = settings_store.stored(kiosk.store.db)
    return (kiosk.status(), kiosk.printer_status(), kiosk.sync_status(), _pin_state(kiosk),
            settings_store.origins(kiosk.config, sent), sent.sources.get("staff_pin"))


# Where a setting's value comes from, as the staff read it (docs/kiosk-settings.md).
ORIGINS = {
    settings_spec.SOURCE_OFFICE: N_("from the server (office)"),
    settings_spec.SOURCE_KIOSK: N_("from the server (kiosk)"),
    settings_spec.SOURCE_CONFIG: N_("from config.toml"),
}
LABELS = {k.name: k.label for k in settings_spec.KEYS}
# Values that are codes, in words (the staff read "quick", the screen shows what it means).
VALUE_WORDS = {"survey_mode": {"full": N_("Full IKM survey"), "quick": N_("Quick rating (faces)")}}


def _origin_lines(origins: list[tuple[str, str, str]], pin_origin: str | None) -> list[str]:
    lines = [tr._("Settings and where they come from:")]
    for key, value, source in origins:
        if not value and source == settings_spec.SOURCE_CONFIG:
            # Set nowhere (config.toml has no such key, or leaves it empty): say so, not "from config.toml".
            lines.append(tr.f("{setting}: not set", setting=tr._(LABELS[key])))
            continue
        words = VALUE_WORDS.get(key, {}).get(value)
        lines.append(tr.f("{setting}: {value} ({source})", setting=tr._(LABELS[key]),
                          value=tr._(words) if words else value, source=tr._(ORIGINS[source])))
    if pin_origin in ORIGINS and pin_origin != settings_spec.SOURCE_CONFIG:
        lines.append(tr.f("{setting}: {value} ({source})", setting=tr._("Staff PIN"), value="******",
                          source=tr._(ORIGINS[pin_origin])))
    return lines


def _pin_state(kiosk) -> staff_pin.PinCheck:
    return staff_pin.state(kiosk.store, kiosk.config.admin)


def _try_pin(kiosk, pin: str) -> staff_pin.PinCheck:
    return staff_pin.attempt(kiosk.store, kiosk.config.admin, pin)


def _paper_lines(paper) -> list[str]:
    """The roll estimate that `kiosk printer status` prints, for the staff who change the roll."""
    if paper is None:
        return []  # no printer configured: no roll to count
    lines = [tr.f("Paper left: about {receipts} receipts ({percent}% of the roll)",
                  receipts=paper.receipts_left, percent=f"{paper.remaining_fraction * 100:.0f}")]
    if paper.low:
        lines.append(tr._("The paper is running low: put in a new roll soon."))
    return lines


def _print_test(kiosk, lang: str) -> tuple[str, bool]:
    outcome = kiosk.print_test_receipt(lang)
    return outcome.message_id, outcome.printed


def _paper_refilled(kiosk) -> str:
    kiosk.paper_refilled()
    return N_("Noted: the paper roll is full again.")


load_kv(__file__)
