"""How much paper is left on the roll: an estimate from what was printed since the last refill.

Receipt printers rarely say "paper low" in time (many have no sensor, or it trips with a few receipts
left), and a kiosk that runs dry tells nobody. So the kiosk counts: each printed page's height, taken
from the PDF it sent, plus the paper fed to the cutter, against the roll's length. Staff tap "Paper
refilled" when they put in a new roll, which resets the count. The counter lives in SQLite
(``kiosk.store.printer_state``) so it survives restarts; this module is the arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

MM_PER_PT = 25.4 / 72

# Paper fed past the last line so the cutter clears it. Thermal receipt printers feed roughly the
# distance from head to blade (about 10 to 15 mm) and the next receipt starts after the cut; part of
# that is the receipt's own bottom margin, already in the page height.
CUT_FEED_MM = 8.0
# Until the first receipts are counted, a typical receipt (ours are 170 to 260 mm long).
DEFAULT_RECEIPT_MM = 220.0
# Warn when less than this share of the roll is left, or fewer receipts than LOW_RECEIPTS.
LOW_FRACTION = 0.10
LOW_RECEIPTS = 25
A4_HEIGHT_MM = 297.0

_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in mm of each page of a PDF the kiosk made (reportlab writes one MediaBox per
    page, outside any compressed stream). Empty when none is found."""
    sizes = []
    for m in _MEDIABOX.finditer(pdf):
        x0, y0, x1, y1 = (float(v) for v in m.groups())
        sizes.append((abs(x1 - x0) * MM_PER_PT, abs(y1 - y0) * MM_PER_PT))
    return sizes


def length_used_mm(pdf: bytes, *, default_page_mm: float = A4_HEIGHT_MM) -> float:
    """Roll length a document takes: the height of every page plus one cutter feed per page."""
    heights = [h for _w, h in page_sizes_mm(pdf)] or [default_page_mm]
    return round(sum(h + CUT_FEED_MM for h in heights), 1)


class Counter(Protocol):
    """What the store keeps between restarts (``kiosk.store.printer_state.PaperCounter``)."""

    used_mm: float
    receipts: int
    receipt_mm: float  # total length of the receipts counted, for the average
    forms: int
    roll_length_mm: float | None  # the roll put in at the last refill; None: the configured one
    refilled_at: str | None


@dataclass(frozen=True)
class PaperEstimate:
    roll_length_mm: float
    used_mm: float
    remaining_mm: float
    remaining_fraction: float  # 0.0 .. 1.0
    receipts_left: int  # at the average receipt length so far
    average_receipt_mm: float
    low: bool
    receipts_printed: int  # since the last refill
    forms_printed: int
    refilled_at: str | None

    def heartbeat(self) -> dict[str, Any]:
        return {
            "paper_low": self.low,
            "paper_left_pct": round(self.remaining_fraction * 100, 1),
            "paper_left_m": round(self.remaining_mm / 1000, 2),
            "receipts_left": self.receipts_left,
            "receipts_since_refill": self.receipts_printed,
            "forms_since_refill": self.forms_printed,
            "paper_refilled_at": self.refilled_at or "",
        }


def estimate(counter: Counter, roll_length_m: float) -> PaperEstimate:
    roll = counter.roll_length_mm if counter.roll_length_mm else roll_length_m * 1000
    remaining = max(0.0, roll - counter.used_mm)
    average = counter.receipt_mm / counter.receipts if counter.receipts else DEFAULT_RECEIPT_MM
    receipts_left = int(remaining // max(average, 1.0))
    low = remaining <= roll * LOW_FRACTION or receipts_left < LOW_RECEIPTS
    return PaperEstimate(
        roll_length_mm=roll,
        used_mm=round(counter.used_mm, 1),
        remaining_mm=round(remaining, 1),
        remaining_fraction=remaining / roll if roll > 0 else 0.0,
        receipts_left=receipts_left,
        average_receipt_mm=round(average, 1),
        low=low,
        receipts_printed=counter.receipts,
        forms_printed=counter.forms,
        refilled_at=counter.refilled_at,
    )
