"""Loading KV files: each one once, from beside the module that defines its classes."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

_loaded: set[Path] = set()


def load_kv(module_file: str) -> None:
    """Load ``<module>.kv`` next to ``module_file`` (a module's ``__file__``) the first time only."""
    path = Path(module_file).with_suffix(".kv").resolve()
    if path not in _loaded:
        Builder.load_file(str(path))
        _loaded.add(path)
