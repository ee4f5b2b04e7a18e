"""Four faces in a row, worst to best: the answer widget of every IKM question and of the quick rating.

The face drawn on a tile follows its score, never its words: score 1 is the unhappiest face and 4 the
happiest, for every element. (On U8, "Berfungsi kurang maksimal" is score 3, a good answer on the
regulation's scale, so it gets the smile that score 3 gets everywhere else.)

Tiles in a row are one height: the tallest label decides, so a two-line label does not make one face
taller than its neighbours. Used by the survey's steps and by Home in quick mode.
"""

from __future__ import annotations

from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from .kv import load_kv
from .widgets import Pressable

# By score 1..4: very unhappy, unhappy, happy, very happy; colours to match (a word is always beside).
FACE_ICONS = ("emoticon-cry-outline", "emoticon-sad-outline", "emoticon-happy-outline", "emoticon-excited-outline")
FACE_COLOURS = ("error", "warn", "ok", "ok")


class FaceButton(Pressable, BoxLayout):
    score = NumericProperty(1)
    icon = StringProperty("")
    text = StringProperty("")
    tint = StringProperty("ok")
    icon_size = NumericProperty(0)  # 0: the theme's face size
    compact = BooleanProperty(False)  # the face beside the words, not over them
    content_h = NumericProperty(0)
    needed = NumericProperty(0)  # the height its icon and words need; the row sets the actual height

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("kind", "choice")
        super().__init__(**kwargs)


class FaceRow(GridLayout):
    """Four FaceButtons (ids ``f1``..``f4``, score 1..4). ``on_face(score)`` fires on a release."""

    labels = ListProperty(["", "", "", ""])
    value = ObjectProperty(None, allownone=True)  # the score shown as chosen
    face_h = NumericProperty(0)
    face_icon = NumericProperty(0)  # the faces' icon size; 0: the theme's face size
    compact = BooleanProperty(False)  # faces beside their words (see FaceButton)
    wide_at = NumericProperty(1200)  # four faces side by side from this width (at text size 1), else 2 x 2
    __events__ = ("on_face",)

    def on_kv_post(self, _base) -> None:
        for i, button in enumerate(self.faces):
            button.score = i + 1
            button.icon = FACE_ICONS[i]
            button.tint = FACE_COLOURS[i]
            button.text = self.labels[i]
            button.bind(on_release=self._released, needed=self._fit)
        self._fit()

    @property
    def faces(self) -> list[FaceButton]:
        return [self.ids.f1, self.ids.f2, self.ids.f3, self.ids.f4]

    def _fit(self, *_args) -> None:
        self.face_h = max(button.needed for button in self.faces)

    def on_labels(self, _w, labels) -> None:
        if "f1" in self.ids:
            for button, label in zip(self.faces, labels):
                button.text = label

    def on_value(self, _w, value) -> None:
        for button in self.faces:
            button.selected = button.score == value

    def _released(self, button: FaceButton) -> None:
        self.dispatch("on_face", button.score)

    def on_face(self, score: int) -> None:
        pass


load_kv(__file__)
