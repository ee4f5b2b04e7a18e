"""Crash harness: file complaints in a forked kiosk process and SIGKILL it at random moments.

Run by ``tests/test_crash_filing.py`` (and by hand for the long form)::

    python tests/crash/filer.py CONFIG LOG --kills 200 --seed 1

This process imports the kiosk once and never opens the database itself. For each round it forks a
child (a real kiosk process: its own SQLite connections, opened after the fork) that files complaints
one after the other, the way the Send button does (``file_complaint_and_print``, one fresh key per
complaint; every other child files without the receipt, so more kills land in a write), and writes to LOG, flushed before it goes on:

    key <uuid>           the wizard's key, before Send
    code <uuid> <code>   the code the screen showed for it

After a random delay the child gets SIGKILL. The next child first sends the last key that has no code
again (the citizen pressing Send once more), then goes on with new ones. A last child ends cleanly once
the pending key is answered. The database is checked by the test, not here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path

RAW = {
    "class": "pengaduan",
    "topic": "lambat",
    "description": "Antrean sangat lama, tiga jam menunggu tanpa kejelasan dari petugas loket.",
    "privacy": "anonim",
    "consent_version": "pdp-2026-11",
}


def pending_key(log: Path) -> str | None:
    """The last key sent without a code shown (the child died in between)."""
    keys, answered = [], set()
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "key":
                keys.append(parts[1])
            elif len(parts) == 3 and parts[0] == "code":
                answered.add(parts[1])
    return keys[-1] if keys and keys[-1] not in answered else None


def warm_up(config: Path) -> None:
    """Load what the first receipt loads (fonts, PDF code) on a throw-away database, so the children
    spend their short lives filing rather than importing."""
    import tempfile

    from kiosk.actions import Kiosk
    from kiosk.config import load_config
    from kiosk.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Kiosk(load_config(config), Store(Path(tmp) / "warm.db"))
        kiosk.file_complaint_and_print(RAW, "id")
        kiosk.close()


def child(config: Path, log: Path, retry: str | None, limit: int | None, with_receipt: bool) -> None:
    from kiosk.actions import Kiosk
    from kiosk.config import load_config

    kiosk = Kiosk.open(load_config(config))
    with log.open("a", encoding="utf-8") as out:
        n = 0
        key = retry
        while limit is None or n < limit:
            if key is None:
                key = str(uuid.uuid4())
                out.write(f"key {key}\n")
                out.flush()
            if with_receipt:  # the Send button: file, then the receipt (its job log is a write too)
                filed, _outcome = kiosk.file_complaint_and_print(RAW, "id", uuid=key)
            else:  # filing alone, many per second: most kills land in a write
                filed = kiosk.file_complaint(RAW, uuid=key)
            out.write(f"code {key} {filed.tracking_code}\n")
            out.flush()
            key = None
            n += 1
    kiosk.close()


def _db_path(config: Path) -> Path:
    from kiosk.config import load_config

    return load_config(config).db_path


def _stored(db_path: Path, key: str) -> bool:
    """Whether a killed child had stored this key before it could show the code (the moment that
    matters most). Read-only, and closed before the next fork."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT 1 FROM complaints WHERE uuid = ?", [key]).fetchone() is not None
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("config", type=Path)
    ap.add_argument("log", type=Path)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-delay", type=float, default=0.4, help="seconds; each kill comes after 0..this")
    args = ap.parse_args()
    warm_up(args.config)  # every child starts from this process, imports and fonts loaded

    rnd = random.Random(args.seed)
    killed_in_flight = retried = stored_unshown = 0
    db_path = None
    for round_no in range(args.kills + 1):
        last = round_no == args.kills
        retry = pending_key(args.log)
        retried += retry is not None
        if retry is not None:
            db_path = db_path or _db_path(args.config)
            stored_unshown += _stored(db_path, retry)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child(args.config, args.log, retry, 1 if last else None, with_receipt=round_no % 2 == 0)
            except BaseException:  # noqa: BLE001 - a child reports and dies; the parent goes on
                import traceback

                traceback.print_exc()
                code = 1
            os._exit(code)
        if last:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                print(json.dumps({"error": "the last child failed"}))
                return 1
            break
        time.sleep(rnd.uniform(0, args.max_delay))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            killed_in_flight += 1
        elif os.waitstatus_to_exitcode(status) != 0:
            print(json.dumps({"error": f"a child failed before its kill (exit {os.waitstatus_to_exitcode(status)})"}))
            return 1
    print(json.dumps({"kills": killed_in_flight, "sent_again": retried, "stored_not_shown": stored_unshown}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
