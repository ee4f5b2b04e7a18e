"""A kiosk database with damaged pages, in words (issue #12, item 3: the command line and the doctor).

The damage is real: a kiosk file made by the real commands, then the pages of its catalog tables
(found through SQLite's dbstat table) overwritten on disk. The commands must say the database is
damaged and point to `kiosk doctor` (exit 1, no traceback); the doctor must name the damaged tables
and how to recover; `kiosk doctor --recover` must keep the damaged file aside and bring back every
row that can still be read.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.doctor import FAIL, Options, diagnose

COMPLAINT = {
    "class": "pengaduan", "topic": "pungli", "agency_id": "bappenda",
    "description": "Saya dimintai uang Rp50.000 oleh petugas loket agar STNK cepat selesai.",
    "privacy": "biasa", "identity": {"name": "Baiq Nurul", "phone": "0812-3456-7890"},
    "consent_version": "pdp-2026-11",
}
CATALOG_TABLES = ("services", "agencies", "catalog_meta")


def kiosk(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--data-dir", str(data), *args], check=False,
                          input=stdin, capture_output=True, text=True, timeout=120)


def corrupt(db: Path, tables: tuple[str, ...], *, only: slice = slice(None)) -> list[int]:
    """Overwrite on disk the pages (all, or a slice of them) of ``tables``; returns their numbers."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    marks = ",".join("?" * len(tables))
    pages = [r[0] for r in conn.execute(f"SELECT pageno FROM dbstat WHERE name IN ({marks}) ORDER BY pageno", tables)]
    conn.close()
    pages = pages[only]
    with db.open("r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * size)
            fh.write(b"\x5a" * size)
    return pages


@pytest.fixture(scope="module")
def sound_kiosk(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("sound") / "data"
    assert kiosk(data, "init", "--demo").returncode == 0
    for _ in range(2):
        done = kiosk(data, "complaint", "file", "--json", "-", stdin=json.dumps(COMPLAINT))
        assert done.returncode == 0, done.stderr
    return data


@pytest.fixture
def damaged(sound_kiosk, tmp_path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for f in sound_kiosk.iterdir():
        if f.is_file():
            (data / f.name).write_bytes(f.read_bytes())
    assert corrupt(data / "kiosk.db", CATALOG_TABLES)
    return data


def test_commands_say_the_database_is_damaged_and_point_to_the_doctor(damaged):
    for args in (("status",), ("catalog", "search", "stnk"), ("sync", "status")):
        done = kiosk(damaged, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        err = done.stderr
        assert "rusak" in err and "is damaged" in err and "kiosk doctor" in err, err
    done = kiosk(damaged, "--json", "status")
    assert json.loads(done.stderr)["error"] == "damaged_database"


def test_doctor_names_the_damaged_tables_and_the_way_back(damaged):
    report = diagnose(None, data_dir=damaged, options=Options(quick=True))
    check = report.get("database")
    assert check.status == FAIL
    assert set(check.details["damaged"]) == set(CATALOG_TABLES)
    assert "complaints, ratings and outbox are intact" in check.text
    assert "kiosk doctor --recover" in check.hint_text and ".recover" in check.hint_text


def test_recover_keeps_the_damaged_file_and_every_readable_row(damaged):
    before = hashlib.sha256((damaged / "kiosk.db").read_bytes()).hexdigest()
    done = kiosk(damaged, "--json", "doctor", "--recover")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer["incomplete"]) == set(CATALOG_TABLES)
    aside = Path(answer["kept_aside"])
    assert hashlib.sha256((aside / "kiosk.db").read_bytes()).hexdigest() == before
    with sqlite3.connect(damaged / "kiosk.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM outbox WHERE kind = 'complaint'").fetchone()[0] == 2
    # The kiosk works again, and says nothing is damaged.
    assert kiosk(damaged, "status").returncode == 0
    assert diagnose(None, data_dir=damaged, options=Options(quick=True)).get("database").status != FAIL


def test_recover_refuses_while_the_database_is_open(damaged):
    from kiosk.recovery import RecoveryRefused, recover

    code = (f"import sqlite3, time; c = sqlite3.connect({str(damaged / 'kiosk.db')!r}); "
            "print('open', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(RecoveryRefused, match="hentikan kios.*stop the kiosk"):
            recover(damaged / "kiosk.db")
    finally:
        holder.kill()
        holder.wait()


def test_one_bad_page_costs_only_its_own_rows(tmp_path):
    from kiosk.recovery import recover

    db = tmp_path / "kiosk.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE complaints (uuid TEXT PRIMARY KEY, doc TEXT)")
    conn.executemany("INSERT INTO complaints VALUES (?, ?)", ((f"u{i:05d}", "x" * 200) for i in range(3000)))
    conn.commit()
    conn.close()
    with sqlite3.connect(db) as conn:
        leaves = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'complaints' AND pagetype = 'leaf' ORDER BY pageno")]
    with sqlite3.connect(db) as conn:
        per_leaf = conn.execute("SELECT ncell FROM dbstat WHERE name = 'complaints' AND pageno = ?",
                                (leaves[len(leaves) // 2],)).fetchone()[0]
    with db.open("r+b") as fh:
        fh.seek((leaves[len(leaves) // 2] - 1) * 4096)
        fh.write(b"\x5a" * 4096)
    result = recover(db)
    (table,) = result.tables
    assert not table.readable
    assert table.copied == 3000 - per_leaf
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT max(uuid) FROM complaints").fetchone()[0] == "u02999"
