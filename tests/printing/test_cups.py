"""Receipts and forms through a real CUPS queue (cups-pdf), read back the way a person meets the paper:
the produced PDF rasterised (203 dpi for the thermal roll, 150 dpi for A4), its QR decoded, its text
extracted. And the printer trouble a lobby kiosk meets: a stopped printer, a queue refusing jobs, a queue
that does not exist, a held job. In each, the citizen is never told it printed, nothing is left queued to
print later, and the complaint stays stored and trackable."""

from __future__ import annotations

import pytest

from kiosk.printing import ipp
from kiosk.printing.backends import CupsPrinter
from kiosk.printing.paper import page_sizes_mm
from kiosk.printing.status import MSG_MISSING_QUEUE, MSG_PAUSED, MSG_REJECTING, PrinterState

from .conftest import COMPLAINT, flat, needs_poppler, png_of, qr_texts, run, text_of

pytestmark = [pytest.mark.cups, needs_poppler]


@pytest.fixture
def cups_kiosk(queue, demo_kiosk_factory):
    def make(width: int = 80):
        return demo_kiosk_factory(backend="cups", queue=queue.name, paper_width_mm=width)

    return make


@pytest.mark.parametrize("width", [80, 58])
def test_receipt_through_cups_reads_back(cups_kiosk, queue, width):
    kiosk = cups_kiosk(width)
    filed = kiosk.file_complaint(COMPLAINT)
    outcome = kiosk.print_receipt(filed.tracking_code, "id")
    assert outcome.printed, (outcome.status, outcome.detail)
    assert outcome.status.state is PrinterState.OK
    assert outcome.message_id == "Your receipt is printed. Please take it from the printer."
    pdf = queue.printed_pdf(outcome.job_id)

    # The roll width survives the driver (page as wide as the roll, as long as the receipt).
    (w, h), = page_sizes_mm(pdf.read_bytes())
    assert w == pytest.approx(width, abs=0.5) and 150 < h < 400

    code = filed.tracking_code.replace("-", "")
    assert qr_texts(png_of(pdf, 203)) == [kiosk.config.tracking_url(code)]
    text = flat(text_of(pdf))
    assert filed.tracking_code in text
    assert "Badan Pendapatan Daerah" in text and "Pembayaran Pajak Kendaraan Bermotor" in text
    assert "Baiq" not in text and "0812" not in text  # no personal data on paper

    # The roll's count went down by this receipt, and the job is in the log.
    paper = kiosk.paper_status()
    assert paper.receipts_printed == 1 and paper.used_mm == pytest.approx(h + 8.0, abs=1)
    (job,) = kiosk.recent_print_jobs()
    assert job.printed and job.kind == "receipt" and job.job_id == outcome.job_id and job.ref == filed.tracking_code


def test_filled_form_through_cups_reads_back(cups_kiosk, queue):
    kiosk = cups_kiosk()
    spec = kiosk.form("permohonan-informasi-publik")
    values = spec.example_values() | {"nama": "Baiq Nurul Hidayati", "nik": "5271014512900003",
                                      "telepon": "0812-3456-7890"}
    outcome = kiosk.print_form(spec.id, values, "id")
    assert outcome.printed, (outcome.status, outcome.detail)
    assert outcome.message_id == "Your form is printed. Please take it from the printer."
    assert outcome.reference and outcome.reference.startswith("F-")
    pdf = queue.printed_pdf(outcome.job_id)
    sizes = page_sizes_mm(pdf.read_bytes())
    assert sizes and all(w == pytest.approx(210, abs=1) and h == pytest.approx(297, abs=1) for w, h in sizes)

    assert qr_texts(png_of(pdf, 150)) == [f"iplik-form:{spec.id}:v{spec.version}:{outcome.reference}"]
    text = flat(text_of(pdf))
    assert "DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK" in text  # the agency's letterhead
    assert "Jl. Udayana No. 4, Mataram" in text
    assert "FORMULIR PERMOHONAN INFORMASI PUBLIK" in text
    assert "Baiq Nurul Hidayati" in text and "0812 3456 7890" in text
    assert "5 2 7 1 0 1 4 5 1 2 9 0 0 0 0 3" in text  # NIK, one digit per box
    assert "( Baiq Nurul Hidayati )" in text  # under the signature
    assert outcome.reference in text
    # The job log names the form and its reference, never what was typed.
    (job,) = kiosk.recent_print_jobs()
    assert job.kind == "form" and job.ref == f"{spec.id} {outcome.reference}"
    assert kiosk.paper_status().forms_printed == 1


def test_blank_form_through_cups(cups_kiosk, queue):
    kiosk = cups_kiosk()
    outcome = kiosk.print_form("bkd-usul-pensiun", None, "id")
    assert outcome.printed and outcome.reference is None
    pdf = queue.printed_pdf(outcome.job_id)
    assert qr_texts(png_of(pdf, 150)) == ["iplik-form:bkd-usul-pensiun:v1"]
    text = flat(text_of(pdf))
    assert "BADAN KEPEGAWAIAN DAERAH" in text and "Mataram, ....." in text


def test_test_page_through_cups(cups_kiosk, queue):
    kiosk = cups_kiosk(58)
    outcome = kiosk.print_test_receipt("en")
    assert outcome.printed and outcome.message_id == "The test page is printed."
    pdf = queue.printed_pdf(outcome.job_id)
    assert qr_texts(png_of(pdf, 203)) == ["iplik-test:test-kiosk:Kiosk Uji Lobi"]
    assert "Roll width: 58 mm" in text_of(pdf)


def _assert_not_printed_and_kept(kiosk, queue, filed, outcome, state):
    assert outcome.printed is False
    assert outcome.status.state is state
    assert not outcome.status.can_print
    assert outcome.message_id.startswith("The receipt could not be printed.")
    # Nothing left in the queue to come out later for whoever stands at the kiosk then.
    assert queue.jobs_not_completed() == ""
    # The complaint was stored before printing and is still there, trackable by its code.
    assert kiosk.track(filed.tracking_code).tracking_code == filed.tracking_code
    assert kiosk.receipt_info(filed.tracking_code).tracking_code == filed.tracking_code
    (job,) = kiosk.recent_print_jobs()
    assert not job.printed and job.state == state.value
    assert kiosk.paper_status().receipts_printed == 0


def test_stopped_printer(cups_kiosk, queue):
    kiosk = cups_kiosk()
    filed = kiosk.file_complaint(COMPLAINT)
    queue.set_enabled(False)
    outcome = kiosk.print_receipt(filed.tracking_code)
    _assert_not_printed_and_kept(kiosk, queue, filed, outcome, PrinterState.PAUSED)
    assert outcome.status.message == MSG_PAUSED and "paused" in outcome.status.reasons
    assert kiosk.printer_status().state is PrinterState.PAUSED
    # Once staff resume it, the same receipt prints.
    queue.set_enabled(True)
    assert kiosk.print_receipt(filed.tracking_code).printed


def test_rejecting_queue(cups_kiosk, queue):
    kiosk = cups_kiosk()
    filed = kiosk.file_complaint(COMPLAINT)
    queue.set_accepting(False)
    outcome = kiosk.print_receipt(filed.tracking_code)
    _assert_not_printed_and_kept(kiosk, queue, filed, outcome, PrinterState.PAUSED)
    assert outcome.status.message == MSG_REJECTING and not outcome.status.accepting


def test_missing_queue(demo_kiosk_factory, cups_queue):
    kiosk = demo_kiosk_factory(backend="cups", queue=f"{cups_queue.name}_gone")
    filed = kiosk.file_complaint(COMPLAINT)
    outcome = kiosk.print_receipt(filed.tracking_code)
    assert outcome.printed is False and outcome.job_id is None
    assert outcome.status.state is PrinterState.MISSING and outcome.status.message == MSG_MISSING_QUEUE
    assert kiosk.track(filed.tracking_code).tracking_code == filed.tracking_code
    form = kiosk.print_form("dinkes-sipa", None)
    assert form.printed is False and form.message_id.startswith("The form could not be printed.")


def test_lp_refusing_after_the_check_is_reported(queue):
    """The queue stops accepting between our status check and lp: lp's refusal is a plain failure."""

    class RaceyPrinter(CupsPrinter):
        def status(self):
            st = super().status()
            queue.set_accepting(False)
            return st

    result = RaceyPrinter(queue.name).print_pdf(_tiny_pdf(), title="iplik-race", wait_s=5)
    assert result.printed is False and result.job_id is None
    assert "not accepting" in result.detail


def test_held_job_is_cancelled_not_left_to_print_later(queue):
    run("lpadmin", "-p", queue.name, "-o", "job-hold-until-default=indefinite")
    try:
        result = CupsPrinter(queue.name).print_pdf(_tiny_pdf(), title="iplik-held", wait_s=5)
    finally:
        run("lpadmin", "-p", queue.name, "-o", "job-hold-until-default=no-hold")
    assert result.printed is False and result.job_id
    assert "pending-held" in result.detail
    state = ipp.first(ipp.Client().job_attributes(int(result.job_id.rsplit("-", 1)[1])), "job-state")
    assert state == ipp.JOB_CANCELED
    assert queue.jobs_not_completed() == ""


def test_ipp_answers_for_the_queue(queue):
    attrs = ipp.Client().printer_attributes(queue.name)
    assert ipp.first(attrs, "printer-name") == queue.name
    assert ipp.first(attrs, "printer-state") in (ipp.PRINTER_IDLE, ipp.PRINTER_PROCESSING)
    with pytest.raises(ipp.IppError) as err:
        ipp.Client().printer_attributes(queue.name + "_nope")
    assert err.value.not_found


def test_unreachable_scheduler_is_an_error_status(tmp_path):
    printer = CupsPrinter("Any", client=ipp.Client(ipp.Server(socket_path=str(tmp_path / "no.sock")), timeout=1))
    st = printer.status()
    assert st.state is PrinterState.ERROR and not st.can_print and "CUPS" in st.message
    result = printer.print_pdf(_tiny_pdf(), title="iplik-nowhere")
    assert result.printed is False and result.job_id is None


def _tiny_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    c = Canvas(out, pagesize=(80 * 72 / 25.4, 40 * 72 / 25.4))
    c.drawString(10, 50, "iPLiK test")
    c.showPage()
    c.save()
    return out.getvalue()
