"""One sync worker per kiosk database, whatever starts it: an OS lock on a file next to the database.

In production two things can start a worker: ``iplik-sync.service`` (``kiosk sync --watch``) and the
touchscreen app (so that ``make demo`` and a windowed run without the service still send). Two workers
on one database would both send, both write the saved status and double the requests. Whichever worker
takes ``<database>.sync-lock`` first (``flock``, exclusive, non-blocking) sends; any other stands by,
shows the owner's saved status, and takes over when the owner's process ends (the kernel drops the lock
with the process, even on SIGKILL, so a crashed owner never leaves a stale lock behind).
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

log = logging.getLogger("kiosk.sync")


def lock_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".sync-lock")


class OwnerLock:
    """The exclusive right to sync one database, held by an open file (per open file, so two workers
    in one process exclude each other too)."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None
        self.unlockable = False

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if free; True when this object holds it (now or already)."""
        if self._fd is not None or self.unlockable:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            # No lock file possible (a read-only folder, a full disk): sending matters more than
            # exclusivity, and the outbox leases still keep two workers off the same rows.
            log.exception("cannot create %s; syncing without the single-worker lock", self.path)
            self.unlockable = True
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        # The owner's pid, for a person reading the file; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing drops the flock
