"""Static checks over every staff and public page template and the web package, so a page added by
any part of the back office keeps the frame's rules without a browser:

- no inline script, no style attribute or element, no on* handler (the CSP would block them, silently);
- every template parses in the one environment;
- every msgid given to ``t(...)`` (templates and kiosk/central/web/*.py), every menu entry and error
  heading has an Indonesian translation, with the same {placeholders}.
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from jinja2.ext import babel_extract

from kiosk.i18n import messages
from kiosk.central.web import dashboard_nav, error_pages, menu, render

WEB = Path(render.__file__).parent
TEMPLATES = render.TEMPLATES
TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))
PY_FILES = sorted(WEB.glob("*.py"))


def rel(path: Path) -> str:
    return str(path.relative_to(TEMPLATES.parent))


def test_there_are_templates_to_check():
    names = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATE_FILES}
    assert {"base.html", "staff/layout.html", "public/layout.html", "_macros.html", "error.html"} <= names


# Inline code and style the CSP forbids; "<script" with a src is the only script allowed.
# A JSON data island (<script type="application/json">, the charts' data) is never run: allowed.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\s(on[a-z]+|hx-on[:\-][\w:-]*)\s*=", re.I | re.S)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=rel)
def test_no_inline_script_or_style(path):
    text = JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))  # comments are not sent
    problems = [name for name, rx in (("inline <script>", INLINE_SCRIPT), ("style attribute", STYLE_ATTR),
                                      ("<style> element", STYLE_ELEMENT), ("event handler", HANDLER_ATTR),
                                      ("javascript: URL", JS_URL)) if rx.search(text)]
    assert problems == []


def test_the_checks_catch_what_they_are_for():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/staff.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" class="chart__data">{}</script>')
    assert INLINE_SCRIPT.search('<script type="text/javascript">go()</script>')
    assert STYLE_ATTR.search('<p class="x"\n   style="color:red">')
    assert HANDLER_ATTR.search('<button onclick="go()">') and HANDLER_ATTR.search('<a hx-on:click="x">')
    assert not HANDLER_ATTR.search('<button class="online">')
    assert JS_URL.search('<a href="javascript:void(0)">')


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=rel)
def test_template_parses(path):
    render.env.get_template(path.relative_to(TEMPLATES).as_posix())


def first(msg) -> str | None:
    """The msgid of one extracted call: t("text", name=value) comes out as ("text", None)."""
    if isinstance(msg, tuple):
        msg = msg[0] if msg else None
    return msg if isinstance(msg, str) else None


def template_msgids(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as fh:
        found = babel_extract(fh, ("t",), [], {"trimmed": "false"})
        return [(line, first(msg)) for line, _func, msg, _comments in found if first(msg)]


def python_msgids(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as fh:
        found = extract_python(io.BytesIO(fh.read()), ["t"], [], {})
        return [(line, first(msg)) for line, _func, msg, _comments in found if first(msg)]


def all_msgids() -> list[tuple[str, str]]:
    out = [(f"{rel(p)}:{line}", msg) for p in TEMPLATE_FILES for line, msg in template_msgids(p)]
    out += [(f"{p.name}:{line}", msg) for p in PY_FILES for line, msg in python_msgids(p)]
    out += [("menu.ENTRIES", msgid) for _href, msgid, _check in menu.ENTRIES]
    out += [("dashboard_nav.DASHBOARDS", msgid) for _href, msgid, _check in dashboard_nav.DASHBOARDS]
    out += [("error_pages.MESSAGES", m) for pair in error_pages.MESSAGES.values() for m in pair]
    return out


def test_extraction_finds_the_frames_strings():
    found = {msg for _where, msg in all_msgids()}
    assert {"Skip to main content", "There is a problem", "Error code: {status}", "Complaints", "Page not found"} <= found


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_msgid_has_an_indonesian_translation():
    table = messages("id")
    missing = sorted({f"{where}: {msg!r}" for where, msg in all_msgids() if msg not in table})
    assert missing == [], "add these to assets/locale/id/LC_MESSAGES/<your part>.po"


def test_translations_keep_the_placeholders():
    table = messages("id")
    wrong = sorted({msg for _where, msg in all_msgids() if msg in table and placeholders(msg) != placeholders(table[msg])})
    assert wrong == []
