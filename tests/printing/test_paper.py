"""The paper-roll estimate: each print takes its page length off the roll, "paper low" comes before the
roll runs out, a refill resets the count, and the count survives a restart of the kiosk."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import ValidationError
from kiosk.printing.paper import CUT_FEED_MM, LOW_RECEIPTS, estimate, length_used_mm, page_sizes_mm
from kiosk.printing.status import PrinterState
from kiosk.store import printer_state
from kiosk.store.printer_state import PaperCounter

from .conftest import COMPLAINT


def test_page_sizes_from_our_pdfs(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="pdf", paper_width_mm=58)
    code = kiosk.file_complaint(COMPLAINT).tracking_code
    (w, h), = page_sizes_mm(kiosk.receipt_pdf(code))
    assert w == pytest.approx(58, abs=0.01) and 150 < h < 450
    form = page_sizes_mm(kiosk.render_form("dinkes-sipa", None))
    assert form and all((round(w), round(h)) == (210, 297) for w, h in form)
    assert length_used_mm(kiosk.receipt_pdf(code)) == pytest.approx(h + CUT_FEED_MM, abs=0.1)
    assert page_sizes_mm(b"not a pdf") == [] and length_used_mm(b"not a pdf") == 297 + CUT_FEED_MM


def test_estimate_arithmetic():
    full = estimate(PaperCounter(), 50)
    assert full.remaining_mm == 50000 and full.remaining_fraction == 1 and not full.low
    assert full.receipts_left == 50000 // 220
    half = estimate(PaperCounter(used_mm=25000, receipts=100, receipt_mm=25000), 50)
    assert half.average_receipt_mm == 250 and half.receipts_left == 100 and not half.low
    # Low at 10 % of the roll ...
    assert estimate(PaperCounter(used_mm=45000, receipts=1, receipt_mm=100), 50).low
    # ... or when fewer than LOW_RECEIPTS receipts are left, whichever comes first.
    few = estimate(PaperCounter(used_mm=50000 - 250 * (LOW_RECEIPTS - 1), receipts=10, receipt_mm=2500), 50)
    assert few.low and few.receipts_left == LOW_RECEIPTS - 1
    # Never below zero; the refill's roll length wins over the configuration.
    over = estimate(PaperCounter(used_mm=60000), 50)
    assert over.remaining_mm == 0 and over.remaining_fraction == 0 and over.low
    assert estimate(PaperCounter(roll_length_mm=30000), 50).roll_length_mm == 30000


def test_counts_down_warns_refills_and_survives_restart(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="pdf", roll_length_m=10.0)
    code = kiosk.file_complaint(COMPLAINT).tracking_code
    left = [kiosk.paper_status().remaining_mm]
    for _ in range(3):
        outcome = kiosk.print_receipt(code)
        assert outcome.printed
        left.append(outcome.status.paper.remaining_mm)
    step = length_used_mm(kiosk.receipt_pdf(code))
    assert [round(a - b, 1) for a, b in zip(left, left[1:])] == [pytest.approx(step, abs=0.2)] * 3
    assert kiosk.printer_status().state is PrinterState.OK

    # Print on until the estimate says "low": before the roll is empty, with receipts to spare.
    while not kiosk.paper_status().low:
        assert kiosk.print_receipt(code).printed
    st = kiosk.printer_status()
    assert st.state is PrinterState.PAPER_LOW and st.can_print and st.paper.remaining_mm > 0
    assert st.paper.receipts_left >= LOW_RECEIPTS - 1
    assert st.heartbeat()["paper_low"] is True
    printed = st.paper.receipts_printed

    # A restart keeps the count.
    config = kiosk.config
    kiosk.close()
    again = type(kiosk).open(config)
    try:
        assert again.paper_status().receipts_printed == printed and again.paper_status().low
        refilled = again.paper_refilled()
        assert refilled.remaining_mm == 10000 and not refilled.low and refilled.receipts_printed == 0
        assert refilled.refilled_at and again.printer_status().state is PrinterState.OK
        # A different roll length for this roll only.
        assert again.paper_refilled(25).roll_length_mm == 25000
        assert again.store.db.execute("SELECT count(*) FROM paper_refills").fetchone()[0] == 2
    finally:
        again.close()


def test_failed_prints_do_not_count(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="none")
    code = kiosk.file_complaint(COMPLAINT).tracking_code
    outcome = kiosk.print_receipt(code)
    assert not outcome.printed and outcome.status.state is PrinterState.MISSING
    assert kiosk.paper_status().used_mm == 0
    (job,) = kiosk.recent_print_jobs()
    assert not job.printed and job.length_mm == 0


def test_refill_length_is_checked(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="pdf")
    for bad in (0, -5, 5000, "50", True):
        with pytest.raises(ValidationError) as err:
            kiosk.paper_refilled(bad)
        assert err.value.field == "length_m"


def test_job_log_is_bounded(store, monkeypatch):
    monkeypatch.setattr(printer_state, "KEEP_JOBS", 40)
    for i in range(printer_state.KEEP_JOBS + 30):
        printer_state.record_job(store.db, at=f"2026-11-23T10:{i // 60 % 60:02d}:{i % 60:02d}+00:00", kind="receipt",
                                 ref=None, backend="pdf", queue="q", job_id=str(i), printed=True, state="ok",
                                 detail=None, length_mm=1.0)
    assert store.db.execute("SELECT count(*) FROM print_jobs").fetchone()[0] == printer_state.KEEP_JOBS
    assert printer_state.paper_counter(store.db).receipts == printer_state.KEEP_JOBS + 30
    assert printer_state.recent_jobs(store.db, 1)[0].job_id == str(printer_state.KEEP_JOBS + 29)
