"""The paper counter, the refills and the print-job log (tables from migration m004_printer_paper).

A printed job and the paper it used are written in one transaction, so the count never drifts from
the log. The log keeps the last :data:`KEEP_JOBS` jobs; it holds no personal data (a job names a
tracking code or a form id, never what was typed into the form).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

KEEP_JOBS = 1000


@dataclass(frozen=True, slots=True)
class PaperCounter:
    """The roll's count since the last refill (``kiosk.printing.paper.estimate`` turns it into metres left)."""

    used_mm: float = 0.0
    receipts: int = 0
    receipt_mm: float = 0.0
    forms: int = 0
    roll_length_mm: float | None = None
    refilled_at: str | None = None


@dataclass(frozen=True, slots=True)
class PrintJobRow:
    id: int
    at: str
    kind: str
    ref: str | None
    backend: str
    queue: str | None
    job_id: str | None
    printed: bool
    state: str
    detail: str | None
    length_mm: float


def paper_counter(db: Database) -> PaperCounter:
    row = db.execute(
        "SELECT used_mm, receipts, receipt_mm, forms, roll_length_mm, refilled_at FROM printer_paper WHERE id = 1"
    ).fetchone()
    if row is None:
        return PaperCounter()
    return PaperCounter(
        used_mm=float(row[0]), receipts=int(row[1]), receipt_mm=float(row[2]), forms=int(row[3]),
        roll_length_mm=float(row[4]) if row[4] is not None else None, refilled_at=row[5],
    )


def record_job(
    db: Database,
    *,
    at: str,
    kind: str,
    ref: str | None,
    backend: str,
    queue: str | None,
    job_id: str | None,
    printed: bool,
    state: str,
    detail: str | None,
    length_mm: float,
) -> None:
    """Log a job; when it printed, add its length to the roll's count (receipts and forms counted apart)."""
    used = length_mm if printed else 0.0
    with db.atomic():
        db.execute(
            """
            INSERT INTO print_jobs (at, kind, ref, backend, queue, job_id, printed, state, detail, length_mm)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [at, kind, ref, backend, queue, job_id, int(printed), state, (detail or "")[:500] or None, used],
        )
        if printed:
            db.execute(
                """
                UPDATE printer_paper SET used_mm = used_mm + ?,
                    receipts = receipts + ?, receipt_mm = receipt_mm + ?, forms = forms + ?, updated_at = ?
                WHERE id = 1
                """,
                [used, int(kind == "receipt"), used if kind == "receipt" else 0.0, int(kind == "form"), at],
            )
        db.execute(
            "DELETE FROM print_jobs WHERE id <= (SELECT max(id) FROM print_jobs) - ?", [KEEP_JOBS]
        )


def refill(db: Database, *, at: str, roll_length_mm: float) -> None:
    """A full roll is in: remember the old count in the refill log and start again from zero."""
    with db.atomic():
        before = paper_counter(db)
        db.execute(
            "INSERT INTO paper_refills (at, roll_length_mm, used_before_mm, receipts_before) VALUES (?, ?, ?, ?)",
            [at, roll_length_mm, before.used_mm, before.receipts],
        )
        db.execute(
            """
            UPDATE printer_paper SET roll_length_mm = ?, used_mm = 0, receipts = 0, receipt_mm = 0, forms = 0,
                refilled_at = ?, updated_at = ?
            WHERE id = 1
            """,
            [roll_length_mm, at, at],
        )


def recent_jobs(db: Database, limit: int = 20) -> list[PrintJobRow]:
    rows = db.execute(
        """
        SELECT id, at, kind, ref, backend, queue, job_id, printed, state, detail, length_mm
        FROM print_jobs ORDER BY id DESC LIMIT ?
        """,
        [max(1, int(limit))],
    ).fetchall()
    return [PrintJobRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], float(r[10])) for r in rows]
