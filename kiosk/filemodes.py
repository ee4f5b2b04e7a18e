"""Database files readable by their owner only (0600), from the moment they exist.

A kiosk's database holds citizens' names and NIKs until they are sent, and the central server's SQLite
file holds every complaint. The file is created here with mode 0600 before SQLite writes a byte (the
umask can only take bits away), and SQLite gives the ``-wal``, ``-shm`` and ``-journal`` files it makes
later the mode of the database file. Files made by an older version are narrowed on the next open.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

COMPANIONS = ("", "-wal", "-shm", "-journal")


def create_private(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600, and narrow it and its SQLite companions if wider."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    for suffix in COMPANIONS:
        f = Path(f"{path}{suffix}")
        try:
            mode = stat.S_IMODE(f.stat().st_mode)
            if mode & 0o077:
                os.chmod(f, mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:  # another owner's file: SQLite will say whether it can use it
            log.warning("cannot narrow the mode of %s: %s", f, exc)
