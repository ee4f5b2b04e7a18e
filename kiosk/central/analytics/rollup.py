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

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..settings import Settings

log = logging.getLogger(__name__)

REFRESHERS: tuple[str, ...] = (
    "handling",
    "ikm",
    "compliance",
    "quick",
)


def refresh_all(engine: Engine, settings: Settings, *, now: datetime, keep=lambda: None) -> int:
    """Every rollup brought up to date; ``keep`` renews the tick's lease between them."""
    total = 0
    for name in REFRESHERS:
        module = importlib.import_module(f"{__package__}.{name}")
        total += module.refresh(engine, settings, now=now)
        keep()
    return total


def mark(conn, name: str):
    """The watermark of rollup ``name``: (source_until, refreshed_at), or (None, None) before its first run."""
    from ..db import rollup_marks

    row = conn.execute(sa.select(rollup_marks.c.source_until, rollup_marks.c.refreshed_at)
                       .where(rollup_marks.c.name == name)).first()
    return (row.source_until, row.refreshed_at) if row else (None, None)


def set_mark(conn, name: str, source_until: datetime, refreshed_at: datetime) -> None:
    """Move the watermark of ``name`` (inside the refresh's own transaction, so the rows and the mark
    commit together)."""
    from ..db import rollup_marks, upsert

    stmt = upsert(conn, rollup_marks).values(name=name, source_until=source_until, refreshed_at=refreshed_at)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                            set_={"source_until": source_until, "refreshed_at": refreshed_at}))


def freshness(conn) -> datetime | None:
    """The oldest ``refreshed_at`` of every rollup: the "figures as of" time a page shows."""
    from ..db import rollup_marks

    return conn.scalar(sa.select(sa.func.min(rollup_marks.c.refreshed_at)))
