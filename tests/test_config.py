"""config.toml: the shipped file is valid, and every kind of mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_config_is_valid_and_documented():
    cfg = load_config(DEFAULT_CONFIG)
    assert cfg.ui.languages[0] == "id"
    assert cfg.tracking_url("ABCD") .endswith("/ABCD")
    # Every key the loader knows appears in the shipped, documented file.
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for section in cfg._fields:
        if section == "source":
            continue
        assert f"[{section}]" in text
        for key in getattr(cfg, section)._fields:
            assert f"\n{key} =" in text, f"{section}.{key} is not documented in config.toml"


def test_missing_sections_take_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "[kiosk]\nname = 'X'\n"))
    assert cfg.kiosk.name == "X" and cfg.ui.idle_timeout_s == 90


def test_relative_data_dir_is_relative_to_the_file(tmp_path):
    cfg = load_config(write(tmp_path, "[kiosk]\ndata_dir = 'data'\n"))
    assert cfg.data_dir == (tmp_path / "data").resolve()


@pytest.mark.parametrize(
    "text, key",
    [
        ("[kiosk]\nnmae = 'x'\n", "kiosk.nmae"),
        ("[kioks]\nname = 'x'\n", "kioks"),
        ("[ui]\nidle_timeout_s = '90'\n", "ui.idle_timeout_s"),
        ("[ui]\nidle_timeout_s = 9.5\n", "ui.idle_timeout_s"),
        ("[ui]\nlarge_text = 1\n", "ui.large_text"),
        ("[ui]\nlanguages = ['id', 'fr']\n", "ui.languages"),
        ("[ui]\nidle_timeout_s = 5\n", "ui.idle_timeout_s"),
        ("[ui]\nprimary_color = 'blue'\n", "ui.primary_color"),
        ("[printer]\nbackend = 'laser'\n", "printer.backend"),
        ("[printer]\npaper_width_mm = 72\n", "printer.paper_width_mm"),
        ("[server]\nurl = 'ftp://x'\n", "server.url"),
        ("[tracking]\nurl_template = 'https://x/lacak'\n", "tracking.url_template"),
        ("[survey]\nmode = 'long'\n", "survey.mode"),
        ("[office]\ntimezone = 'Mars/Olympus'\n", "office.timezone"),
        ("[office]\nholidays = ['2026-13-01']\n", "office.holidays"),
        ("[admin]\npin_hash = '1234'\n", "admin.pin_hash"),
        ("ui = 3\n", "ui"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert f": {key} " in str(err.value)


def test_int_accepted_where_float_expected(tmp_path):
    assert load_config(write(tmp_path, "[server]\ntimeout_s = 10\n")).server.timeout_s == 10.0


@pytest.mark.parametrize("text", ["[kiosk\n", "x = = 1\n", "\x00"])
def test_corrupt_file(tmp_path, text):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
