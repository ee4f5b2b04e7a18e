"""``kiosk doctor --recover``: a new kiosk database from every row a damaged one can still give.

SQLite's own answer is the sqlite3 shell's ``.recover``, but Debian 12's sqlite3 is built without the
``sqlite_dbpage`` table it needs (it stops with "SQL logic error" even on a sound file). So this is
the same idea in Python, table by table, through the ordinary SQL interface:

1. refuse while any process still has the file open (the app or the sync worker would write into a
   file about to be replaced);
2. copy the database and its -wal/-shm aside, untouched, into ``damaged-<time>/`` beside it;
3. build ``kiosk.db.recovering`` with the damaged file's schema and copy each table in rowid order;
   where a scan hits a damaged page it seeks past it (rowids further on), so one bad page costs the
   rows on it and not the rest of the table;
4. ``PRAGMA integrity_check`` on the new file must say ok;
5. remove the old -wal/-shm (a stale WAL must never be applied to the new file), then rename the new
   file into place with the old one's owner and mode.

Rows lost are reported per table. A damaged catalog comes back complete with the next catalog load or
sync; complaints and ratings not yet sent exist nowhere else, which is why their tables are named.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .errors import KioskError

_SIDE_FILES = ("-wal", "-shm", "-journal")
_MAX_SEEK = 1 << 62


def _(msgid: str) -> str:
    """Marks an English msgid (translated in assets/locale/*/LC_MESSAGES/cli_safety.po)."""
    return msgid


class RecoveryRefused(KioskError):
    """The database cannot be recovered now (in use, missing, or the result did not check out)."""

    def __init__(self, message: str, **params: object) -> None:
        from .i18n import both

        self.message, self.params = message, params
        super().__init__(both(message, **params))


@dataclass
class TableResult:
    name: str
    copied: int
    readable: bool = True  # False: a scan of it hit damaged pages (rows may be missing)


@dataclass
class Recovery:
    path: Path
    kept_aside: Path
    tables: list[TableResult] = field(default_factory=list)

    @property
    def incomplete(self) -> list[str]:
        return [t.name for t in self.tables if not t.readable]


def users_of(path: Path) -> list[int]:
    """Process ids (other than ours) holding ``path`` or its side files open, from /proc."""
    targets = {str(path.resolve())} | {str(path.resolve()) + s for s in _SIDE_FILES}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            links = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue  # gone, or another user's that we may not look into
        if targets & set(links):
            pids.append(int(proc.name))
    return pids


def recover(path: Path, *, now: datetime | None = None) -> Recovery:
    path = Path(path)
    if not path.exists():
        raise RecoveryRefused(_("There is no database to recover at {path}."), path=str(path))
    busy = users_of(path)
    if busy:
        raise RecoveryRefused(_("{path} is open in process(es) {pids}: stop the kiosk first "
                                "(systemctl stop iplik-kiosk iplik-sync)."), path=str(path), pids=", ".join(map(str, busy)))
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    aside = path.parent / f"damaged-{stamp}"
    aside.mkdir(mode=0o700)
    for suffix in ("", *_SIDE_FILES):
        src = Path(str(path) + suffix)
        if src.exists():
            shutil.copy2(src, aside / (path.name + suffix))
    # Read from a scratch copy: even a read-only connection may write a -shm, and the copy aside must
    # stay exactly what was found.
    scratch = path.parent / f".{path.name}.scratch"
    target = path.parent / f"{path.name}.recovering"
    for leftover in _with_side_files(scratch) + _with_side_files(target):
        leftover.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-journal"):  # a hot journal is rolled back on the copy, as on the original
        if (aside / (path.name + suffix)).exists():
            shutil.copy2(aside / (path.name + suffix), Path(str(scratch) + suffix))
    result = Recovery(path, aside)
    try:
        result.tables = _salvage(scratch, target)
        _check(target)
        st = path.stat()
        os.chmod(target, st.st_mode & 0o777)
        if os.geteuid() == 0:
            os.chown(target, st.st_uid, st.st_gid)
        for side in _with_side_files(path)[1:]:
            side.unlink(missing_ok=True)  # kept aside above
        os.replace(target, path)
    finally:
        for leftover in _with_side_files(scratch) + _with_side_files(target):
            leftover.unlink(missing_ok=True)
    return result


def _with_side_files(path: Path) -> list[Path]:
    return [path] + [Path(str(path) + s) for s in _SIDE_FILES]


def _check(target: Path) -> None:
    conn = sqlite3.connect(target)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if rows != ["ok"]:
        raise RecoveryRefused(_("The recovered copy does not check out ({reason}); the damaged file is unchanged."),
                              reason="; ".join(rows[:3]))


def _salvage(source: Path, target: Path) -> list[TableResult]:
    old = sqlite3.connect(source)
    new = sqlite3.connect(target, isolation_level=None)
    try:
        try:
            schema = old.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema "
                                 "WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
        except sqlite3.DatabaseError as exc:
            raise RecoveryRefused(_("The table list itself is damaged ({reason}): restore a backup."),
                                  reason=str(exc)) from None
        user_version = _try(lambda: old.execute("PRAGMA user_version").fetchone()[0], 0)
        virtual = [name for kind, name, _t, sql in schema if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")]
        # A virtual table's shadow tables are made by its CREATE and filled by copying the table itself.
        shadow = {name for kind, name, _t, _s in schema if kind == "table" and any(name.startswith(v + "_") for v in virtual)}
        tables = [(name, sql) for kind, name, _t, sql in schema
                  if kind == "table" and name not in shadow and not name.startswith("sqlite_")]
        new.execute("BEGIN")
        for _name, sql in tables:
            new.execute(sql)
        results = [_copy_table(old, new, name) for name, _sql in tables]
        for kind, name, _t, sql in schema:
            if kind in ("index", "trigger", "view") and name not in shadow:
                new.execute(sql)
        new.execute(f"PRAGMA user_version = {int(user_version)}")
        new.execute("COMMIT")
        new.execute("PRAGMA journal_mode = WAL")
        return results
    finally:
        old.close()
        new.close()


def _try(fn, default):
    try:
        return fn()
    except sqlite3.DatabaseError:
        return default


def _copy_table(old: sqlite3.Connection, new: sqlite3.Connection, name: str) -> TableResult:
    quoted = '"' + name.replace('"', '""') + '"'
    columns = [r[1] for r in _try(lambda: old.execute(f"PRAGMA table_info({quoted})").fetchall(), [])]
    if not columns:
        return TableResult(name, 0, readable=False)
    cols = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    insert = f"INSERT OR IGNORE INTO {quoted} (rowid, {cols}) VALUES ({', '.join('?' * (len(columns) + 1))})"
    result = TableResult(name, 0)
    scan = f"SELECT rowid, {cols} FROM {quoted} WHERE rowid >= ? ORDER BY rowid"
    lo = -_MAX_SEEK
    while True:
        try:
            for row in old.execute(scan, (lo,)):
                new.execute(insert, row)
                lo = row[0] + 1
                result.copied += 1
            return result
        except sqlite3.DatabaseError:
            result.readable = False
        # A scan reads one row ahead, so the last sound row before the damage fails with it: up to the
        # damage, one row at a time; then seek past it and scan again (or scan again once well clear).
        for _ in range(64):
            try:
                row = old.execute(scan + " LIMIT 1", (lo,)).fetchone()
            except sqlite3.DatabaseError:
                nxt = _next_readable(old, quoted, lo - 1)
                if nxt is None:
                    return result
                if nxt == lo:
                    lo += 1  # the row is reachable but its content is not (a damaged overflow page)
                    continue
                lo = nxt
                break
            if row is None:
                return result
            new.execute(insert, row)
            lo = row[0] + 1
            result.copied += 1


def _next_readable(old: sqlite3.Connection, quoted: str, after: int) -> int | None:
    """The first rowid past ``after`` that a seek reaches without touching a damaged page.

    Seeks further and further (1, 2, 4 ... rowids on) until one lands on a sound page, then halves
    the gap back, so the rows of the next sound page are not skipped along with the damaged one.
    """

    def seek(at: int) -> tuple[bool, int | None]:
        try:
            row = old.execute(f"SELECT rowid FROM {quoted} WHERE rowid >= ? ORDER BY rowid LIMIT 1", (at,)).fetchone()
        except sqlite3.DatabaseError:
            return False, None
        return True, None if row is None else row[0]

    bad, step = after, 1
    while True:
        if bad + step >= _MAX_SEEK:
            return None
        ok, found = seek(bad + step)
        if ok:
            good = bad + step
            break
        step *= 2
    while good - bad > 1:
        mid = (good + bad) // 2
        ok, first = seek(mid)
        if ok:
            good, found = mid, first
        else:
            bad = mid
    return found
