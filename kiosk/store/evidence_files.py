"""The compliance photos a kiosk keeps (issue 15): files in ``<data_dir>/evidence`` named by their sha256.

The catalog names each public, approved photo (``attachment``: sha256, type, size); the sync worker
fetches the ones missing (kiosk/sync/evidence_fetch.py) and this module checks and keeps them: the bytes
must hash to the name and be no larger than the catalog says, the write is a temporary file, fsync and
rename, and the total kept is bounded. A file the catalog no longer names is removed. The compliance
screen only ever asks :func:`path_for`. Rules: docs/compliance-evidence.md, "On the kiosk".
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..domain.catalog import Agency, Attachment

DIR_NAME = "evidence"
# All photos together; what would go past it is not fetched (the screen then shows the text only).
MAX_TOTAL_BYTES = 64 * 1024 * 1024


def directory(data_dir: Path | str) -> Path:
    return Path(data_dir) / DIR_NAME


def _is_digest(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def path_for(data_dir: Path | str, sha256: str) -> Path | None:
    """The photo with this digest, when the kiosk has it (never a path outside the directory)."""
    if not _is_digest(sha256):
        return None
    path = directory(data_dir) / sha256
    return path if path.is_file() else None


def wanted(agencies: Iterable[Agency], *, max_total: int = MAX_TOTAL_BYTES) -> list[Attachment]:
    """The photos the catalog names, in catalog order, as many as fit in ``max_total`` together (PDFs
    are not shown on the kiosk and are never fetched)."""
    out: list[Attachment] = []
    seen: set[str] = set()
    total = 0
    for agency in agencies:
        for item in agency.compliance:
            a = item.attachment
            if a is None or not a.is_image or a.sha256 in seen or total + a.size > max_total:
                continue
            seen.add(a.sha256)
            total += a.size
            out.append(a)
    return out


def present(data_dir: Path | str) -> set[str]:
    root = directory(data_dir)
    try:
        return {p.name for p in root.iterdir() if _is_digest(p.name) and p.is_file()}
    except FileNotFoundError:
        return set()


def install(data_dir: Path | str, attachment: Attachment, data: bytes) -> bool:
    """Keep ``data`` as the file for ``attachment`` if it is exactly that file; False (and nothing kept)
    when the size or the digest differ."""
    if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
        return False
    root = directory(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, root / attachment.sha256)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def prune(data_dir: Path | str, keep: set[str]) -> int:
    """Remove the photos (and any temporary file left by a crash) not in ``keep``; how many went."""
    root = directory(data_dir)
    removed = 0
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return 0
    for p in entries:
        if p.is_file() and (p.name.startswith(".fetch-") or (_is_digest(p.name) and p.name not in keep)):
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
    return removed
