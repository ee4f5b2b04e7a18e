"""The kiosk database on a bad day: a full disk after the complaint is stored, a repeated Send, the
project's error types, two writers at once, personal data left behind after the purge, file modes.

Everything runs on real SQLite files. The full disk is SQLite's own SQLITE_FULL: ``PRAGMA
max_page_count`` caps the file at its current size and real rows fill what is left, exactly as a full
disk makes SQLite fail to grow its file.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import actions
from kiosk.actions import Kiosk
from kiosk.config import load_config
from kiosk.errors import StoreBusy, StoreError, StoreFull
from kiosk.i18n import translator
from kiosk.store import printer_state, records, sync_ops
from kiosk.store.db import Store, connect
from kiosk.sync import wire

MARK_NAME = "Zulkarnaen Purgetest Wiratama"
MARK_NIK = "5271011507907357"

COMPLAINT = {
    "class": "pengaduan",
    "topic": "pungli",
    "agency_id": "bappenda",
    "service_id": "bappenda-pkb-tahunan",
    "description": f"Petugas loket meminta uang. Saya {MARK_NAME}, NIK {MARK_NIK}, mohon ditindaklanjuti.",
    "privacy": "biasa",
    "identity": {"name": MARK_NAME, "nik": MARK_NIK, "phone": "0812-3456-7890"},
    "consent_version": "pdp-2026-11",
}


def make_kiosk(tmp_path: Path, backend: str = "pdf") -> Kiosk:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "\n".join(["[kiosk]", 'id = "test-kiosk"', 'name = "Kiosk Uji"', f'data_dir = "{tmp_path / "data"}"',
                   "[office]", 'name = "Kantor Uji"', "[printer]", f"backend = {json.dumps(backend)}"]) + "\n",
        encoding="utf-8",
    )
    kiosk = Kiosk.open(load_config(cfg))
    kiosk.load_catalog()
    return kiosk


@pytest.fixture
def kiosk(tmp_path):
    k = make_kiosk(tmp_path)
    yield k
    k.close()


def cap_file_at_current_size(db) -> None:
    """From now on the database file cannot grow: the disk is full."""
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count={pages}")


def fill_print_log(db) -> int:
    """Old print jobs fill the last free space of the file (the next job's row needs a new page)."""
    n = 0
    while True:
        try:
            printer_state.record_job(db, at="2026-12-01T00:00:00+00:00", kind="form", ref=f"old {n}", backend="pdf",
                                     queue=None, job_id=None, printed=False, state="ok", detail="x" * 500,
                                     length_mm=0.0)
        except (StoreError, Exception) as exc:  # noqa: BLE001 - main raises sqlite3's own error here
            assert "full" in str(exc)
            return n
        n += 1


def complaint_count(db) -> int:
    return db.execute("SELECT count(*) FROM complaints").fetchone()[0]


# --- item 2: a full disk after the complaint is stored ----------------------------------------------


def test_full_disk_while_logging_the_receipt_is_not_an_error(kiosk):
    """The complaint is stored, then the print-job log cannot be written: the receipt call still answers
    (on main a raw sqlite3.OperationalError escaped, and the screen said "try again")."""
    db = kiosk.store.db
    cap_file_at_current_size(db)
    fill_print_log(db)
    filed = kiosk.file_complaint(COMPLAINT)  # fits in pages the file already has
    outcome = kiosk.print_receipt(filed.tracking_code)
    assert outcome.reference == filed.tracking_code and outcome.pdf_path  # the paper came out all the same
    assert complaint_count(db) == 1


def test_send_shows_the_code_whatever_fails_after_storing(kiosk, monkeypatch):
    """Send = file + receipt. After the store, a broken receipt (here: rendering raises, on a full disk)
    becomes "could not print" beside the code, never an error that hides it."""
    db = kiosk.store.db
    cap_file_at_current_size(db)
    fill_print_log(db)

    def broken(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(actions, "render_receipt", broken)  # the PDF's temporary file cannot be written
    key = str(uuidlib.uuid4())
    filed, outcome = kiosk.file_complaint_and_print(COMPLAINT, "id", uuid=key)
    assert not outcome.printed and outcome.message_id == actions.MSG_RECEIPT_NOT_PRINTED
    assert kiosk.track(filed.tracking_code).tracking_code == filed.tracking_code
    # The citizen presses Send again anyway: the same complaint and code, nothing new stored.
    again, _ = kiosk.file_complaint_and_print(COMPLAINT, "id", uuid=key)
    assert again.tracking_code == filed.tracking_code and again.uuid == filed.uuid == key
    assert complaint_count(db) == 1


def test_one_key_files_once(kiosk):
    key = str(uuidlib.uuid4())
    first = kiosk.file_complaint(COMPLAINT, uuid=key)
    second = kiosk.file_complaint(COMPLAINT, uuid=key.upper())  # the same UUID in another spelling
    assert (second.uuid, second.tracking_code, second.created_at) == (first.uuid, first.tracking_code, first.created_at)
    other = kiosk.file_complaint(COMPLAINT, uuid=str(uuidlib.uuid4()))
    assert other.tracking_code != first.tracking_code
    assert complaint_count(kiosk.store.db) == 2
    assert kiosk.store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2


def test_full_disk_before_storing_is_a_store_full_error_in_words(kiosk):
    """Nothing stored: the error is the project's StoreFull with a message in Indonesian and English;
    no half-written complaint; once space is freed the same Send stores it once."""
    db = kiosk.store.db
    cap_file_at_current_size(db)
    key = str(uuidlib.uuid4())
    with pytest.raises(StoreFull) as caught:
        for _ in range(10_000):  # earlier complaints fill the disk; one of them finds it full
            kiosk.file_complaint(COMPLAINT, uuid=key)
            key = str(uuidlib.uuid4())
    exc = caught.value
    assert isinstance(exc, StoreError) and not isinstance(exc.__cause__, StoreError)
    ind, eng = translator("id")(exc.message), translator("en")(exc.message)
    assert "penuh" in ind and "full" in eng and ind != eng
    assert "sqlite" not in ind.lower() and "sqlite" not in eng.lower()
    stored = complaint_count(db)
    counts = db.execute(
        "SELECT (SELECT count(*) FROM complaint_events), (SELECT count(*) FROM outbox), "
        "(SELECT count(*) FROM complaints WHERE uuid = ?)", [key]
    ).fetchone()
    assert counts == (stored, stored, 0)
    db.execute("PRAGMA max_page_count=1000000")  # staff freed space
    again = kiosk.file_complaint(COMPLAINT, uuid=key)
    assert kiosk.file_complaint(COMPLAINT, uuid=key).tracking_code == again.tracking_code
    assert complaint_count(db) == stored + 1


def test_store_errors_are_never_raw_sqlite(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    try:
        with pytest.raises(StoreError):
            store.db.execute("SELECT * FROM no_such_table")
        with pytest.raises(StoreError), store.transaction() as db:
            db.conn.execute("INSERT INTO no_such_table VALUES (1)")
    finally:
        store.close()
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 300)
    with pytest.raises(StoreError):
        Store(tmp_path / "junk.db")


# --- item 4: two writers at once ----------------------------------------------------------------------


def _fill_outbox(store: Store, n: int) -> None:
    at = "2026-12-01T00:00:00+00:00"
    for i in range(n):
        records.insert_rating(store.db, uuid=f"r-{i}", created_at=at, kind="quick", service_id=None,
                              agency_id=None, scores=None, face=3, doc={"face": 3})


def test_claiming_and_filing_at_once_never_says_locked(tmp_path):
    """The sync worker claims (read, then write) while the screen files ratings on another connection.
    With deferred transactions the claim's write fails at once with "database is locked" whenever a
    filing committed after its read; immediate transactions wait their turn."""
    store = Store(tmp_path / "kiosk.db")
    _fill_outbox(store, 50)
    errors: list[BaseException] = []
    stop = threading.Event()

    def claimer() -> None:
        now = datetime(2027, 1, 1, tzinfo=UTC)
        try:
            while not stop.is_set():
                items = sync_ops.claim_due(store.db, limit=5, now=now, lease_s=0)
                sync_ops.record_failure(store.db, items, "x", retry_at=now - timedelta(seconds=1))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def filer(k: int) -> None:
        try:
            for i in range(150):
                records.insert_rating(store.db, uuid=f"f{k}-{i}", created_at="2026-12-01T00:00:00+00:00",
                                      kind="quick", service_id=None, agency_id=None, scores=None, face=4,
                                      doc={"face": 4})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    claimers = [threading.Thread(target=claimer) for _ in range(2)]
    filers = [threading.Thread(target=filer, args=(k,)) for k in range(2)]
    for t in claimers + filers:
        t.start()
    for t in filers:
        t.join(60)
    stop.set()
    for t in claimers:
        t.join(60)
    store.close()
    assert not errors, errors[:3]


def test_every_connection_has_a_busy_timeout_and_secure_delete(tmp_path):
    db = connect(tmp_path / "kiosk.db")
    try:
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        db.close()


def test_a_write_held_too_long_is_store_busy(tmp_path, monkeypatch):
    from kiosk.store import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_S", 0.2)
    store = Store(tmp_path / "kiosk.db")
    other = connect(tmp_path / "kiosk.db")
    try:
        other.conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusy), store.transaction() as db:
            db.execute("INSERT INTO sync_state (key, value) VALUES ('k', 'v')")
    finally:
        other.conn.execute("ROLLBACK")
        other.close()
        store.close()


# --- item 9: nothing personal left after the purge --------------------------------------------------------


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (Path(f"{path}{s}") for s in ("", "-wal", "-journal")) if p.exists()}


def test_purged_name_and_nik_are_in_no_file_while_another_connection_holds_it(kiosk):
    path = kiosk.store.path
    watcher = connect(path)  # the UI's connection, say: the log cannot be removed at close while it is open
    try:
        filed = kiosk.file_complaint(COMPLAINT)
        for i in range(5):  # and some that stay unsent, written after it
            kiosk.add_quick_rating({"face": 1 + i % 4})
        assert any(MARK_NIK.encode() in data for data in _files(path).values())  # the test can see it
        db = kiosk.store.db
        items = sync_ops.claim_due(db, limit=100)
        results = {i.record_uuid: {"status": wire.STORED} for i in items}
        sync_ops.record_results(db, items, results, retry_at=datetime.now(UTC))
        assert records.complaint_by_code(db, filed.tracking_code.replace("-", "")).purged_at
        assert watcher.execute("SELECT count(*) FROM complaints").fetchone()[0] == 1
        found = {name: [m for m in (MARK_NAME, MARK_NIK) if m.encode() in data or m.encode("utf-16-le") in data]
                 for name, data in _files(path).items()}
        assert not any(found.values()), found
    finally:
        watcher.close()


def test_a_reader_in_the_way_delays_the_scrub_to_the_next_commit(kiosk, monkeypatch):
    from kiosk.store import db as dbmod

    monkeypatch.setattr(dbmod, "CHECKPOINT_WAIT_S", 0.1)
    path = kiosk.store.path
    kiosk.file_complaint(COMPLAINT)
    reader = connect(path)
    try:
        reader.conn.execute("BEGIN")
        reader.execute("SELECT count(*) FROM complaints").fetchone()  # a read snapshot held open
        db = kiosk.store.db
        items = sync_ops.claim_due(db, limit=100)
        sync_ops.record_results(db, items, {i.record_uuid: {"status": wire.STORED} for i in items},
                                retry_at=datetime.now(UTC))
        assert any(MARK_NIK.encode() in data for data in _files(path).values())  # the log could not go yet
        reader.conn.execute("COMMIT")
        kiosk.add_quick_rating({"face": 2})  # the next write's commit finishes the job
        assert not any(MARK_NIK.encode() in data for data in _files(path).values())
    finally:
        reader.close()


# --- item 13: file modes --------------------------------------------------------------------------------


def test_database_files_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        kiosk = make_kiosk(tmp_path)
        try:
            kiosk.file_complaint(COMPLAINT)
            path = kiosk.store.path
            made = [Path(f"{path}{s}") for s in ("", "-wal", "-shm") if Path(f"{path}{s}").exists()]
            assert len(made) == 3
            modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in made}
            assert set(modes.values()) == {"0o600"}, modes
        finally:
            kiosk.close()
    finally:
        os.umask(old)


def test_an_old_world_readable_database_is_narrowed(tmp_path):
    path = tmp_path / "kiosk.db"
    Store(path).close()
    os.chmod(path, 0o644)
    store = Store(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        store.close()


def test_central_sqlite_file_is_private(tmp_path):
    from kiosk.central.db import make_engine, upgrade
    from kiosk.central.settings import Settings

    old = os.umask(0o022)
    try:
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}"))
        try:
            upgrade(engine)
            with engine.connect() as conn:  # WAL open: -wal and -shm exist now
                conn.exec_driver_sql("SELECT count(*) FROM complaints").fetchall()
                made = [p for p in tmp_path.iterdir() if p.name.startswith("central.db")]
                modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in made}
        finally:
            engine.dispose()
    finally:
        os.umask(old)
    assert "central.db-wal" in modes and set(modes.values()) == {"0o600"}, modes
