"""Opening the kiosk's SQLite file: WAL, durable commits, migrations, one connection per thread.

The UI worker and the sync worker run on different threads; SQLite connections must not be shared
across threads, so :class:`Store` hands each thread its own connection to the same file. WAL lets the
Track screen read while the sync worker writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ..errors import StoreError
from .schema import MIGRATIONS


def connect(path: Path) -> Database:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10.0, check_same_thread=True)
        db = Database(conn)
        db.enable_wal()
        # FULL, not NORMAL: a kiosk may lose power at any moment and a citizen's complaint that the
        # screen called "saved" must survive it. Writes are a few per minute, so the cost is nil.
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the kiosk database ({exc})") from exc


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    pending = [m.name for m in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    return pending


class Store:
    """The kiosk database file, with a lazily opened connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[Database] = []
        self._lock = threading.Lock()
        try:
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot upgrade the kiosk database ({exc})") from exc

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All writes inside commit together or not at all."""
        db = self.db
        try:
            with db.atomic():
                yield db
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from exc

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                try:
                    db.close()
                except sqlite3.ProgrammingError:
                    pass  # opened on a thread that has ended; the OS closes it with the process
            self._all.clear()
        self._local = threading.local()
