"""``make staff-screenshots`` end to end: a real server, Chromium, PNG files of the asked size."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
from central.serverkit import REPO

from kiosk.central.web import screenshots

from .conftest import chromium_missing_reason

pytestmark = pytest.mark.browser


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_registry_names_are_unique_and_paths_local():
    names = [name for name, _path, _role in screenshots.PAGES]
    assert len(names) == len(set(names))
    assert all(path.startswith("/") and not path.startswith("//") for _n, path, _r in screenshots.PAGES)


def test_screenshots_of_a_page_in_both_sizes_and_languages(tmp_path):
    if reason := chromium_missing_reason():
        pytest.skip(reason)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.central.web.screenshots", "--out", str(tmp_path), "--only", "error-404"],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted(p.name for p in tmp_path.glob("*.png"))
    assert files == sorted(f"error-404-{lang}-{w}x{h}.png" for lang in ("id", "en") for w, h in screenshots.VIEWPORTS)
    for w, h in screenshots.VIEWPORTS:
        width, height = png_size((tmp_path / f"error-404-id-{w}x{h}.png").read_bytes())
        assert width == w and height >= h
    # Different languages, different pictures.
    assert (tmp_path / "error-404-id-390x844.png").read_bytes() != (tmp_path / "error-404-en-390x844.png").read_bytes()


def test_unknown_page_name_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.central.web.screenshots", "--out", str(tmp_path), "--only", "no-such-page"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "unknown page name" in result.stderr
