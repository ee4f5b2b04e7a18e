"""The catalog in SQLite: replaced atomically as a whole, read by id, searched with FTS5 and, when that
finds nothing, with a typo-tolerant index kept in memory per catalog."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from ..domain.catalog import Agency, Service, parse_agency, parse_catalog, parse_service
from ..domain.fuzzy import FuzzyIndex

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    service_id: str
    name: str
    name_en: str
    agency_id: str
    agency_short: str
    agency_name: str
    # Found by the typo-tolerant fallback, not as typed: the screen says "did you mean".
    close: bool = False


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    version: str
    demo: bool
    province: str
    notice: str
    agencies: int
    services: int


def replace_catalog(db: Database, raw: dict[str, Any], *, cursor: str | None = None) -> CatalogInfo:
    """Validate ``raw`` and make it the kiosk's catalog in one transaction (with the sync cursor, when
    given): readers see the old catalog or the new one, never half of each."""
    catalog = parse_catalog(raw)  # raises ValidationError before anything is touched
    agencies_raw = {a["id"]: a for a in raw["agencies"]}
    agency_names = {a.id: a for a in catalog.agencies}
    with db.atomic():
        db.execute("DELETE FROM services_fts")
        db.execute("DELETE FROM services")
        db.execute("DELETE FROM agencies")
        db.conn.executemany(
            "INSERT INTO agencies (id, name, name_en, short_name, doc) VALUES (?, ?, ?, ?, ?)",
            [
                (a.id, a.name, a.name_en, a.short_name, json.dumps(agencies_raw[a.id], ensure_ascii=False))
                for a in catalog.agencies
            ],
        )
        db.conn.executemany(
            "INSERT INTO services (id, agency_id, name, name_en, form_id, doc) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (s.id, s.agency_id, s.name, s.name_en, s.form_id, json.dumps(r, ensure_ascii=False))
                for s, r in zip(catalog.services, raw["services"], strict=True)
            ],
        )
        fts_rows = [
            (
                s.id,
                s.name,
                s.name_en,
                " ".join(s.keywords),
                f"{agency_names[s.agency_id].short_name} {agency_names[s.agency_id].name}",
            )
            for s in catalog.services
        ]
        db.conn.executemany(
            "INSERT INTO services_fts (service_id, name, name_en, keywords, agency) VALUES (?, ?, ?, ?, ?)",
            fts_rows,
        )
        meta = {
            "version": catalog.version,
            "demo": json.dumps(catalog.demo),
            "province": catalog.province,
            "notice": catalog.notice,
            # Names the searched text, so that the in-memory fuzzy index is rebuilt exactly when it changes
            # (a catalog of the same version with other words, a second store in the same process).
            SEARCH_KEY: hashlib.sha256(json.dumps(fts_rows, ensure_ascii=False).encode()).hexdigest()[:32],
        }
        if cursor is not None:
            meta["cursor"] = cursor
        db.conn.executemany(
            "INSERT OR REPLACE INTO catalog_meta (key, value) VALUES (?, ?)", list(meta.items())
        )
    return catalog_info(db)


def catalog_info(db: Database) -> CatalogInfo:
    meta = {row["key"]: row["value"] for row in db.query("SELECT key, value FROM catalog_meta")}
    (agencies,) = db.execute("SELECT count(*) FROM agencies").fetchone()
    (services,) = db.execute("SELECT count(*) FROM services").fetchone()
    return CatalogInfo(
        version=meta.get("version", ""),
        demo=json.loads(meta.get("demo", "false")),
        province=meta.get("province", ""),
        notice=meta.get("notice", ""),
        agencies=agencies,
        services=services,
    )


def _meta(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM catalog_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def catalog_cursor(db: Database) -> str | None:
    return _meta(db, "cursor")


def catalog_version(db: Database) -> str:
    """The catalog's version alone, in one plain read: unlike catalog_info() it opens no savepoint,
    which a damaged page would leave open (and every later write with it)."""
    return _meta(db, "version") or ""


HOLIDAYS_KEY = "holidays"


def store_holidays(db: Database, days: list[date] | tuple[date, ...]) -> bool:
    """Keep the server's list of non-working days (sent with every catalog answer); True if it changed.

    Kept apart from the catalog's own rows: the list changes with decrees and the turn of the year, not
    with catalog versions, and ``replace_catalog`` leaves it alone.
    """
    text = json.dumps(sorted({d.isoformat() for d in days}))
    if _meta(db, HOLIDAYS_KEY) == text:
        return False
    with db.atomic():
        db.execute("INSERT OR REPLACE INTO catalog_meta (key, value) VALUES (?, ?)", [HOLIDAYS_KEY, text])
    return True


def stored_holidays(db: Database) -> frozenset[date]:
    """The server's non-working days as last pulled; empty before the first pull (or from an old server)."""
    text = _meta(db, HOLIDAYS_KEY)
    return _holidays_from_text(text) if text is not None else frozenset()


@functools.lru_cache(maxsize=4)
def _holidays_from_text(text: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(d) for d in json.loads(text))


def get_agency(db: Database, agency_id: str) -> Agency | None:
    row = db.execute("SELECT doc FROM agencies WHERE id = ?", [agency_id]).fetchone()
    return parse_agency(json.loads(row[0]), agency_id) if row else None


def list_agencies(db: Database) -> list[Agency]:
    rows = db.execute("SELECT id, doc FROM agencies ORDER BY name COLLATE NOCASE").fetchall()
    return [parse_agency(json.loads(doc), aid) for aid, doc in rows]


def get_service(db: Database, service_id: str) -> Service | None:
    row = db.execute("SELECT doc FROM services WHERE id = ?", [service_id]).fetchone()
    return _service(row[0], service_id) if row else None


def service_ikm_snapshot(db: Database, service_id: str) -> tuple[int, dict[str, int], str] | None:
    """The server's IKM sums over all kiosks for a service, as pulled with the catalog:
    (respondents, sums by element code, as_of), or None when the catalog carries none."""
    row = db.execute("SELECT json_extract(doc, '$.ikm') FROM services WHERE id = ?", [service_id]).fetchone()
    if not row or not row[0]:
        return None
    snap = json.loads(row[0])
    try:
        return int(snap["respondents"]), {k: int(v) for k, v in snap["sums"].items()}, str(snap["as_of"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a malformed aggregate must not hide the service; show local answers only


def list_services(db: Database, agency_id: str) -> list[Service]:
    rows = db.execute(
        "SELECT id, doc FROM services WHERE agency_id = ? ORDER BY name COLLATE NOCASE", [agency_id]
    ).fetchall()
    return [_service(doc, sid) for sid, doc in rows]


def _service(doc: str, where: str) -> Service:
    raw = json.loads(doc)
    # The agency was checked when the catalog was stored; re-checking it per read would cost a query.
    return parse_service(raw, where, {raw["agency_id"]})


def fts_query(text: str) -> str | None:
    """Turn what a citizen typed into an FTS5 query: every word must match as a prefix.

    Words are quoted so that FTS5 syntax characters typed on the keyboard (``"``, ``*``, ``-``, ``:``)
    are plain text, never a query error.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _TOKEN.findall(folded)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words[:12])


def search_services(db: Database, text: str, *, limit: int = 30) -> list[SearchHit]:
    """Services matching every typed word as a prefix, best first; when none does, the close matches of
    the typo-tolerant index (each marked ``close``), so "pajek" still finds the vehicle tax."""
    query = fts_query(text)
    if query is None:
        return []
    if len(query) <= len('"ab"*'):
        # One or two letters: every service whose name (either language) has a word starting so, by
        # name. bm25 over the ~1,000 rows "p" matches in any field cost 4-8 ms a keystroke and ranked
        # noise; the names in order are what a citizen can scan. Only in keywords or the office: below.
        rows = db.execute(
            """
            SELECT s.id, s.name, s.name_en, a.id, a.short_name, a.name
            FROM (
                SELECT service_id, name FROM services_fts WHERE services_fts MATCH ? ORDER BY name LIMIT ?
            ) f
            JOIN services s ON s.id = f.service_id
            JOIN agencies a ON a.id = s.agency_id
            ORDER BY f.name
            """,
            ["{name name_en} : " + query, limit],
        ).fetchall()
        if rows:
            return [SearchHit(*row) for row in rows]
    # bm25 weights: the name counts most, then the English name, then keywords, then the agency.
    # Ranked and cut inside the FTS table first, joined after: a one-letter prefix matches nearly every
    # service, and joining them all before the cut took 3x as long (15 ms for "p" over 1,500 services).
    rows = db.execute(
        """
        SELECT s.id, s.name, s.name_en, a.id, a.short_name, a.name
        FROM (
            SELECT service_id, name, bm25(services_fts, 0.0, 10.0, 5.0, 3.0, 1.0) AS score
            FROM services_fts
            WHERE services_fts MATCH ?
            ORDER BY score, name
            LIMIT ?
        ) f
        JOIN services s ON s.id = f.service_id
        JOIN agencies a ON a.id = s.agency_id
        ORDER BY f.score, f.name
        """,
        [query, limit],
    ).fetchall()
    if rows:
        return [SearchHit(*row) for row in rows]
    index, hits = _fuzzy(db)
    return [hits[m.index] for m in index.search(text, limit)]


SEARCH_KEY = "search_key"
# Field weights for the fuzzy index, in the exact search's bm25 order: the Indonesian name counts most,
# then the keywords (citizens' own words, mostly Indonesian), the English name, then the office.
_FUZZY_WEIGHTS = (1.0, 0.85, 0.8, 0.5)
_fuzzy_lock = threading.Lock()
_fuzzy_cache: dict[str, tuple[FuzzyIndex, list[SearchHit]]] = {}


def prepare_search(db: Database) -> None:
    """Build the fuzzy index ahead of the first typo (the search screen asks as it opens)."""
    _fuzzy(db)


def _fuzzy(db: Database) -> tuple[FuzzyIndex, list[SearchHit]]:
    """The fuzzy index of the stored catalog, built on the first miss after a catalog change (about 0.1 s
    for 1,500 services) and shared by every connection to a catalog with the same words."""
    key = _meta(db, SEARCH_KEY) or f"{catalog_version(db)}/{db.execute('SELECT count(*) FROM services').fetchone()[0]}"
    with _fuzzy_lock:
        found = _fuzzy_cache.get(key)
        if found is not None:
            return found
        rows = db.execute(
            """
            SELECT s.id, s.name, s.name_en, a.id, a.short_name, a.name, f.keywords, f.agency
            FROM services s
            JOIN services_fts f ON f.service_id = s.id
            JOIN agencies a ON a.id = s.agency_id
            ORDER BY s.name COLLATE NOCASE, s.id
            """
        ).fetchall()
        name_w, keyword_w, english_w, agency_w = _FUZZY_WEIGHTS
        index = FuzzyIndex(
            [
                ((name, name_w), (keywords, keyword_w), (name_en, english_w), (agency, agency_w))
                for _sid, name, name_en, _aid, _short, _aname, keywords, agency in rows
            ]
        )
        hits = [SearchHit(*row[:6], close=True) for row in rows]
        _fuzzy_cache.clear()  # one catalog at a time is the kiosk's case; tests switch often
        _fuzzy_cache[key] = (index, hits)
        return index, hits
