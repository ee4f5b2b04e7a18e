"""Printers behind one interface: a CUPS queue, a folder of PDF files (development), or none.

``print_pdf`` blocks its caller (the UI runs it on its worker thread) for at most ``wait_s`` seconds and
never raises for a printer problem: it answers printed or not, with the printer's status. A job that has
not finished in time, or that sits in a stopped queue, is cancelled, so a receipt or a filled form never
comes out later for whoever stands at the kiosk then.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from . import ipp
from .paper import page_sizes_mm
from .status import (
    MSG_JOB_FAILED,
    MSG_OK,
    MSG_PDF_FOLDER,
    MSG_PDF_OK,
    MSG_TIMEOUT,
    PrinterState,
    PrinterStatus,
    cups_down,
    from_cups,
    missing_queue,
    no_printer,
)

log = logging.getLogger("kiosk.printing")

DEFAULT_WAIT_S = 30.0
_JOB_ID = re.compile(r"request id is (\S+)-(\d+)")
_SAFE_TITLE = re.compile(r"[^A-Za-z0-9._-]+")
# Our subprocesses speak English whatever the kiosk's locale: their messages are parsed and logged.
_ENV = {**os.environ, "LC_ALL": "C", "LANG": "C"}
_MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class JobResult:
    printed: bool
    status: PrinterStatus
    job_id: str | None = None  # "Queue-123" for CUPS
    pdf_path: str | None = None  # the file written by the pdf backend
    detail: str = ""  # technical: why it did not print


def safe_title(title: str) -> str:
    """A job title fit for CUPS and for file names (cups-pdf names its files after it)."""
    return _SAFE_TITLE.sub("-", title).strip("-")[:60] or "iplik"


class Printer(ABC):
    backend: str = ""
    queue: str = ""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """What the printer says now; never raises."""

    @abstractmethod
    def print_pdf(self, pdf: bytes, *, title: str, wait_s: float = DEFAULT_WAIT_S) -> JobResult:
        """Print and wait for the outcome; never raises for a printer problem."""


class NullPrinter(Printer):
    """``backend = "none"``: the kiosk shows receipts on screen only."""

    backend = "none"

    def status(self) -> PrinterStatus:
        return no_printer()

    def print_pdf(self, pdf: bytes, *, title: str, wait_s: float = DEFAULT_WAIT_S) -> JobResult:
        return JobResult(False, self.status(), detail="no printer configured")


class PdfFolderPrinter(Printer):
    """``backend = "pdf"``: each job becomes a file in a folder, for development and demonstrations."""

    backend = "pdf"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.queue = str(self.folder)

    def status(self) -> PrinterStatus:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ok = os.access(self.folder, os.W_OK)
        except OSError as exc:
            return PrinterStatus(PrinterState.ERROR, MSG_PDF_FOLDER, {"folder": str(self.folder)}, backend="pdf",
                                 queue=self.queue, detail=str(exc), accepting=False)
        if not ok:
            return PrinterStatus(PrinterState.ERROR, MSG_PDF_FOLDER, {"folder": str(self.folder)}, backend="pdf",
                                 queue=self.queue, accepting=False)
        return PrinterStatus(PrinterState.OK, MSG_PDF_OK, {"folder": str(self.folder)}, backend="pdf",
                             queue=self.queue)

    def print_pdf(self, pdf: bytes, *, title: str, wait_s: float = DEFAULT_WAIT_S) -> JobResult:
        st = self.status()
        if not st.can_print:
            return JobResult(False, st, detail=st.text)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{safe_title(title)}.pdf"
        tmp = path.with_suffix(".pdf.tmp")
        try:
            tmp.write_bytes(pdf)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            failed = replace(st, state=PrinterState.ERROR, message=MSG_PDF_FOLDER, detail=str(exc))
            return JobResult(False, failed, detail=str(exc))
        return JobResult(True, st, job_id=path.name, pdf_path=str(path))


def media_options(pdf: bytes) -> list[str]:
    """``lp`` options that keep the document's own page size: A4, or a roll-wide page exactly as long
    as the receipt (``media`` for IPP queues, ``PageSize`` for PPD drivers; CUPS rounds the first to
    whole points, the second keeps it exact)."""
    sizes = page_sizes_mm(pdf)
    if not sizes:
        return []
    w, h = sizes[0]
    if abs(w - 210) < 1.5 and abs(h - 297) < 1.5:
        return ["-o", "media=A4", "-o", "PageSize=A4"]
    wp, hp = w / _MM_PER_PT, h / _MM_PER_PT
    return ["-o", f"media=Custom.{wp:.2f}x{hp:.2f}", "-o", f"PageSize=Custom.{wp:.2f}x{hp:.2f}"]


class CupsPrinter(Printer):
    """A CUPS queue: submit with ``lp``, follow the job over IPP, cancel with ``cancel``."""

    backend = "cups"

    def __init__(self, queue: str, *, client: ipp.Client | None = None, poll_s: float = 0.05,
                 command_timeout_s: float = 10.0) -> None:
        self.queue = queue
        self.client = client or ipp.Client()
        self.poll_s = poll_s
        self.command_timeout_s = command_timeout_s

    def status(self) -> PrinterStatus:
        try:
            attrs = self.client.printer_attributes(self.queue)
        except ipp.Unreachable as exc:
            return cups_down(self.queue, str(exc))
        except ipp.IppError as exc:
            if exc.not_found:
                return missing_queue(self.queue, str(exc))
            return cups_down(self.queue, str(exc))
        return from_cups(self.queue, attrs)

    def _run(self, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(args, input=stdin, capture_output=True, timeout=self.command_timeout_s, env=_ENV,
                              check=False)

    def cancel(self, job: str) -> None:
        try:
            done = self._run(["cancel", job])
            if done.returncode != 0:
                log.warning("cancel %s failed: %s", job, done.stderr.decode(errors="replace").strip())
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("cancel %s failed: %s", job, exc)

    def print_pdf(self, pdf: bytes, *, title: str, wait_s: float = DEFAULT_WAIT_S) -> JobResult:
        deadline = time.monotonic() + max(1.0, wait_s)
        before = self.status()
        if not before.can_print:
            # Not even submitted: a job left in a stopped queue would print for the next person.
            return JobResult(False, before, detail=before.text)
        # The document goes in on standard input: no file with a citizen's form on the kiosk's disk.
        args = ["lp", "-d", self.queue, "-t", safe_title(title), *media_options(pdf), "-"]
        try:
            done = self._run(args, stdin=pdf)
        except FileNotFoundError:
            st = replace(cups_down(self.queue, "lp is not installed"))
            return JobResult(False, st, detail="lp is not installed")
        except subprocess.TimeoutExpired:
            st = self.status()
            return JobResult(False, _worse(st, self.queue), detail="lp did not answer")
        out = done.stdout.decode(errors="replace")
        err = done.stderr.decode(errors="replace").strip()
        m = _JOB_ID.search(out)
        if done.returncode != 0 or not m:
            st = self.status()
            log.warning("lp refused the job: %s", err or out)
            return JobResult(False, _worse(st, self.queue, err), detail=err or out.strip())
        job = f"{m.group(1)}-{m.group(2)}"
        return self._follow(job, int(m.group(2)), deadline, wait_s)

    def _follow(self, job: str, job_id: int, deadline: float, wait_s: float) -> JobResult:
        """Wait for the job's end: completed is printed; canceled, aborted, stopped or held is not;
        still pending in a stopped queue, or not done by the deadline, is cancelled and not printed."""
        delay = self.poll_s
        last: dict = {}
        while True:
            try:
                last = self.client.job_attributes(job_id)
            except ipp.IppError as exc:
                last = {"error": [str(exc)]}
            state = ipp.first(last, "job-state", 0)
            reasons = ",".join(str(r) for r in last.get("job-state-reasons", []))
            if state == ipp.JOB_COMPLETED:
                return JobResult(True, self.status(), job_id=job)
            if state in (ipp.JOB_CANCELED, ipp.JOB_ABORTED):
                st = self.status()
                detail = f"{ipp.JOB_STATES[state]}: {reasons}"
                return JobResult(False, _worse(st, self.queue, detail), job_id=job, detail=detail)
            if state in (ipp.JOB_HELD, ipp.JOB_STOPPED):
                self.cancel(job)
                st = self.status()
                detail = f"{ipp.JOB_STATES[state]}: {reasons}"
                return JobResult(False, _worse(st, self.queue, detail), job_id=job, detail=detail)
            if state == ipp.JOB_PENDING:
                st = self.status()
                if not st.can_print:  # the queue stopped after we looked: it will not print now
                    self.cancel(job)
                    return JobResult(False, st, job_id=job, detail=f"pending in a stopped queue: {st.text}")
            if time.monotonic() >= deadline:
                self.cancel(job)
                st = self.status()
                if st.can_print:
                    st = replace(st, state=PrinterState.ERROR, message=MSG_TIMEOUT,
                                 params={"seconds": round(wait_s)})
                return JobResult(False, st, job_id=job, detail=f"not finished after {wait_s:g} s ({last})")
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.25)


def _worse(st: PrinterStatus, queue: str, detail: str = "") -> PrinterStatus:
    """A job failed but the printer looks fine: say the job failed rather than "ready"."""
    if st.can_print and st.message == MSG_OK:
        return replace(st, state=PrinterState.ERROR, message=MSG_JOB_FAILED,
                       params={"reason": detail or "unknown"}, detail=detail)
    return st


def make_printer(backend: str, *, queue: str = "", pdf_dir: Path | None = None) -> Printer:
    if backend == "cups":
        return CupsPrinter(queue)
    if backend == "pdf":
        if pdf_dir is None:
            raise ValueError("the pdf backend needs a folder")
        return PdfFolderPrinter(pdf_dir)
    return NullPrinter()
