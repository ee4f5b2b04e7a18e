"""Home and attract screen: four big tiles with icons and words; when nobody touches it, it invites.

The attract loop highlights one tile after another with a sentence about it, a few seconds per step
(no animation timer), and stops as soon as the screen is left.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from ..i18n import N_
from ..kv import load_kv
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


class HomeScreen(KScreen):
    attract = NumericProperty(-1)  # index of the highlighted tile, -1 for none
    pitch = StringProperty(TOUCH_TO_START)  # msgid of the sentence under the welcome

    tile_h = NumericProperty(0)  # one height for every tile: the tallest need, or the room there is

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._loop = None
        self._fit = Clock.create_trigger(self._fit_tiles, -1)
        tiles = self.ids.tiles
        for widget in (self.ids.page, tiles, self.ids.intro, self.ids.search):
            widget.fbind("height", self._fit)
        tiles.fbind("cols", self._fit)
        for tile in tiles.children:
            tile.fbind("needed", self._fit)

    def _fit_tiles(self, _dt=None) -> None:
        tiles = self.ids.tiles
        rows = -(-len(tiles.children) // tiles.cols)
        column = self.ids.column
        spare = self.ids.page.height - column.padding[1] - column.padding[3] - self.ids.intro.height
        spare -= self.ids.search.height + 2 * column.spacing + (rows - 1) * tiles.spacing[1]
        need = max(tile.needed for tile in tiles.children)
        self.tile_h = max(need, spare / rows)

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
        self.pitch = TILE_PITCH[index] if index >= 0 else TOUCH_TO_START

    def reset(self) -> None:
        self.attract = -1


load_kv(__file__)
