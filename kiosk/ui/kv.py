"""Loading KV files: each one once, from beside the module that defines its classes, parsed once per release.

Kivy parses a KV file and compiles every expression in it each time the app starts: about 10 ms for the
frame, the shared widgets and Home, all of it on the way to the first frame, and 1-7 ms more on the
first visit of each other screen. The parsed rules, with their compiled code, are kept in
``__kvcache__/`` beside the KV files, the way Python keeps bytecode in ``__pycache__``: written the first
time if the folder is writable (a developer's checkout), built when a release is installed
(``python -m kiosk.ui.kv``, run by ``deploy/update.sh``, since the kiosk user cannot write there), and
simply skipped when missing. An entry is used only if it was made from the same text by the same Kivy
and Python; anything else (stale, truncated, another version) is parsed again.

Kivy's own rules (``kivy/data/style.kv``, 1,300 lines for every stock widget) are parsed by Kivy
when ``kivy.lang`` is first imported: 52 ms of every start, more than all of the app's KV files.
:func:`kivy_style_from_cache` lets that one load come from the same cache; it must be called before
anything imports ``kivy.lang`` (``kiosk.ui.main.prepare_process`` does). So this module imports
``kivy.lang`` only inside its functions.

The cache sits beside the code and has its owner, so reading it trusts nothing the code does not
already trust (it is unpickled, like bytecode is executed).
"""

from __future__ import annotations

import _pickle  # the C unpickler alone: ``pickle`` itself costs 1.5 ms to import, and is needed only to write
import importlib.util
import logging
import marshal
import os
import sys
import types
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import kivy

if TYPE_CHECKING:
    from kivy.lang import Parser

log = logging.getLogger(__name__)

CACHE_DIR = "__kvcache__"
# Kivy's style.kv has no folder of ours beside it (it sits in site-packages): its entry is kept with the
# app's, under a name that cannot clash with a KV file of the app.
KIVY_STYLE = Path(kivy.kivy_data_dir) / "style.kv"
KIVY_STYLE_ENTRY = Path(__file__).resolve().parent / CACHE_DIR / "kivy-style.kvc"
# Bumped when what is stored changes shape.
FORMAT = b"iplik-kvcache-1"
_loaded: set[Path] = set()


def load_kv(module_file: str) -> None:
    """Load ``<module>.kv`` next to ``module_file`` (a module's ``__file__``) the first time only."""
    path = Path(module_file).with_suffix(".kv").resolve()
    if path in _loaded:
        return
    from kivy.lang import Builder

    text = path.read_text(encoding="utf-8")
    parser = parse(path, text)
    with _parser_given(parser):
        Builder.load_string(text, filename=str(path))
    _loaded.add(path)


def parse(path: Path, text: str, entry: Path | None = None) -> Parser:
    """The parsed rules of ``path``: from its cache entry when that is current, else parsed (and stored).
    The entry is ``__kvcache__/<name>c`` beside the file unless ``entry`` names another."""
    entry = entry or _entry_of(path)
    return _from_cache(path, text, entry) or _parse_and_store(path, text, entry)


def _from_cache(path: Path, text: str, entry: Path) -> Parser | None:
    parser = _read(entry, _key(text))
    if parser is not None:
        parser.filename = str(path)  # every rule points at this object: errors name the real place
        parser.execute_directives()  # the ``#:import`` lines fill Kivy's global names, as parsing does
    return parser


def _parse_and_store(path: Path, text: str, entry: Path) -> Parser:
    from kivy.lang.parser import Parser

    parser = Parser(content=text, filename=str(path))
    _write(entry, _key(text), parser)
    return parser


def compile_all(root: Path, *, with_kivy_style: bool = False) -> int:
    """Parse every KV file under ``root`` into its cache entry (a release build), and Kivy's own rules
    with ``with_kivy_style``; the number of entries written."""
    from kivy.lang.parser import Parser

    sources = [(path, _entry_of(path)) for path in sorted(root.rglob("*.kv"))]
    if with_kivy_style:
        sources.append((KIVY_STYLE, KIVY_STYLE_ENTRY))
    written = 0
    for path, entry in sources:
        text = path.read_text(encoding="utf-8")
        key = _key(text)
        if _read(entry, key) is None and _write(entry, key, Parser(content=text, filename=str(path))):
            written += 1
    return written


# How Kivy's style.kv was loaded in this process: "cache", "parsed", or "" when Kivy loaded it itself.
kivy_style_loaded = ""


def kivy_style_from_cache(entry: Path = KIVY_STYLE_ENTRY) -> bool:
    """Have Kivy take its own style.kv from the cache when ``kivy.lang`` is imported (it parses it then).

    Kivy loads it from the middle of importing ``kivy.lang.builder``, through the ``Parser`` name that
    module takes from ``kivy.lang.parser``; there is no other way in. So, for that one import, the
    ``Parser`` of ``kivy.lang.parser`` is a stand-in that hands back the cached rules for style.kv and
    puts the real class back in both modules at once. Returns False (and changes nothing) when
    ``kivy.lang`` is already imported: its rules are loaded by then.
    """
    if "kivy.lang" in sys.modules or any(isinstance(f, _KivyStyleFinder) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _KivyStyleFinder(entry))
    return True


class _KivyStyleFinder:
    """Finds ``kivy.lang.parser`` as usual, then arms its ``Parser`` for the style.kv load (once)."""

    def __init__(self, entry: Path) -> None:
        self.entry = entry

    def find_spec(self, fullname, path, target=None):
        if fullname != "kivy.lang.parser":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        real_exec, entry = spec.loader.exec_module, self.entry

        def exec_module(module):
            real_exec(module)
            module.Parser = _style_parser(module, entry)

        spec.loader.exec_module = exec_module
        return spec


def _style_parser(parser_module, entry: Path):
    real = parser_module.Parser

    def stand_in(*args, **kwargs):
        parser_module.Parser = real
        builder = sys.modules.get("kivy.lang.builder")
        if builder is not None and getattr(builder, "Parser", None) is stand_in:
            builder.Parser = real
        content, filename = kwargs.get("content"), kwargs.get("filename")
        if args or set(kwargs) != {"content", "filename"} or Path(filename).resolve() != KIVY_STYLE.resolve():
            return real(*args, **kwargs)
        global kivy_style_loaded
        parser = _from_cache(KIVY_STYLE, content, entry)
        kivy_style_loaded = "cache" if parser is not None else "parsed"
        return parser or _parse_and_store(KIVY_STYLE, content, entry)

    return stand_in


def _entry_of(path: Path) -> Path:
    return path.parent / CACHE_DIR / (path.name + "c")


def _key(text: str) -> bytes:
    """What an entry must have been made from. A checksum, not a secure hash: the entry has the same
    owner as the file, and hashlib's start-up (2.5 ms) would cost more than the whole lookup."""
    data = text.encode("utf-8")
    return b"%s|%s|%s|%d|%08x\n" % (
        FORMAT, kivy.__version__.encode(), sys.version.encode(), len(data), zlib.crc32(data)
    )


def _read(entry: Path, key: bytes) -> Parser | None:
    from kivy.lang.parser import Parser

    try:
        blob = entry.read_bytes()
    except OSError:
        return None
    if not blob.startswith(key):
        return None
    try:
        parser = _pickle.loads(blob[len(key):])
    except Exception:  # noqa: BLE001 - a damaged entry is parsed again, never fatal
        log.warning("KV cache entry %s is unreadable; parsing the file instead", entry.name)
        return None
    return parser if isinstance(parser, Parser) else None


def _write(entry: Path, key: bytes, parser: Parser) -> bool:
    import copyreg
    import io
    import pickle

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, types.CodeType: _reduce_code}
    try:
        pickler.dump(parser)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("KV rules of %s cannot be cached: %s", entry.name, exc)
        return False
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(exist_ok=True)
        tmp.write_bytes(key + buf.getvalue())
        os.replace(tmp, entry)  # a reader sees the old entry or the new one, never half of one
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # there is no folder to leave it in
        return False  # a read-only install: parse every time, as Kivy does
    return True


def _reduce_code(code: types.CodeType):
    return marshal.loads, (marshal.dumps(code),)


@contextmanager
def _parser_given(parser: Parser):
    """Builder.load_string with rules already parsed: it builds its parser through this module name."""
    import kivy.lang.builder as kv_builder

    original = kv_builder.Parser
    kv_builder.Parser = lambda **_kwargs: parser
    try:
        yield
    finally:
        kv_builder.Parser = original


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.ui.kv [DIR]``: build the cache of every KV file of the app and of Kivy's own
    style.kv (or of the KV files under DIR)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent
    written = compile_all(root, with_kivy_style=not args)
    print(f"{written} KV file(s) parsed into {CACHE_DIR}/ under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
