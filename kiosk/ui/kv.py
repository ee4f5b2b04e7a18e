"""Loading KV files: each one once, from beside the module that defines its classes, parsed once per release.

Kivy parses a KV file and compiles every expression in it each time the app starts: about 10 ms for the
frame, the shared widgets and Home, all of it on the way to the first frame, and 1-7 ms more on the
first visit of each other screen. The parsed rules, with their compiled code, are kept in
``__kvcache__/`` beside the KV files, the way Python keeps bytecode in ``__pycache__``: written the first
time if the folder is writable (a developer's checkout), built when a release is installed
(``python -m kiosk.ui.kv``, run by ``deploy/update.sh``, since the kiosk user cannot write there), and
simply skipped when missing. An entry is used only if it was made from the same text by the same Kivy
and Python; anything else (stale, truncated, another version) is parsed again.

The cache sits beside the code and has its owner, so reading it trusts nothing the code does not
already trust (it is unpickled, like bytecode is executed).
"""

from __future__ import annotations

import _pickle  # the C unpickler alone: ``pickle`` itself costs 1.5 ms to import, and is needed only to write
import logging
import marshal
import os
import sys
import types
import zlib
from contextlib import contextmanager
from pathlib import Path

import kivy
import kivy.lang.builder as kv_builder
from kivy.lang import Builder, Parser

log = logging.getLogger(__name__)

CACHE_DIR = "__kvcache__"
# Bumped when what is stored changes shape.
FORMAT = b"iplik-kvcache-1"
_loaded: set[Path] = set()


def load_kv(module_file: str) -> None:
    """Load ``<module>.kv`` next to ``module_file`` (a module's ``__file__``) the first time only."""
    path = Path(module_file).with_suffix(".kv").resolve()
    if path in _loaded:
        return
    text = path.read_text(encoding="utf-8")
    parser = parse(path, text)
    with _parser_given(parser):
        Builder.load_string(text, filename=str(path))
    _loaded.add(path)


def parse(path: Path, text: str) -> Parser:
    """The parsed rules of ``path``: from its cache entry when that is current, else parsed (and stored)."""
    key = _key(text)
    entry = path.parent / CACHE_DIR / (path.name + "c")
    parser = _read(entry, key)
    if parser is not None:
        parser.filename = str(path)  # every rule points at this object: errors name the real place
        parser.execute_directives()  # the ``#:import`` lines fill Kivy's global names, as parsing does
        return parser
    parser = Parser(content=text, filename=str(path))
    _write(entry, key, parser)
    return parser


def compile_all(root: Path) -> int:
    """Parse every KV file under ``root`` into its cache entry (a release build); the number written."""
    written = 0
    for path in sorted(root.rglob("*.kv")):
        text = path.read_text(encoding="utf-8")
        key, entry = _key(text), path.parent / CACHE_DIR / (path.name + "c")
        if _read(entry, key) is None and _write(entry, key, Parser(content=text, filename=str(path))):
            written += 1
    return written


def _key(text: str) -> bytes:
    """What an entry must have been made from. A checksum, not a secure hash: the entry has the same
    owner as the file, and hashlib's start-up (2.5 ms) would cost more than the whole lookup."""
    data = text.encode("utf-8")
    return b"%s|%s|%s|%d|%08x\n" % (
        FORMAT, kivy.__version__.encode(), sys.version.encode(), len(data), zlib.crc32(data)
    )


def _read(entry: Path, key: bytes) -> Parser | None:
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
    original = kv_builder.Parser
    kv_builder.Parser = lambda **_kwargs: parser
    try:
        yield
    finally:
        kv_builder.Parser = original


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.ui.kv [DIR]``: build the cache of every KV file of the app (or of DIR)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent
    written = compile_all(root)
    print(f"{written} KV file(s) parsed into {CACHE_DIR}/ under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
