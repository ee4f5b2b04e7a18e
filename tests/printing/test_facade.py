"""The print calls of the facade as the screens use them: an outcome, never an exception for printer
trouble; the heartbeat carries the printer and the paper; the CLI twins of every call."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk import actions
from kiosk.actions import PrintOutcome
from kiosk.i18n import messages
from kiosk.printing.backends import JobResult, Printer
from kiosk.printing.status import PrinterState, PrinterStatus

from .conftest import COMPLAINT, REPO, make_config, needs_poppler


def test_citizen_messages_are_translated():
    table = messages("id")
    msgs = [v for k, v in vars(actions).items() if k.startswith("MSG_")]
    assert len(msgs) >= 9 and not [m for m in msgs if m not in table]


def test_pdf_backend_writes_the_receipt(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="pdf")
    filed = kiosk.file_complaint(COMPLAINT)
    outcome = kiosk.print_receipt(filed.tracking_code, "en")
    assert isinstance(outcome, PrintOutcome) and outcome.printed
    assert outcome.pdf_path and outcome.pdf_path.endswith(".pdf") and outcome.reference == filed.tracking_code
    with open(outcome.pdf_path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert outcome.status.state is PrinterState.OK and outcome.status.paper.receipts_printed == 1


def test_no_printer_is_an_outcome_not_an_error(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="none")
    filed = kiosk.file_complaint(COMPLAINT)
    outcome = kiosk.print_receipt(filed.tracking_code)
    assert not outcome.printed and outcome.status.state is PrinterState.MISSING
    assert outcome.message_id == actions.MSG_RECEIPT_NOT_PRINTED
    assert kiosk.printer_status().paper is None  # no roll to count
    assert kiosk.print_test_receipt().message_id == actions.MSG_TEST_NOT_PRINTED


def test_a_backend_bug_still_returns_not_printed(demo_kiosk_factory):
    class Broken(Printer):
        backend, queue = "cups", "Broken"

        def status(self) -> PrinterStatus:
            raise RuntimeError("driver exploded")

        def print_pdf(self, pdf: bytes, *, title: str, wait_s: float = 30) -> JobResult:
            raise RuntimeError("driver exploded")

    kiosk = demo_kiosk_factory(backend="pdf")
    kiosk.use_printer(Broken())
    filed = kiosk.file_complaint(COMPLAINT)
    outcome = kiosk.print_receipt(filed.tracking_code)
    assert not outcome.printed and outcome.status.state is PrinterState.ERROR and "exploded" in outcome.detail
    assert kiosk.printer_status().state is PrinterState.ERROR
    assert kiosk.track(filed.tracking_code).tracking_code == filed.tracking_code


def test_sync_heartbeat_carries_printer_and_paper(demo_kiosk_factory):
    kiosk = demo_kiosk_factory(backend="pdf", roll_length_m=40.0)
    worker = kiosk.start_sync()
    beat = worker.printer_status()
    assert beat["backend"] == "pdf" and beat["state"] == "ok" and beat["can_print"] is True
    assert beat["paper_left_m"] == 40.0 and beat["paper_low"] is False and "receipts_left" in beat
    assert all(isinstance(v, (str, int, float, bool)) for v in beat.values())


def cli(config_path, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config_path), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, cwd=REPO)


@needs_poppler
def test_cli_printing_commands(tmp_path):
    cfg = make_config(tmp_path, backend="pdf", roll_length_m=20.0)
    conf = cfg.source
    assert cli(conf, "init", "--demo").returncode == 0

    listed = cli(conf, "--json", "form", "list")
    assert listed.returncode == 0, listed.stderr
    forms = {f["id"]: f for f in json.loads(listed.stdout)}
    assert len(forms) >= 12 and forms["permohonan-informasi-publik"]["services"] == [
        "diskominfotik-permohonan-informasi-publik"]

    example = cli(conf, "form", "show", "bpbd-bantuan-logistik", "--example")
    out = tmp_path / "bpbd.pdf"
    made = cli(conf, "form", "print", "bpbd-bantuan-logistik", "--values", "-", "--out", str(out), stdin=example.stdout)
    assert made.returncode == 0, made.stderr
    assert out.read_bytes().startswith(b"%PDF-")

    bad = cli(conf, "--json", "form", "print", "bpbd-bantuan-logistik", "--values", "-", stdin='{"telepon": "12"}')
    assert bad.returncode == 2 and json.loads(bad.stderr)["field"] == "nama"
    neither = cli(conf, "form", "print", "bpbd-bantuan-logistik")
    assert neither.returncode == 2 and "--blank" in neither.stderr

    printed = cli(conf, "--json", "form", "print", "dinkes-sipa", "--blank")
    assert printed.returncode == 0 and json.loads(printed.stdout)["printed"] is True

    status = json.loads(cli(conf, "--json", "printer", "status").stdout)
    assert status["state"] == "ok" and status["paper"]["forms_printed"] == 1
    refilled = cli(conf, "paper", "refilled", "--length-m", "30")
    assert refilled.returncode == 0 and "30.0 m of 30.0 m" in refilled.stdout
    tested = cli(conf, "printer", "test", "--lang", "en")
    assert tested.returncode == 0 and "The test page is printed." in tested.stdout
    jobs = cli(conf, "printer", "jobs")
    assert "test" in jobs.stdout and "dinkes-sipa (blank)" in jobs.stdout
    assert cli(conf, "print", "receipt", "K7PM-Q2HX-9RT").returncode == 2  # unknown code: bad input


def test_cli_not_printed_exits_1(tmp_path):
    cfg = make_config(tmp_path, backend="none")
    assert cli(cfg.source, "init", "--demo").returncode == 0
    filed = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg.source), "complaint", "file",
                            "--json", "-"], input=json.dumps(COMPLAINT), capture_output=True, text=True, timeout=60)
    code = json.loads(filed.stdout)["tracking_code"]
    done = cli(cfg.source, "print", "receipt", code)
    assert done.returncode == 1
    assert "Struk tidak dapat dicetak" in done.stdout and "Kiosk ini tidak memiliki printer" in done.stdout
    st = json.loads(cli(cfg.source, "--json", "printer", "status").stdout)
    assert st["state"] == "missing" and st["paper"] is None


@pytest.mark.parametrize("state", list(PrinterState))
def test_every_state_has_a_plain_meaning(state):
    st = PrinterStatus(state, "x")
    assert st.can_print == (state in (PrinterState.OK, PrinterState.PAPER_LOW))
