"""Sizes and colours: the numbers of UI-GUIDE.md, measured rather than assumed."""

from __future__ import annotations

import pytest

from kiosk.ui.theme import LARGE_TEXT_FACTOR, Theme, contrast_ratio, hex_to_rgba, readable_primary, text_on

pytestmark = pytest.mark.ui


def theme_at(width: int, height: int, *, large: bool = False, primary: str = "#0B5394") -> Theme:
    t = Theme()
    t.set_primary(primary)
    t.resize(width, height)
    t.large = large
    return t


@pytest.mark.parametrize("primary", ["#0B5394", "#1B7F3A", "#F4B400", "#8E24AA", "#00BCD4", "#FFFFFF"])
def test_every_text_colour_reads_at_4_5_to_1(primary):
    t = theme_at(1920, 1080, primary=primary)
    for name, (fg, bg) in t.text_pairs().items():
        assert contrast_ratio(fg, bg) >= 4.5, f"{name} with primary {primary}: {contrast_ratio(fg, bg):.2f}"
    for name, (fg, bg) in t.edge_pairs().items():
        assert contrast_ratio(fg, bg) >= 3.0, f"{name}: {contrast_ratio(fg, bg):.2f}"


def test_contrast_formula_matches_wcag_examples():
    assert contrast_ratio(hex_to_rgba("#000000"), hex_to_rgba("#FFFFFF")) == pytest.approx(21.0)
    assert contrast_ratio(hex_to_rgba("#777777"), hex_to_rgba("#FFFFFF")) == pytest.approx(4.48, abs=0.01)
    assert text_on(hex_to_rgba("#0B5394")) == hex_to_rgba("#FFFFFF")
    assert text_on(hex_to_rgba("#FFE082"))[0] < 0.2


def test_a_dark_primary_is_kept_as_configured():
    assert readable_primary("#0B5394") == hex_to_rgba("#0B5394")


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_sizes_at_1080p_follow_the_ui_guide(size):
    t = theme_at(*size)
    assert t.body >= 24 and t.small >= 24
    assert 40 <= t.h2 <= 56 and 40 <= t.h1 <= 56
    assert t.button >= 28
    assert t.target >= 48 and t.key >= 64 and t.tile >= 90
    assert t.gap == 16


def test_large_text_adds_about_30_percent_and_small_screens_scale_down():
    normal, large = theme_at(1920, 1080), theme_at(1920, 1080, large=True)
    for name in ("body", "button", "h1", "target"):
        assert getattr(large, name) == pytest.approx(getattr(normal, name) * LARGE_TEXT_FACTOR, abs=1)
    assert large.gap == normal.gap  # spacing follows the window only
    small = theme_at(1280, 800)
    assert small.body == round(28 * 800 / 1080)
