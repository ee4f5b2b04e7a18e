"""Opening the kiosk's SQLite file: WAL, durable commits, migrations, one connection per thread.

The UI worker and the sync worker run on different threads; SQLite connections must not be shared
across threads, so :class:`Store` hands each thread its own connection to the same file. WAL lets the
Track screen read while the sync worker writes.

Every connection is a :class:`KioskDatabase`, which makes three promises for all the code in
``kiosk.store``:

* a transaction that writes takes the write lock when it begins (``BEGIN IMMEDIATE``). A deferred
  transaction that reads and then writes fails at once with "database is locked" when another
  connection wrote in between (WAL cannot upgrade a stale read snapshot, so the busy timeout never
  helps); an immediate one waits its turn under the busy timeout instead;
* SQLite's errors leave as :class:`kiosk.errors.StoreError` and its kinds (full, busy, damaged,
  conflict), never as ``sqlite3`` exceptions, so the screen can always say something in words;
* freed space is zeroed (``secure_delete``) and, after personal data was dropped, the write-ahead log
  is checkpointed and truncated once the transaction commits (:func:`scrub_after_commit`), so a purged
  name is found neither in the database file nor in its ``-wal``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ..errors import StoreBusy, StoreConflict, StoreDamaged, StoreError, StoreFull
from ..filemodes import create_private
from .schema import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0
CHECKPOINT_WAIT_S = 1.0

# SQLite's primary result codes (the low byte of an extended code).
_FULL, _BUSY, _LOCKED, _CORRUPT, _NOTADB, _CONSTRAINT = 13, 5, 6, 11, 26, 19


def is_damage(exc: BaseException) -> bool:
    """A damaged file: our StoreDamaged, or SQLite's SQLITE_CORRUPT / SQLITE_NOTADB (any extended code)."""
    if isinstance(exc, StoreDamaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_CORRUPT, _NOTADB)


def store_error(exc: sqlite3.Error, path: Path | str, doing: str = "database error") -> StoreError:
    """The project's error for a SQLite error (its text says what failed, for logs; no row data)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    kind: type[StoreError] = StoreError
    if primary == _FULL:
        kind = StoreFull
    elif primary in (_BUSY, _LOCKED):
        kind = StoreBusy
    elif primary in (_CORRUPT, _NOTADB):
        kind = StoreDamaged
    elif primary == _CONSTRAINT or isinstance(exc, sqlite3.IntegrityError):
        kind = StoreConflict
    return kind(f"{path}: {doing} ({exc})")


class KioskDatabase(Database):
    """sqlite-utils' ``Database`` with immediate write transactions and the project's error types."""

    path: Path
    _scrub = False

    def execute(self, sql, parameters=None):  # type: ignore[override]
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    def executescript(self, sql):  # type: ignore[override]
        try:
            return super().executescript(sql)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    @contextmanager
    def atomic(self) -> Iterator[KioskDatabase]:
        """All writes inside commit together or not at all; nested blocks are savepoints."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(exc, self.path, "cannot begin a write") from exc
        scrub_before = self._scrub  # a purge's checkpoint still owed from an earlier commit
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._scrub = scrub_before
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    log.warning("rollback failed on %s", self.path)  # SQLite rolled back already
            if isinstance(exc, sqlite3.Error):
                raise store_error(exc, self.path, "write failed") from exc
            raise
        if self._scrub:
            # Owed until it succeeds: a reader that keeps the log in use now is gone at a later commit.
            self._scrub = not self.checkpoint()

    def checkpoint(self) -> bool:
        """Copy the log into the database file and truncate it to nothing; False when a reader kept it
        in use for longer than CHECKPOINT_WAIT_S. Never raises: the data is committed already."""
        try:
            # Readers are waited for briefly, not for the full busy timeout: the sync worker must not
            # stall behind a long read; the checkpoint is tried again after the next commit.
            self.conn.execute(f"PRAGMA busy_timeout={int(CHECKPOINT_WAIT_S * 1000)}")
            try:
                busy, _frames, _done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                self.conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        except sqlite3.Error as exc:
            log.warning("checkpoint of %s failed: %s", self.path, exc)
            return False
        if busy:
            log.info("checkpoint of %s waits for a reader; the next commit tries again", self.path)
        return not busy


def scrub_after_commit(db: Database) -> None:
    """Personal data was just dropped: checkpoint and truncate the write-ahead log after the commit
    (inside a transaction SQLite cannot), so no old copy of the rows stays in ``-wal``."""
    if isinstance(db, KioskDatabase):
        if db.conn.in_transaction:
            db._scrub = True
        else:
            db.checkpoint()


def connect(path: Path) -> KioskDatabase:
    path = Path(path)
    try:
        create_private(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=True)
        db = KioskDatabase(conn)
        db.path = path
        # The busy timeout is set by connect(timeout=); said again here so it is visible in one place.
        db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # Zero what is deleted or overwritten instead of leaving it in free pages: a purged NIK must not
        # stay readable in the file (Debian's build happens to default to this; others do not).
        db.execute("PRAGMA secure_delete=ON")
        db.enable_wal()
        # FULL, not NORMAL: a kiosk may lose power at any moment and a citizen's complaint that the
        # screen called "saved" must survive it. Writes are a few per minute, so the cost is nil.
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db
    except StoreError:
        raise
    except sqlite3.Error as exc:
        raise store_error(exc, path, "cannot open the kiosk database") from exc
    except OSError as exc:
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
        except StoreError as exc:
            raise type(exc)(f"{self.path}: cannot upgrade the kiosk database ({exc})") from exc
        except sqlite3.Error as exc:
            raise store_error(exc, self.path, "cannot upgrade the kiosk database") from exc

    @property
    def db(self) -> KioskDatabase:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def transaction(self) -> Iterator[KioskDatabase]:
        """All writes inside commit together or not at all (an immediate transaction; StoreError)."""
        db = self.db
        with db.atomic():
            yield db

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                try:
                    db.close()
                except sqlite3.ProgrammingError:
                    pass  # opened on a thread that has ended; the OS closes it with the process
            self._all.clear()
        self._local = threading.local()
