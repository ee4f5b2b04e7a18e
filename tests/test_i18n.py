"""Every string a citizen can see has an Indonesian translation.

Messages are English msgids. This test reads the source (AST, not regexes) for the places msgids are
born: ``_("...")``, ``tr("...")`` and the first argument of ValidationError / NotFound; and imports the
label tables of the domain. Each must be in the Indonesian catalog.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk.i18n import both, messages, translator

REPO = Path(__file__).resolve().parent.parent
# Staff- and technician-only commands may stay English: the central server's back office and deploy.
SKIP_DIRS = {"central"}
MSGID_CALLS = {"_", "tr", "ValidationError", "NotFound"}
PLACEHOLDER = re.compile(r"{(\w+)}")


def source_msgids() -> set[tuple[str, str]]:
    found = set()
    for path in (REPO / "kiosk").rglob("*.py"):
        if SKIP_DIRS & set(path.relative_to(REPO / "kiosk").parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            arg = node.args[0]
            if name in MSGID_CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add((arg.value, f"{path.relative_to(REPO)}:{node.lineno}"))
    return found


def label_msgids() -> set[str]:
    from kiosk.domain import complaint

    ids = set(complaint.CLASS_LABELS.values()) | set(complaint.TOPIC_LABELS.values())
    ids |= set(complaint.PRIVACY_LABELS.values())
    try:
        from kiosk.domain import workflow

        for table in vars(workflow).values():
            if isinstance(table, dict) and table and all(isinstance(k, workflow.Status) for k in table):
                ids |= {v for v in table.values() if isinstance(v, str)}
    except ImportError:
        pass
    return ids


def test_every_msgid_in_the_code_has_an_indonesian_translation():
    table = messages("id")
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in source_msgids() if msgid not in table)
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_every_label_has_an_indonesian_translation():
    table = messages("id")
    missing = sorted(m for m in label_msgids() if m not in table)
    assert not missing, missing


def test_translations_keep_the_placeholders():
    bad = [
        (msgid, text)
        for msgid, text in messages("id").items()
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(text))
    ]
    assert not bad, bad


def test_catalog_is_really_indonesian():
    # A copy-pasted English msgstr would pass the tests above; most entries must differ from the msgid.
    table = messages("id")
    same = [m for m, t in table.items() if m == t]
    assert len(table) > 20 and len(same) < len(table) * 0.1, same[:20]


@pytest.mark.parametrize("lang", ["id", "en", "xx"])
def test_translator_falls_back_to_source(lang):
    _ = translator(lang)
    assert _("no such msgid 123") == "no such msgid 123"


def test_both_gives_indonesian_then_english():
    table = messages("id")
    msgid = next(m for m in table if "{" not in m)
    assert both(msgid) == f"{table[msgid]} / {msgid}"
