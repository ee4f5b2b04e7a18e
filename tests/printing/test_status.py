"""CUPS printer attributes -> one kiosk status. The attribute sets are what CUPS answers to
Get-Printer-Attributes in each situation (as seen from real queues and printer drivers); the live
situations a test machine can make (stopped, rejecting, missing) are also printed through in test_cups."""

from __future__ import annotations

import pytest

from kiosk.i18n import messages
from kiosk.printing import status
from kiosk.printing.paper import PaperEstimate
from kiosk.printing.status import PrinterState, PrinterStatus, from_cups


def attrs(state=3, reasons=("none",), accepting=True, message=""):
    return {"printer-state": [state], "printer-state-reasons": list(reasons),
            "printer-is-accepting-jobs": [accepting], "printer-state-message": [message]}


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (attrs(), PrinterState.OK),
        (attrs(4, ("none",)), PrinterState.OK),  # printing
        (attrs(3, ("media-low-report",)), PrinterState.PAPER_LOW),
        (attrs(3, ("media-low-warning",)), PrinterState.PAPER_LOW),
        (attrs(5, ("media-empty-error",)), PrinterState.PAPER_OUT),
        (attrs(5, ("media-needed",)), PrinterState.PAPER_OUT),
        (attrs(3, ("media-jam-error",)), PrinterState.PAPER_OUT),
        (attrs(5, ("door-open-error",)), PrinterState.DOOR_OPEN),
        (attrs(3, ("cover-open-warning",)), PrinterState.DOOR_OPEN),
        (attrs(3, ("offline-report",)), PrinterState.OFFLINE),
        (attrs(3, ("connecting-to-device",)), PrinterState.OFFLINE),
        (attrs(4, ("connecting-to-device",)), PrinterState.OK),  # the moment at the start of a USB job
        (attrs(5, ("paused",)), PrinterState.PAUSED),  # cupsdisable
        (attrs(3, ("none",), accepting=False), PrinterState.PAUSED),  # cupsreject
        (attrs(5, ("paused", "media-empty-error")), PrinterState.PAPER_OUT),  # the actionable one wins
        (attrs(5, ("none",), message="Backend usb returned status 1"), PrinterState.ERROR),
        (attrs(5, ("none",)), PrinterState.ERROR),
        (attrs(5, ("media-low-report",)), PrinterState.ERROR),  # stopped: the stop is the news
        (attrs(3, ("toner-low-report", "cups-waiting-for-job-completed")), PrinterState.OK),
        (attrs(3, ("marker-supply-empty-error",)), PrinterState.ERROR),
    ],
)
def test_cups_attributes_map_to_one_state(a, expected):
    st = from_cups("Q", a)
    assert st.state is expected
    assert st.can_print == (expected in (PrinterState.OK, PrinterState.PAPER_LOW))
    assert st.queue == "Q" and st.backend == "cups"


def test_messages_name_the_queue_and_detail():
    st = from_cups("KioskReceipt", attrs(5, ("paused",)))
    assert st.text == "The printer is paused. A technician can resume it with: cupsenable KioskReceipt"
    st = from_cups("KioskReceipt", attrs(5, ("none",), message="Backend usb returned status 1"))
    assert st.text.endswith("Backend usb returned status 1")


def paper(low: bool, remaining: float = 4000.0) -> PaperEstimate:
    return PaperEstimate(roll_length_mm=50000, used_mm=50000 - remaining, remaining_mm=remaining,
                         remaining_fraction=remaining / 50000, receipts_left=int(remaining // 220),
                         average_receipt_mm=220, low=low, receipts_printed=10, forms_printed=0, refilled_at=None)


def test_paper_estimate_raises_ok_to_paper_low_only():
    ok = from_cups("Q", attrs())
    assert ok.with_paper(paper(False)).state is PrinterState.OK
    low = ok.with_paper(paper(True))
    assert low.state is PrinterState.PAPER_LOW and low.can_print
    assert low.params == {"receipts": 18, "metres": "4.0"}
    assert ok.with_paper(paper(True, 0.0)).message == status.MSG_PAPER_EMPTY_ESTIMATE
    out = from_cups("Q", attrs(5, ("media-empty-error",))).with_paper(paper(True))
    assert out.state is PrinterState.PAPER_OUT  # the printer's own word is worse: it stays


def test_heartbeat_is_flat_scalars():
    beat = from_cups("Q", attrs(3, ("media-low-report",))).with_paper(paper(True)).heartbeat()
    assert beat["state"] == "paper_low" and beat["paper_low"] is True and beat["receipts_left"] == 18
    assert all(isinstance(v, (str, int, float, bool)) for v in beat.values())
    assert len(beat) <= 20 and all(len(k) <= 40 for k in beat)


def test_every_status_message_is_translated():
    table = messages("id")
    msgs = [v for k, v in vars(status).items() if k.startswith("MSG_")]
    assert msgs and not [m for m in msgs if m not in table]


def test_status_has_no_surprising_defaults():
    st = PrinterStatus(PrinterState.OK, status.MSG_OK)
    assert st.can_print and st.paper is None and st.checked_at
