"""Evidence files on the server's disk: what an upload may be, how it is cleaned, where it is kept.

The rules (docs/compliance-evidence.md, "Uploads"): the type is decided by the content (magic bytes,
then Pillow opening the image), never by the file's name or the browser's Content-Type; photos are
decoded and encoded again, which drops EXIF (a phone's GPS position, its owner's name) and anything
hidden after the image data; a PDF must start with ``%PDF-`` and is kept as sent (it is only ever served
as a download). A file is named by the sha256 of the bytes kept, written to a temporary file, synced
and renamed, so a reader never sees half a file and a full disk leaves nothing behind.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..domain.catalog import ATTACHMENT_MAX_BYTES
from .complaints import ActionRefused
from .settings import Settings

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
# Pixels Pillow may decode from one upload (a 3 MB PNG can claim 50,000 x 50,000 pixels: a bomb).
MAX_PIXELS = 40_000_000
# Photos are kept at most this many pixels on their long side: enough for a kiosk screen and a zoom.
MAX_SIDE = 2400
JPEG_QUALITY = 85

MSG_TOO_LARGE = "The file is larger than {limit} MB. Take a smaller photo or scan, or shrink it first."
MSG_EMPTY = "The file is empty."
MSG_BAD_TYPE = "Only a photo (JPEG, PNG or WebP) or a PDF document can be uploaded. This file is neither."
MSG_BROKEN_IMAGE = "The photo cannot be read: it is damaged or not really a JPEG, PNG or WebP image."
MSG_TOO_MANY_PIXELS = "The photo has too many pixels (at most {limit} million)."
MSG_DISK_FULL = "The server's disk is full: the file was not saved. Tell the administrator."
MSG_NOT_STORED = "The file could not be saved on the server. Try again, or tell the administrator."


class UploadRefused(ActionRefused):
    """An upload that is not kept: wrong type, too large, damaged, or the disk said no."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    type: str  # JPEG, PNG or PDF: what is kept, whatever came in (WebP is kept as JPEG)
    size: int


def directory(settings: Settings) -> Path:
    """Where the files live: the setting, else next to the SQLite file, else ``var/evidence``."""
    if settings.evidence_dir:
        return Path(settings.evidence_dir)
    if settings.is_sqlite:
        return Path(settings.database_url.removeprefix("sqlite:///")).resolve().parent / "evidence"
    return Path("var/evidence").resolve()


def sniff(head: bytes) -> str | None:
    """The kind of file the first bytes say it is: "jpeg", "png", "webp", "pdf", or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def clean(data: bytes, *, max_bytes: int) -> tuple[bytes, str]:
    """(the bytes to keep, their type), or UploadRefused saying why not."""
    if not data:
        raise UploadRefused(MSG_EMPTY, field="file")
    if len(data) > max_bytes:
        raise UploadRefused(MSG_TOO_LARGE, field="file", limit=mb(max_bytes))
    kind = sniff(data[:16])
    if kind is None:
        raise UploadRefused(MSG_BAD_TYPE, field="file")
    if kind == "pdf":
        return data, PDF
    return _reencode(data, kind), (PNG if kind == "png" else JPEG)


def _reencode(data: bytes, kind: str) -> bytes:
    # Pillow comes with Kivy; imported when a photo arrives.
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data), formats=[kind.upper()]) as img:
            if img.width * img.height > MAX_PIXELS:
                raise UploadRefused(MSG_TOO_MANY_PIXELS, field="file", limit=MAX_PIXELS // 1_000_000)
            img.load()
            # The camera's orientation tag goes with the rest of EXIF: apply it to the pixels first.
            img = ImageOps.exif_transpose(img)
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            if kind == "png":
                keep = img if img.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else img.convert("RGBA")
                keep.info = {}  # no text chunks, no EXIF, no ICC profile carried over
                keep.save(out, format="PNG", optimize=True)
            else:
                keep = img.convert("RGB")
                keep.info = {}
                keep.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError):
        raise UploadRefused(MSG_BROKEN_IMAGE, field="file") from None
    result = out.getvalue()
    if len(result) > ATTACHMENT_MAX_BYTES:  # a noisy PNG can grow; the kiosk's bound is the limit
        raise UploadRefused(MSG_TOO_LARGE, field="file", limit=mb(ATTACHMENT_MAX_BYTES))
    return result


def store(root: Path, data: bytes, kind: str) -> StoredFile:
    """Write ``data`` as ``root/<sha256>`` (temp file, fsync, rename); the same bytes twice are one file."""
    digest = hashlib.sha256(data).hexdigest()
    target = root / digest
    if target.is_file() and target.stat().st_size == len(data):
        return StoredFile(digest, kind, len(data))
    tmp_name = None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=root)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        _sync_dir(root)
    except OSError as exc:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadRefused(MSG_DISK_FULL, field="file") from exc
        raise UploadRefused(MSG_NOT_STORED, field="file") from exc
    return StoredFile(digest, kind, len(data))


def path_of(root: Path, sha256: str) -> Path | None:
    """The file for a digest if it is there (the digest is checked as hex: no path tricks)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    path = root / sha256
    return path if path.is_file() else None


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mb(n: int) -> str:
    """Bytes as megabytes for messages (3145728 -> "3")."""
    return f"{n / 1024 / 1024:g}"
