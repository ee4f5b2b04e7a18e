"""The cache of parsed KV rules: the same rules as parsing, and never worse than parsing when it is off."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest
from kivy.lang import Parser

from kiosk.ui import kv

UI = Path(kv.__file__).resolve().parent

SAMPLE = """\
#:import math math
<SampleBox@BoxLayout>:
    orientation: 'vertical'
    spacing: math.floor(self.width / 10)
    canvas.before:
        Color:
            rgba: 1, 1, 1, 1
        Rectangle:
            pos: self.pos
            size: self.size
    Label:
        id: caption
        text: 'a' if root.width > 100 else 'b'
        on_touch_down: root.spacing = 3
"""


def compiled(value) -> object:
    """A compiled expression by its bytecode; a value Kivy evaluated ahead (a constant) as itself."""
    if isinstance(value, types.CodeType):
        return value.co_code, value.co_consts, value.co_names
    return repr(value)


def shape(rule) -> tuple:
    """What Kivy's Builder uses of a parsed rule, as plain values (code compared by its bytecode)."""
    if rule is None:
        return ()
    props = tuple(
        (name, p.value, tuple(map(tuple, p.watched_keys or ())), compiled(p.co_value))
        for name, p in rule.properties.items()
    )
    handlers = tuple((h.name, h.value, compiled(h.co_value)) for h in rule.handlers)
    return (
        rule.name, rule.id, rule.level, rule.line, props, handlers, rule.avoid_previous_rules,
        tuple(shape(c) for c in rule.children),
        shape(rule.canvas_before), shape(rule.canvas_root), shape(rule.canvas_after),
    )


def parser_shape(parser: Parser) -> tuple:
    rules = tuple((repr(sel), shape(rule)) for sel, rule in parser.rules)
    return rules, tuple(sorted(parser.dynamic_classes.items())), parser.directives


def entry_of(path: Path) -> Path:
    return path.parent / kv.CACHE_DIR / (path.name + "c")


@pytest.mark.parametrize("path", sorted(UI.rglob("*.kv")), ids=lambda p: str(p.relative_to(UI)))
def test_every_app_kv_file_comes_back_from_the_cache_as_parsed(tmp_path, path):
    copy = tmp_path / path.name
    text = path.read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    fresh = kv.parse(copy, text)  # a miss: parses and writes the entry
    assert entry_of(copy).is_file()
    cached = kv.parse(copy, text)
    assert cached is not fresh
    assert parser_shape(cached) == parser_shape(fresh) == parser_shape(Parser(content=text, filename=str(copy)))
    assert cached.rules, "the file has rules, and they came back"


def test_an_entry_moved_with_its_file_names_the_new_place(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "s.kv").write_text(SAMPLE, encoding="utf-8")
    kv.parse(first / "s.kv", SAMPLE)
    (second / kv.CACHE_DIR).mkdir()
    entry_of(first / "s.kv").rename(entry_of(second / "s.kv"))
    parser = kv.parse(second / "s.kv", SAMPLE)
    assert parser.filename == str(second / "s.kv")
    # Kivy finds a rule's file through its parser (unload_file, error messages).
    assert {rule.ctx.filename for _sel, rule in parser.rules} == {str(second / "s.kv")}


def test_a_changed_file_is_parsed_again_and_its_entry_replaced(tmp_path):
    path = tmp_path / "s.kv"
    kv.parse(path, SAMPLE)
    changed = SAMPLE.replace("orientation: 'vertical'", "orientation: 'horizontal'")
    parser = kv.parse(path, changed)
    assert dict(parser.rules[0][1].properties)["orientation"].value == "'horizontal'"
    assert entry_of(path).read_bytes().startswith(kv._key(changed))
    again = kv.parse(path, changed)
    assert dict(again.rules[0][1].properties)["orientation"].value == "'horizontal'"


def test_a_damaged_entry_is_parsed_again_not_fatal(tmp_path, caplog):
    path = tmp_path / "s.kv"
    kv.parse(path, SAMPLE)
    entry = entry_of(path)
    blob = entry.read_bytes()
    entry.write_bytes(blob[: len(kv._key(SAMPLE)) + 40])  # the right header, a truncated body
    parser = kv.parse(path, SAMPLE)
    assert parser_shape(parser) == parser_shape(Parser(content=SAMPLE, filename=str(path)))
    assert "unreadable" in caplog.text
    assert len(entry.read_bytes()) == len(blob), "the good entry was written back"


def test_an_entry_from_another_kivy_or_python_is_not_used(tmp_path, monkeypatch):
    path = tmp_path / "s.kv"
    kv.parse(path, SAMPLE)
    monkeypatch.setattr(kv.sys, "version", "3.99.0 (elsewhere)")
    assert kv._read(entry_of(path), kv._key(SAMPLE)) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only modes")
def test_a_read_only_install_parses_every_time(tmp_path):
    path = tmp_path / "s.kv"
    tmp_path.chmod(0o555)
    try:
        parser = kv.parse(path, SAMPLE)
    finally:
        tmp_path.chmod(0o755)
    assert parser.rules and not entry_of(path).exists()


def test_a_folder_that_cannot_hold_the_cache_parses_every_time(tmp_path):
    path = tmp_path / "s.kv"
    (tmp_path / kv.CACHE_DIR).write_text("a file where the folder would be", encoding="utf-8")
    parser = kv.parse(path, SAMPLE)
    assert parser_shape(parser) == parser_shape(Parser(content=SAMPLE, filename=str(path)))
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob(f"{kv.CACHE_DIR}/*"))


def test_compile_all_writes_each_file_once(tmp_path):
    for name in ("one.kv", "two.kv"):
        (tmp_path / name).write_text(SAMPLE.replace("SampleBox", name[:3].title() + "Box"), encoding="utf-8")
    assert kv.compile_all(tmp_path) == 2
    assert kv.compile_all(tmp_path) == 0


# Kivy's own style.kv is loaded while kivy.lang is first imported, so each check runs in a fresh
# interpreter. It prints what Kivy's Builder holds afterwards, in the shape used above.
STYLE_PROBE = r"""
import json, sys, types
from pathlib import Path
use_cache = sys.argv[1] == "cache"
if use_cache:
    from kiosk.ui import kv
    assert kv.kivy_style_from_cache(Path(sys.argv[2]))
from kivy.lang import Builder, Parser
import kivy.lang.builder, kivy.lang.parser
from tests.ui.test_kv_cache import shape
print(json.dumps({
    "loaded": kv.kivy_style_loaded if use_cache else "",
    "real_parser": kivy.lang.parser.Parser is Parser and kivy.lang.builder.Parser is Parser and isinstance(Parser, type),
    "rules": repr([(repr(sel), shape(rule)) for sel, rule in Builder.rules]),
    "files": sorted(Builder.files),
}))
"""


def style_probe(mode: str, entry: Path) -> dict:
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    kivy_home = entry.parent.parent / "kivy-home"
    kivy_home.mkdir(exist_ok=True)
    env = {**os.environ, "KIVY_NO_ARGS": "1", "PYTHONPATH": str(root), "KIVY_HOME": str(kivy_home),
           "PYTHONHASHSEED": "0"}  # a rule's watched keys come from a set: the same order in every process
    out = subprocess.run([sys.executable, "-c", STYLE_PROBE, mode, str(entry)], cwd=root, capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kivy_style_comes_from_the_cache_with_the_rules_kivy_parses(tmp_path):
    entry = tmp_path / kv.CACHE_DIR / "kivy-style.kvc"
    plain = style_probe("plain", entry)
    first = style_probe("cache", entry)  # a miss: Kivy's rules parsed, and the entry written
    second = style_probe("cache", entry)  # a hit
    assert (first["loaded"], second["loaded"]) == ("parsed", "cache")
    assert entry.read_bytes().startswith(kv._key(kv.KIVY_STYLE.read_text(encoding="utf-8")))
    assert len(plain["rules"]) > 10_000, "Kivy's style has rules for every stock widget"
    assert first["rules"] == second["rules"] == plain["rules"]
    assert first["files"] == second["files"] == plain["files"]
    assert first["real_parser"] and second["real_parser"], "Kivy's Parser class is back in place"


def test_a_damaged_kivy_style_entry_is_parsed_again(tmp_path):
    entry = tmp_path / "kivy-style.kvc"
    entry.write_bytes(kv._key(kv.KIVY_STYLE.read_text(encoding="utf-8")) + b"not a pickle")
    probe = style_probe("cache", entry)
    assert probe["loaded"] == "parsed" and probe["real_parser"]
    assert probe["rules"] == style_probe("plain", entry)["rules"]


def test_the_release_build_caches_kivy_style_too(tmp_path, monkeypatch):
    monkeypatch.setattr(kv, "KIVY_STYLE_ENTRY", tmp_path / "kivy-style.kvc")
    assert kv.compile_all(tmp_path, with_kivy_style=True) == 1
    assert kv.compile_all(tmp_path, with_kivy_style=True) == 0
    assert kv._read(tmp_path / "kivy-style.kvc", kv._key(kv.KIVY_STYLE.read_text(encoding="utf-8"))) is not None
