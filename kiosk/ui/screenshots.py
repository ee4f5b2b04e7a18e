"""Every screen of the app to PNG, in each window size, language and text size; and a clipping check.

    python -m kiosk.ui.screenshots --out out/screens [--catalog FILE] [--sizes 1920x1080,1080x1920,1280x800]
        [--only complaint-standard,track-answer]

Runs the real app offscreen on a throw-away data directory holding the demo catalog, a filed complaint, one
with an office's answer and a survey (so tracking and the IKM have something to show). For each scene it writes
``<size>/<lang>-<normal|large>/<NN>-<scene>.png`` and lists any label whose text does not fit its box,
any row of choices whose buttons do not start at the same height, and any label or text box that lies
under a fixed bar (the top bar, the bottom bar, a screen's own button bar) or under the on-screen keyboard
while it is in its page's visible part; it exits non-zero when it lists anything.
Kivy allows one window per process, so each window size runs in its own child process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SIZES = ((1920, 1080), (1080, 1920), (1280, 800))
LANGS = ("id", "en")

SAMPLE_FORM = "dinkes-sipa"
SAMPLE_COMPLAINT = {
    "class": "pengaduan",
    "topic": "pungli",
    "description": "Petugas loket meminta uang Rp 50.000 agar berkas cepat selesai, padahal layanan ini gratis.",
    "privacy": "rahasia",
    "identity": {"name": "Baiq Nurul Aini", "phone": "081234567890"},
    "consent_version": "pdp-2026-11",
}


# --- clipping ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clipped:
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.problem}: {self.text[:60]!r}"


def _hidden(widget) -> bool:
    """Folded away or transparent: ``widget`` or one of its parents is not shown."""
    node = widget
    while node is not None and node is not node.parent:
        if node.opacity == 0 or node.width <= 0 or node.height <= 0 or getattr(node, "shown", True) is False:
            return True
        node = node.parent
    return False


def clipped_labels(root, window_width: float) -> list[Clipped]:
    """Labels whose text is cut off by their own box, or which stick out of the window sideways."""
    from kivy.uix.label import Label

    found: list[Clipped] = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or not widget.text.strip() or _hidden(widget):
            continue
        widget.texture_update()
        tw, th = widget.texture_size
        if tw > widget.width + 1.5 or th > widget.height + 1.5:
            found.append(Clipped(widget.text, f"text {tw:.0f}x{th:.0f} in a box of {widget.width:.0f}x{widget.height:.0f}"))
            continue
        left, _bottom = widget.to_window(widget.x, widget.y)
        if left < -1 or left + widget.width > window_width + 1:
            found.append(Clipped(widget.text, f"box from x={left:.0f} to {left + widget.width:.0f} leaves the window"))
            continue
        parent = widget.parent
        if parent is not None and parent is not parent.parent and (
            widget.x < parent.x - 1.5 or widget.right > parent.right + 1.5
        ):
            found.append(Clipped(widget.text, f"sticks out of its {type(parent).__name__} sideways"))
    return found


Rect = tuple[float, float, float, float]  # left, bottom, right, top in window coordinates


def _window_rect(widget) -> Rect:
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def _overlap(a: Rect, b: Rect) -> Rect | None:
    """The part of ``a`` and ``b`` both cover, when more than a hair (1.5 px) each way."""
    left, bottom, right, top = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (left, bottom, right, top) if right - left > 1.5 and top - bottom > 1.5 else None


def _ancestors(widget):
    node = widget.parent
    while node is not None and node is not node.parent:  # the window is its own parent
        yield node
        node = node.parent


def fixed_bars(root) -> list[tuple[str, object]]:
    """What is drawn over the pages and never scrolls: the top and bottom bars, the docked keyboard, and
    whatever sits beside a page in its screen (the wizards' "Lanjut" bar, the forms' main button)."""
    from kivy.uix.scrollview import ScrollView

    ids = getattr(root, "ids", {})
    bars = [(name, ids[key]) for name, key in (("top bar", "topbar"), ("bottom bar", "bottombar"),
                                               ("keyboard", "keyboard_dock")) if key in ids]
    sm = ids.get("sm")
    if sm is not None and sm.current_screen is not None:
        for page in sm.current_screen.walk(restrict=True):
            if isinstance(page, ScrollView) and page.parent is not None:
                bars += [(f"{type(w).__name__} beside the page", w) for w in page.parent.children
                         if w is not page and not any(isinstance(x, ScrollView) for x in w.walk(restrict=True))]
    return [(name, bar) for name, bar in bars if not _hidden(bar)]


def covered_labels(root) -> list[Clipped]:
    """Labels and text boxes that a fixed bar or the keyboard covers (see :func:`fixed_bars`).

    Only what the person is meant to see counts: inside a scrolling page, the part of a label within the
    page's own box (its viewport); a line scrolled past the edge is hidden by the bars by design and is
    one scroll away. Whatever lies in a bar (its own words) or in a layer over the app is not covered."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.textinput import TextInput

    from .widgets import Overlay

    from .theme import theme

    bars = [(name, bar, _window_rect(bar)) for name, bar in fixed_bars(root)]
    found: list[Clipped] = []
    sm = getattr(root, "ids", {}).get("sm")
    screen = sm.current_screen if sm is not None else None
    for page in (screen.walk(restrict=True) if screen is not None else ()):
        # A page the bars and the keyboard leave (almost) no room: all of it lies under them, yet its
        # labels would count as folded away (no height) below.
        if isinstance(page, ScrollView) and page.children and page.height < theme.target and not _hidden(page.parent):
            found.append(Clipped(type(screen).__name__, f"page squeezed to {page.height:.0f} px between the fixed bars in"))
    for widget in root.walk(restrict=True):
        is_label = isinstance(widget, Label) and widget.text.strip()
        if not (is_label or isinstance(widget, TextInput)) or _hidden(widget):
            continue
        ancestors = list(_ancestors(widget))
        if any(isinstance(a, Overlay) for a in ancestors):
            continue
        shown: Rect | None = _window_rect(widget)
        page = next((a for a in ancestors if isinstance(a, ScrollView)), None)
        if page is not None:
            shown = _overlap(shown, _window_rect(page))
            if shown is None:
                continue  # scrolled out of view
        for name, bar, rect in bars:
            if bar is widget or bar in ancestors:
                continue
            part = _overlap(shown, rect)
            if part is not None:
                text = widget.text if is_label else f"text box {widget.text or widget.hint_text}"
                found.append(Clipped(text, f"{part[3] - part[1]:.0f} px of it under the {name}"))
                break
    found += _field_in_use_cut(root, bars)
    return found


def _field_in_use_cut(root, bars) -> list[Clipped]:
    """The field being typed in (its label, box, counter and error line) must be seen whole: a person
    typing cannot scroll, and an error under the "Lanjut" bar or the keyboard is an error never read.
    (Elsewhere a line cut at the page's edge only says there is more to scroll to.)"""
    from kivy.app import App
    from kivy.uix.scrollview import ScrollView

    from .forms import Field

    app = App.get_running_app()
    box = getattr(app, "focused_input", None)
    if box is None or not box.focus or box.get_root_window() is None or _hidden(box):
        return []
    ancestors = list(_ancestors(box))
    field = next((a for a in ancestors if isinstance(a, Field)), box)
    page = next((a for a in ancestors if isinstance(a, ScrollView)), None)
    rect = _window_rect(field)
    view = _window_rect(page) if page is not None else None
    for name, bar, bar_rect in bars:
        if bar in ancestors:
            continue
        part = _overlap(rect, bar_rect)
        if part is not None:
            return [Clipped(field.label if isinstance(field, Field) and field.label else box.text,
                            f"the field being typed in has {part[3] - part[1]:.0f} px under the {name}")]
    if view is not None and (rect[1] < view[1] - 1.5 or rect[3] > view[3] + 1.5):
        return [Clipped(field.label if isinstance(field, Field) and field.label else box.text,
                        "the field being typed in is not all in view")]
    return []


def check(root, window_width: float) -> list[Clipped]:
    """Everything the screenshots check reports for what is on the window now."""
    return clipped_labels(root, window_width) + uneven_rows(root) + covered_labels(root)


def uneven_rows(root) -> list[Clipped]:
    """Rows of side-by-side choices whose buttons do not line up at the top (a short one beside a
    tall one looks like it belongs to the next row)."""
    from .widgets import ChoiceGrid

    found: list[Clipped] = []
    for grid in root.walk(restrict=True):
        if not isinstance(grid, ChoiceGrid) or _hidden(grid):
            continue
        for row in grid.choice_rows():
            tops = [child.top for child in row]
            if max(tops) - min(tops) > 1.5:
                label = getattr(row[0], "text", "") or type(row[0]).__name__
                found.append(Clipped(label, f"row of choices uneven by {max(tops) - min(tops):.0f} px, starting with"))
    return found


# --- scenes ----------------------------------------------------------------------------------------

Scene = tuple[str, Callable]


def _wizard(d, screen: str, step: str, fill: Callable | None = None) -> None:
    app = d.app
    app.go(screen)
    scr = app.screens.get(screen)
    if fill is not None:
        fill(scr.draft)
    scr.show(step)


def _complaint_draft(draft) -> None:
    draft.complaint_class, draft.topic, draft.privacy = "pengaduan", "pungli", "biasa"
    draft.description = SAMPLE_COMPLAINT["description"]
    draft.place = ("Pembayaran Pajak Kendaraan Bermotor Tahunan", "Annual motor vehicle tax payment")
    draft.name, draft.phone = "Baiq Nurul Aini", "081234567890"
    draft.consent = True


def scenes(sample: dict) -> list[Scene]:
    """(name, action) pairs; ``sample`` holds ids and codes from the prepared data directory."""
    agency, service, code = sample["agency_id"], sample["service_id"], sample["code"]

    def search_typing(d, text: str, keys: bool = True):
        """Typing with the on-screen keyboard up: how many results show above it; or after it was put away."""
        d.app.go("search")
        d.frames(2)
        screen = d.app.screens.get("search")
        screen.ids.field.ids.ti.focus = True
        screen.ids.field.ids.ti.text = text
        d.wait(lambda: screen.searched == text, what="search results")
        if not keys:
            d.app.clear_focus()

    def describe_with_keyboard(d):
        _wizard(d, "complaint", "describe", _complaint_draft)
        d.frames(2)
        d.app.screen.current_step.ids.field.ids.ti.focus = True

    def identity_error(d):
        _wizard(d, "complaint", "identity", _complaint_draft)
        step = d.app.screen.current_step
        step.ids.nik.ids.ti.text = "52710101010100"
        d.app.screen.next()  # refused: the message shows next to the NIK box

    def identity_errors(d):
        """Two faulty fields: the summary at the top of the step lists both (issue #13)."""
        _wizard(d, "complaint", "identity", lambda draft: (_complaint_draft(draft), setattr(draft, "name", "")))
        d.app.screen.current_step.ids.nik.ids.ti.text = "52710101010100"
        d.app.screen.next()

    def consent_refused(d):
        """An anonymous report's notice, Next touched before ticking: the box and its message in view."""
        _wizard(d, "complaint", "consent",
                lambda draft: (_complaint_draft(draft), setattr(draft, "privacy", "anonim"), setattr(draft, "consent", False)))
        d.frames(2)
        d.app.screen.next()

    def receipt(d):
        d.app.go("complaint")
        scr = d.app.screen
        scr._filed(sample["receipt"])

    def track(d):
        d.app.go("track")
        scr = d.app.screen
        scr.ids.field.ids.ti.text = code
        scr.check()

    def track_answer(d):
        d.app.go("track")
        scr = d.app.screen
        scr.ids.field.ids.ti.text = sample["answered"]
        scr.check()

    def standard(d):
        def fill(draft):
            _complaint_draft(draft)
            draft.agency_id, draft.service_id = agency, service
            draft.standard_part = "biaya"

        _wizard(d, "complaint", "standard", fill)

    def track_typo(d):
        d.app.go("track")
        scr = d.app.screen
        scr.ids.field.ids.ti.text = code[:-1] + ("2" if code[-1] != "2" else "3")
        scr.check()

    def admin_pin_wrong(d):
        from .i18n import tr

        d.app.go("admin")
        scr = d.app.screen
        scr.pin = "2468"
        scr.message = tr.f("Wrong PIN. {count} tries left before the screen locks.", count=2)

    def admin_open(d):
        d.app.go("admin")
        scr = d.app.screen
        scr.unlocked = True
        scr.refresh()
        scr.say("Noted: the paper roll is full again.")  # how a staff action is confirmed

    def form(d, upto: int | None = None):
        """The sample form, filled from its examples up to field ``upto`` (the last when None)."""
        d.app.go("forms", form_id=SAMPLE_FORM)
        d.settle()
        scr = d.app.screen
        scr.values = dict(scr.spec.example_values())
        scr.show_field(len(scr._field_steps) - 1 if upto is None else upto)
        return scr

    def form_error(d):
        scr = form(d, 1)
        scr.current_step.field.ids.ti.text = "5271"
        scr.next()

    def form_preview(d):
        form(d).preview()

    def form_printed(d):
        form(d).print_form()

    def form_field(d, form_id: str, field_id: str):
        d.app.go("forms", form_id=form_id)
        d.settle()
        scr = d.app.screen
        scr.show_field(next(i for i, s in enumerate(scr._field_steps) if s.spec.id == field_id))
        return scr

    def form_date(d):
        """A date being typed on the keypad: the dashes of the hint's example appear by themselves."""
        scr = form_field(d, "bakesbang-izin-penelitian", "tanggal_lahir")
        d.frames(2)
        scr.current_step.field.ids.ti.focus = True
        d.frames(2)
        scr.current_step.field.ids.ti.text = "0512199"

    def idle_prompt(d):
        d.app.go("agencies")
        d.app.idle_left = 17

    def form_limit(d):
        """A box near its limit, typing: the counter under it and the clear button in it."""
        scr = form(d, 0)
        field = scr.current_step.field
        field.ids.ti.text = ("Baiq Nurul Aini binti Lalu Muhammad Zainuddin " * 3)[:int(field.max_chars) - 6]
        field.ids.ti.focus = True

    def home_confirm(d):
        _wizard(d, "complaint", "review", _complaint_draft)
        d.app.ask_home()

    return [
        ("home", lambda d: d.app.home()),
        # Quick survey mode: the four faces on Home (the next scene's reset reads the config's mode again).
        ("home-quick", lambda d: (d.app.home(), setattr(d.app.screens.get("home"), "quick", True))),
        ("agencies", lambda d: d.app.go("agencies")),
        ("services", lambda d: d.app.go("services", agency_id=agency)),
        ("service", lambda d: d.app.go("service", service_id=service)),
        ("compliance", lambda d: d.app.go("compliance", agency_id=agency)),
        ("search", lambda d: search_typing(d, "izin", keys=False)),
        ("search-typing", lambda d: search_typing(d, "izin")),
        ("search-close", lambda d: search_typing(d, "pajek")),
        ("complaint-class", lambda d: _wizard(d, "complaint", "class")),
        ("complaint-topic", lambda d: _wizard(d, "complaint", "topic")),
        ("complaint-where", lambda d: _wizard(d, "complaint", "where")),
        ("complaint-standard", standard),
        ("complaint-describe", lambda d: _wizard(d, "complaint", "describe", _complaint_draft)),
        ("complaint-describe-keyboard", describe_with_keyboard),
        ("complaint-privacy", lambda d: _wizard(d, "complaint", "privacy", _complaint_draft)),
        ("complaint-identity-error", identity_error),
        ("complaint-identity-errors", identity_errors),
        ("complaint-consent", lambda d: _wizard(d, "complaint", "consent", _complaint_draft)),
        ("complaint-consent-refused", consent_refused),
        ("complaint-review", lambda d: _wizard(d, "complaint", "review", _complaint_draft)),
        ("complaint-home-confirm", home_confirm),
        ("complaint-receipt", receipt),
        ("survey-service", lambda d: _wizard(d, "survey", "service")),
        ("survey-question", lambda d: _wizard(d, "survey", "U4")),
        ("survey-question-u8", lambda d: _wizard(d, "survey", "U8")),  # the longest answer words
        ("survey-profile", lambda d: _wizard(d, "survey", "profile")),
        ("survey-comment", lambda d: _wizard(d, "survey", "comment")),
        ("survey-thanks", lambda d: (d.app.go("survey"), d.app.screen._show_thanks(3600, home=True))),
        ("track-result", track),
        ("track-answer", track_answer),
        ("track-typo", track_typo),
        ("admin-pin", lambda d: d.app.go("admin")),
        ("admin-pin-wrong", admin_pin_wrong),
        ("admin-status", admin_open),
        ("forms-list", lambda d: d.app.go("forms")),
        ("forms-field", lambda d: form(d, 0)),
        ("forms-field-error", form_error),
        ("forms-choice", lambda d: form(d, 5)),
        ("forms-field-limit", form_limit),
        ("forms-date", form_date),
        ("forms-checkbox", lambda d: form_field(d, "pendaftaran-pelatihan-ikm", "bersedia")),
        ("forms-preview", form_preview),
        ("forms-printed", form_printed),
        ("idle-prompt", idle_prompt),
    ]


def prepare_data(data_dir: Path, catalog: Path | None) -> tuple[Path, dict]:
    """A data directory with the catalog, one complaint and one survey; returns (config path, sample)."""
    from ..actions import Kiosk
    from ..config import DEFAULT_CONFIG, load_config
    from ..domain.ikm import ELEMENTS

    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace('data_dir = "var"', f'data_dir = "{data_dir}"').replace("fullscreen = true", "fullscreen = false")
    config_path = data_dir / "config.toml"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    kiosk = Kiosk.open(load_config(config_path))
    try:
        kiosk.load_catalog(catalog)
        agencies = kiosk.agencies()
        agency = next(a for a in agencies if kiosk.services(a.id))
        service = kiosk.services(agency.id)[0]
        filed = kiosk.file_complaint({**SAMPLE_COMPLAINT, "service_id": service.id})
        kiosk.add_survey({"service_id": service.id, "answers": {e.code: 3 + (i % 2) for i, e in enumerate(ELEMENTS)}})
        answered = kiosk.file_complaint({**SAMPLE_COMPLAINT, "service_id": service.id})
        answer_sample(kiosk, answered.tracking_code)
        sample = {"agency_id": agency.id, "service_id": service.id, "code": filed.tracking_code,
                  "answered": answered.tracking_code}
    finally:
        kiosk.close()
    return config_path, sample


SAMPLE_ANSWER = (
    "Terima kasih atas laporan Anda. Kami sudah memeriksa loket yang Anda sebutkan dan menegur petugas "
    "yang meminta uang di luar tarif resmi. Uang Rp 50.000 sudah dikembalikan kepada Anda pada 12 Maret.\n\n"
    "Mulai bulan ini papan tarif resmi dipasang di depan setiap loket, dan pembayaran hanya melalui bank. "
    "Jika masih ada petugas yang meminta uang tambahan, laporkan lagi melalui kiosk ini atau SP4N-LAPOR!."
)


def answer_sample(kiosk, code_text: str) -> None:
    """The office's answer to a complaint, as the sync brings it (a status page from the server)."""
    from datetime import datetime, timedelta, timezone

    from ..domain import tracking
    from ..store import records, sync_ops

    row = records.complaint_by_code(kiosk.store.db, tracking.parse(code_text))
    at = datetime.now(timezone.utc)
    stamps = [(at + timedelta(hours=i)).isoformat(timespec="seconds") for i in range(4)]
    events = [{"status": st, "at": t, "note": None}
              for st, t in zip(("sent", "verified", "forwarded", "followed_up"), stamps)]
    sync_ops.apply_updates(kiosk.store.db, [{"uuid": row.uuid, "status": "followed_up", "status_at": stamps[3],
                                             "response": SAMPLE_ANSWER, "response_at": stamps[3],
                                             "events": events}], "screenshots")


def _receipt_sample(cfg, code: str):
    """What the complaint screen gets back after filing, for the receipt scene (read on this thread:
    this is a tool, not the app)."""
    from ..actions import Kiosk
    from ..domain import tracking
    from ..printing.qr import qr_matrix

    kiosk = Kiosk.open(cfg)
    try:
        info = kiosk.track(code)
    finally:
        kiosk.close()
    filed = type("Filed", (), {"tracking_code": info.tracking_code})()
    return filed, None, qr_matrix(cfg.tracking_url(tracking.parse(code))), "Your receipt is printed. Please take it from the printer."


def render(config_path: Path, sample: dict, size: tuple[int, int], out: Path, only: frozenset[str] = frozenset()) -> list[str]:
    """Render every scene at one window size (this process's only window); returns problem lines."""
    from .driver import Driver, prepare_environment

    prepare_environment(Path(tempfile.mkdtemp(prefix="kivy-home-")))
    from ..config import load_config

    cfg = load_config(config_path)
    sample = {**sample, "receipt": _receipt_sample(cfg, sample["code"])}
    d = Driver(cfg, size=size).start()
    from kivy.core.window import Window

    problems: list[str] = []
    for lang in LANGS:
        for large in (False, True):
            folder = out / f"{size[0]}x{size[1]}" / f"{lang}-{'large' if large else 'normal'}"
            for n, (name, action) in enumerate(scenes(sample)):
                if only and name not in only:
                    continue
                d.app.reset_all()
                d.app.lang, d.app.large_text = lang, large
                d.settle()
                action(d)
                d.settle()
                d.frames(3)
                d.screenshot(folder / f"{n:02d}-{name}.png")
                for clip in check(d.app.root, Window.width):
                    problems.append(f"{folder.relative_to(out)}/{name}: {clip}")
    d.stop()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for the PNG files")
    parser.add_argument("--catalog", type=Path, help="catalog JSON (default: the demo catalog)")
    parser.add_argument("--sizes", default=",".join(f"{w}x{h}" for w, h in SIZES), help="e.g. 1920x1080,1280x800")
    parser.add_argument("--only", default="", help="scene names to render, comma-separated (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: config|sample-json|WxH
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.child:
        config_path, sample_json, size_text = args.child.split("|")
        size = tuple(int(v) for v in size_text.split("x"))
        only = frozenset(n for n in args.only.split(",") if n)
        problems = render(Path(config_path), json.loads(sample_json), size, out, only)  # type: ignore[arg-type]
        for line in problems:
            print(line)
        return 1 if problems else 0

    work = Path(tempfile.mkdtemp(prefix="kiosk-screens-"))
    config_path, sample = prepare_data(work / "data", args.catalog)
    failed = False
    for size_text in args.sizes.split(","):
        child = [sys.executable, "-m", "kiosk.ui.screenshots", "--out", str(out),
                 "--only", args.only, "--child", f"{config_path}|{json.dumps(sample)}|{size_text}"]
        result = subprocess.run(child, env={**os.environ, "KIVY_NO_ARGS": "1"}, check=False)
        failed |= result.returncode != 0
        print(f"{size_text}: {'text that does not fit or is covered (listed above)' if result.returncode else 'ok'}")
    print(f"screenshots in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
