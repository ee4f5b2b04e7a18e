"""The msgids the touchscreen shows: every ``_``/``tr.f``/``N_`` literal in kiosk/ui (.py and .kv).

tests/test_i18n.py checks the ``_()`` calls of the Python code of the whole project; the KV files, the
``N_`` markers of msgids kept in constants and ``tr.f`` are the touchscreen's own, and are read here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
_KV_CALL = re.compile(r"""(?:tr\._|tr\.f|N_)\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _from_python(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
        if name in ("_", "N_") or (owner == "tr" and name == "f"):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def _from_kv(path: Path) -> set[str]:
    return {ast.literal_eval(m.group(1)) for m in _KV_CALL.finditer(path.read_text(encoding="utf-8"))}


def ui_msgids() -> set[str]:
    ids: set[str] = set()
    for path in UI.rglob("*.py"):
        ids |= _from_python(path)
    for path in UI.rglob("*.kv"):
        ids |= _from_kv(path)
    return ids


if __name__ == "__main__":
    for msgid in sorted(ui_msgids()):
        print(repr(msgid))
