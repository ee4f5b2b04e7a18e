"""Keeps the analytics rollup tables current; ``kiosk central tick`` calls :func:`refresh_all` under
its lock, after the deadline work (so a complaint marked overdue in this run is counted as such).

Each rollup lives in the module that reads it and offers ``refresh(engine, settings, *, now) -> int``
(the rows it rewrote). A refresh is idempotent and safe to repeat: it recomputes whole local days that
received new records since its watermark (with a margin for transactions that committed late), so a
kiosk that comes back after a week offline lands its ratings in the right days. REFRESHERS lists the
modules, one per line, so parts added in parallel merge by adding lines; a listed module that does not
exist fails the first tick, loudly.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime

from sqlalchemy.engine import Engine

from ..settings import Settings

log = logging.getLogger(__name__)

REFRESHERS: tuple[str, ...] = (
)


def refresh_all(engine: Engine, settings: Settings, *, now: datetime, keep=lambda: None) -> int:
    """Every rollup brought up to date; ``keep`` renews the tick's lease between them."""
    total = 0
    for name in REFRESHERS:
        module = importlib.import_module(f"{__package__}.{name}")
        total += module.refresh(engine, settings, now=now)
        keep()
    return total
