"""Home and attract screen: four big tiles with icons and words; when nobody touches it, it invites.

The attract loop highlights one tile after another with a sentence about it, a few seconds per step
(no animation timer), and stops as soon as the screen is left.

In quick survey mode (``[survey] mode = "quick"``) Home is also the satisfaction terminal: the four
faces are here, in the survey tile's place, and one touch rates (the survey screen records it, repeated
taps counted once, shows the thank-you and comes back here).
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from .. import faces as _faces  # noqa: F401 - FaceRow, used in home.kv
from ..i18n import N_, tr
from ..kv import load_kv
from ..theme import theme
from .base import KScreen

ATTRACT_STEP_S = 4.0
# What each tile is for, said plainly; shown in turn by the attract loop.
TILE_PITCH = (
    N_("Read what a service needs, how long it takes and what it costs."),
    N_("Tell us about a problem with a service. You get a receipt with a tracking code."),
    N_("Tell us how satisfied you are with the service you received."),
    N_("Check the progress of a complaint with the code on your receipt."),
    N_("Fill in an application form here and print it, ready to hand in."),
)


TOUCH_TO_START = N_("Touch the screen to start")


def text_height(text: str, font_size: float, width: float, *, bold: bool = False, line_height: float = 1.1) -> float:
    """How tall ``text`` is when wrapped at ``width`` (laid out by Kivy, not drawn; Txt's line height)."""
    if not text or width <= 1:
        return 0.0
    line = CoreLabel(text=text, font_size=font_size, bold=bold, line_height=line_height, text_size=(width, None))
    return line.render()[1]


class HomeScreen(KScreen):
    attract = NumericProperty(-1)  # index of the highlighted tile, -1 for none
    pitch = StringProperty(TOUCH_TO_START)  # msgid of the sentence under the welcome

    tile_h = NumericProperty(0)  # one height for every tile: the tallest need, or the room there is
    pitch_h = NumericProperty(0)  # the tallest of the attract loop's sentences at the current width
    quick = BooleanProperty(False)  # quick survey mode: the faces on Home, no survey tile

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._loop = None
        self._upright_key: tuple = ()
        self._upright = 0.0
        self._fit = Clock.create_trigger(self._fit_tiles, -1)
        # ids are weak: what on_quick takes out of the layout must be held here, or it is collected.
        self._kept = (self.ids.quick_panel.__self__, self.ids.tile_survey.__self__)
        self.on_quick(self, self.quick)  # full mode: the quick faces' panel leaves the layout
        tiles = self.ids.tiles
        for widget in (self.ids.page, tiles, self.ids.intro, self.ids.search, self.ids.quick_panel):
            widget.fbind("height", self._fit)
        tiles.fbind("cols", self._fit)
        tiles.fbind("width", self._fit)
        theme.fbind("k", self._fit)
        App.get_running_app().fbind("lang", self._fit)  # other words, other wraps
        for tile in tiles.children:
            tile.fbind("needed", self._fit)
        # Not on the sentence's text: the loop changes it every few seconds, the heights only change
        # with the width, the size or the language.
        self._measure = Clock.create_trigger(self._measure_pitches, -1)
        pitch = self.ids.pitch
        for name in ("width", "font_size"):
            pitch.fbind(name, self._measure)
        App.get_running_app().fbind("lang", self._measure)

    def _measure_pitches(self, _dt=None) -> None:
        pitch = self.ids.pitch
        if self.attract < 0 and not self.pitch_h:
            return  # until the loop first changes the sentence: not on the way to the first frame
        if pitch.width > 1:
            self.pitch_h = max(
                text_height(tr._(msgid), pitch.font_size, pitch.width, bold=pitch.bold, line_height=pitch.line_height)
                for msgid in (TOUCH_TO_START, *TILE_PITCH)
            )

    def _fit_tiles(self, _dt=None) -> None:
        tiles = self.ids.tiles
        rows = -(-len(tiles.children) // tiles.cols)
        column = self.ids.column
        spare = self.ids.page.height - column.padding[1] - column.padding[3] - self.ids.intro.height
        spare -= self.ids.search.height + 2 * column.spacing + (rows - 1) * tiles.spacing[1]
        room = spare  # for the choice below: with the quick faces upright, whatever they are now
        if self.quick:
            panel = self.ids.quick_panel
            spare -= panel.height + column.spacing
            room -= panel.height - self.ids.quick_faces.height + self._faces_upright_h() + column.spacing
        # Icons over the words while that fits; beside them when it would push the last tiles and the
        # search below the fold (a short screen in large text, or a subtitle that wraps). The quick
        # faces follow the tiles; the choice is made as if they were upright, so that folding them
        # (which gives room back) cannot turn the choice over again.
        if tiles.width > tiles.cols * 100:  # laid out (a widget starts 100 px wide)
            compact = room / rows < self._upright_need(room / rows)
            for tile in tiles.children:
                tile.compact = compact
            self.ids.quick_faces.compact = compact
        need = max(tile.needed for tile in tiles.children)
        self.tile_h = max(need, spare / rows)

    def _faces_upright_h(self) -> float:
        """The height of the quick faces' row(s) with each face over its words (their own heights change
        with the choice, so they cannot tell)."""
        faces = self.ids.quick_faces
        cols = faces.cols or 4
        width = (faces.width - (cols - 1) * faces.spacing[0]) / cols - 2 * theme.gap
        icon = faces.face_icon or theme.face_icon
        words = max(text_height(b.text, theme.button, width, bold=True) for b in faces.faces)
        face = max(icon * 1.9, icon * 1.15 + words + theme.gap * 0.5 + theme.gap * 2)
        rows = -(-4 // cols)
        return rows * face + (rows - 1) * faces.spacing[1]

    def _upright_need(self, room: float) -> float:
        """The height the tallest tile needs with its icon over its words, worked out from the texts and
        the theme (the tiles' own heights change with the choice, so they cannot tell). Measured only when
        ``room`` is short of two full lines for the title and for the subtitle."""
        t = theme
        if room >= t.tile_icon * 1.15 + 2.2 * (t.tile_text + t.small) + t.gap + t.pad * 1.5:
            return 0.0
        tiles = self.ids.tiles
        width = (tiles.width - (tiles.cols - 1) * tiles.spacing[0]) / tiles.cols - 2 * theme.pad
        key = (round(width), theme.tile_text, theme.small, theme.tile_icon, tr.lang)
        if key != self._upright_key:
            words = max(
                text_height(tile.text, theme.tile_text, width, bold=True)
                + text_height(tile.subtitle, theme.small, width)
                for tile in tiles.children
            )
            icon = theme.tile_icon * 1.15
            self._upright_key = key
            self._upright = max(theme.tile, icon + words + theme.gap + theme.pad * 1.5)
        return self._upright

    def open(self, **_params) -> None:
        # Each time Home is shown (also Home from Home): the mode is the config's of the moment.
        self.quick = App.get_running_app().cfg.survey.mode == "quick"
        self.ids.quick_faces.value = None

    def on_quick(self, _w, quick: bool) -> None:
        # Out of the layout, not only folded: a folded panel would still cost the column a spacing.
        tiles, tile = self.ids.tiles, self.ids.tile_survey
        column, panel = self.ids.column, self.ids.quick_panel
        if quick:
            if tile.parent is not None:
                tiles.remove_widget(tile)
            if panel.parent is None:
                column.add_widget(panel, index=2)  # after the welcome, before the tiles and the search
        else:
            if tile.parent is None:
                tiles.add_widget(tile, index=2)  # third, where home.kv puts it
            if panel.parent is not None:
                column.remove_widget(panel)
        self._fit()

    def rate(self, face: int) -> None:
        """A face touched in quick mode: one tap is the whole rating."""
        app = App.get_running_app()
        if app.screens.get("survey").quick_tap(face, from_home=True):
            self.ids.quick_faces.value = face  # lit until the thank-you replaces Home

    def on_enter(self, *_args) -> None:
        self.attract = -1
        self._loop = Clock.schedule_interval(self._step, ATTRACT_STEP_S)

    def on_leave(self, *_args) -> None:
        if self._loop is not None:
            self._loop.cancel()
            self._loop = None
        self.attract = -1

    def _step(self, _dt) -> None:
        self.attract = (self.attract + 1) % len(TILE_PITCH)

    def on_attract(self, _w, index: int) -> None:
        if index >= 0 and not self.pitch_h:
            self._measure_pitches()  # the row takes the longest sentence's height as the loop starts
        self.pitch = TILE_PITCH[index] if index >= 0 else TOUCH_TO_START

    def reset(self) -> None:
        self.attract = -1


load_kv(__file__)
