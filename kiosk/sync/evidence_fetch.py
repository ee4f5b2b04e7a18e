"""After each catalog pull, the sync worker fetches the compliance photos the catalog names and the
kiosk lacks, and drops those it no longer names (issue 15; docs/compliance-evidence.md, "On the kiosk").

Runs on the worker's thread, never the UI's. A download reads at most the size the catalog states plus
one byte, and is kept only if it hashes to its name (kiosk/store/evidence_files.py). A failure is logged
and leaves the rest of the sync alone: the photos are tried again at the next pull, and the compliance
screen shows the text meanwhile.
"""

from __future__ import annotations

import logging
from pathlib import Path

import requests

from ..store import catalog as catalog_store
from ..store import evidence_files
from .client import Client

log = logging.getLogger("kiosk.sync")

EVIDENCE_PATH = "/api/v1/evidence/"
CHUNK = 64 * 1024


def refresh(client: Client, data_dir: Path, db) -> tuple[int, int]:
    """(photos fetched, photos that failed); never raises for a photo."""
    try:
        wanted = evidence_files.wanted(catalog_store.list_agencies(db))
        have = evidence_files.present(data_dir)
        evidence_files.prune(data_dir, {a.sha256 for a in wanted})
    except Exception:  # photos are an extra: never stop the sync for them
        log.exception("compliance photos: the catalog or the photo directory cannot be read")
        return 0, 0
    fetched = failed = 0
    for attachment in wanted:
        if attachment.sha256 in have:
            continue
        data = _download(client, attachment.sha256, attachment.size)
        try:
            ok = data is not None and evidence_files.install(data_dir, attachment, data)
        except OSError as exc:
            log.error("compliance photo %s not kept: %s", attachment.sha256[:12], exc)
            ok = False
        if ok:
            fetched += 1
        else:
            failed += 1
            if data is not None:
                log.error("compliance photo %s refused: its size or digest is not the catalog's", attachment.sha256[:12])
    if fetched or failed:
        log.info("compliance photos: %d fetched, %d failed", fetched, failed)
    return fetched, failed


def _download(client: Client, sha256: str, size: int) -> bytes | None:
    if not client.token:
        return None
    try:
        with client.session.get(client.base_url + EVIDENCE_PATH + sha256, stream=True, timeout=client.timeout,
                                headers={"Authorization": f"Bearer {client.token}", "Accept": "*/*"},
                                allow_redirects=False) as resp:
            if resp.status_code != 200:
                log.warning("compliance photo %s: the server answered HTTP %d", sha256[:12], resp.status_code)
                return None
            chunks, got = [], 0
            for chunk in resp.iter_content(CHUNK):
                got += len(chunk)
                if got > size:  # longer than the catalog says: stop reading, keep nothing
                    log.error("compliance photo %s is larger than the catalog says", sha256[:12])
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as exc:
        log.warning("compliance photo %s not fetched: %s", sha256[:12], type(exc).__name__)
        return None
