"""Lacak pengaduan: type the code from the receipt, or scan its QR with the kiosk's USB scanner.

The check character in every code catches a typo before the store is asked, with a message that says
what to look at. The answer comes from this kiosk's own store: the status in plain words, its
history, what happens next and by when, and the office's answer once there is one: in full (it wraps, the
page scrolls), and scrolled into view when the result appears, since that is what the citizen came for.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty

from ...domain import tracking
from ...domain.complaint import CLASS_LABELS, TOPIC_LABELS
from ...domain.errors import ValidationError
from ...domain.workflow import STATUS_EXPLANATIONS, STATUS_LABELS, Status
from ...errors import NotFound
from ..i18n import tr
from ..kv import load_kv
from ..theme import theme
from ..forms import Badge, Section
from ..widgets import Txt
from .base import KScreen

STATUS_LOOK = {
    Status.CLOSED: ("check-circle-outline", "ok"),
    Status.FOLLOWED_UP: ("message-reply-text-outline", "ok"),
    Status.NOT_AUTHORITY: ("close-circle-outline", "error"),
    Status.ON_HOLD: ("alert-outline", "warn"),
}
ONGOING_LOOK = ("progress-clock", "primary")
REVEAL_FOLLOW_S = 1.0


def code_from_scan(text: str) -> str:
    """What a USB scanner types for the receipt's QR is the whole tracking URL: keep the code at its end."""
    text = text.strip()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return text.split("?", 1)[0].split("#", 1)[0]


class TrackScreen(KScreen):
    searching = BooleanProperty(False)
    found = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._result = None
        self._answer = None  # the answer's section while a result with an answer is shown
        self._following = False  # keep the answer in view while the result is still being laid out
        self._reveal = Clock.create_trigger(self._reveal_answer)
        page = self.ids.page
        page.bind(on_touch_down=self._page_touched, height=self._content_resized)  # the keyboard going away
        page.children[0].bind(height=self._content_resized)
        ti = self.ids.field.ids.ti
        ti.bind(on_text_validate=lambda _ti: self.check())
        # A scanner ends with Enter; after a mistyped or unknown code the box stays ready for the next try.
        ti.text_validate_unfocus = False

    def on_enter(self, *_args) -> None:
        # Focused at once, so a receipt held under the scanner is read without touching anything.
        self.ids.field.ids.ti.focus = True
        Window.bind(on_key_down=self._key_with_nothing_focused)

    def on_leave(self, *_args) -> None:
        Window.unbind(on_key_down=self._key_with_nothing_focused)

    def _key_with_nothing_focused(self, _window, _key, _scancode, codepoint, _modifiers) -> bool:
        """The next receipt under the scanner while a result is on screen. The box gave up its focus so
        the keyboard would not cover the result, and with nothing focused no text arrives, only keys:
        the first key starts a new code in the box, which then takes the rest (no keyboard shown)."""
        if self.app.focused_input is not None or self.searching:
            return False
        if not codepoint or not codepoint.isprintable() or codepoint.isspace():
            return False
        ti = self.ids.field.ids.ti
        ti.keyboard_wanted = False
        ti.text = ""
        self.ids.field.error = ""
        self._clear_result()  # a new code is coming: the last report is nobody's business now
        ti.focus = True
        ti.insert_text(codepoint)
        return True

    def check(self) -> None:
        # The last lookup's report goes first, whatever this one finds: the kiosk is shared, and a typo
        # (or an unknown code) must not leave the previous person's complaint on screen under the error.
        self._clear_result()
        field = self.ids.field
        text = code_from_scan(field.ids.ti.text)
        try:
            tracking.parse(text)
        except ValidationError as exc:
            field.error = tr.error(exc)
            return
        field.error = ""
        self.searching = True
        self.call(lambda k, code: k.track(code), text, on_done=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.searching = False
        self._clear_result()
        if isinstance(exc, (ValidationError, NotFound)):
            self.ids.field.error = tr.error(exc)
        else:
            self.app.notify(tr.error(exc))

    def _show(self, result) -> None:
        self.searching = False
        self._result = result
        self.found = True
        self.app.clear_focus()
        self._build()
        self._following = bool(result.response)
        if self._following:
            self._reveal()
            # Wrapped text gets its height over the next frames, which moves the answer down: follow it
            # for a moment, unless the citizen scrolls first.
            Clock.schedule_once(self._stop_following, REVEAL_FOLLOW_S)

    def _stop_following(self, _dt=None) -> None:
        self._following = False

    def _page_touched(self, page, touch) -> None:
        if page.collide_point(*touch.pos):
            self._following = False

    def _content_resized(self, *_args) -> None:
        if self._following:
            self._reveal()

    def _reveal_answer(self, _dt=None) -> None:
        """Scroll so the answer's heading is at the top of the page (as far as the page goes)."""
        answer, page = self._answer, self.ids.page
        if answer is None or answer.parent is None or not page.children:
            return  # another code was looked up meanwhile
        content = page.children[0]
        view_h = page.height
        if content.height <= view_h:
            return
        _x, top = content.to_widget(*answer.to_window(answer.x, answer.top))
        view_top = min(content.height, max(view_h, top + theme.gap))
        page.scroll_y = (view_top - view_h) / (content.height - view_h)

    def relabel(self) -> None:
        if self._result is not None:
            self._build()

    def _build(self) -> None:
        r = self._result
        tz = self.app.cfg.tz
        box = self.ids.result
        box.clear_widgets()
        icon, colour = STATUS_LOOK.get(r.status, ONGOING_LOOK)
        status = Section(title=tr.f("Report {code}", code=r.tracking_code), icon="file-search-outline")
        status.add_widget(Badge(text=tr._(STATUS_LABELS[r.status]), icon=icon, color=getattr(theme, colour)))
        status.add_widget(Txt(text=tr._(STATUS_EXPLANATIONS[r.status])))
        for label, due in r.deadlines:
            status.add_widget(Txt(text=tr.f("{what}: by {date}", what=tr._(label), date=tr.date(due)), bold=True))
        about = [tr._(CLASS_LABELS[r.complaint_class]), tr._(TOPIC_LABELS[r.topic])]
        if r.service is not None:
            about.append(tr.pick(r.service.name, r.service.name_en))
        elif r.agency is not None:
            about.append(tr.pick(r.agency.name, r.agency.name_en))
        status.add_widget(Txt(text=" \u00b7 ".join(about), color=theme.muted, role="small"))
        box.add_widget(status)

        answer = Section(title=tr._("Answer from the office"), icon="message-reply-text-outline")
        if r.response:
            answer.add_widget(Txt(text=r.response))
            if r.response_at is not None:
                answer.add_widget(Txt(text=tr.datetime(r.response_at, tz), color=theme.muted, role="small"))
        else:
            answer.add_widget(Txt(text=tr._("No answer yet."), color=theme.muted))
        box.add_widget(answer)
        self._answer = answer if r.response else None

        history = Section(title=tr._("History"), icon="timeline-clock-outline")
        for event in reversed(r.events):
            history.add_widget(Txt(text=f"{tr.datetime(event.at, tz)}: {tr._(STATUS_LABELS[event.status])}"))
        box.add_widget(history)

    def _clear_result(self) -> None:
        """No report on screen (and none to redraw on a language switch)."""
        self._result = None
        self._answer = None
        self._following = False
        self.found = False
        self.ids.result.clear_widgets()

    def reset(self) -> None:
        self._clear_result()
        self.searching = False
        self.ids.field.clear()
        self.ids.page.scroll_y = 1


load_kv(__file__)
