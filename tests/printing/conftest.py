"""Real CUPS for the printing tests: the scheduler, a cups-pdf queue of our own, and where its PDFs land.

Nothing of CUPS is mocked. ``cups_queue`` makes sure ``cupsd`` runs (starting it needs root; without root
and without a running scheduler the CUPS tests are skipped, saying why), adds a queue with a unique name
on the cups-pdf backend, and removes it at the end. cups-pdf writes each job as a PDF into the folder
named by ``Out`` in /etc/cups/cups-pdf.conf (``${HOME}/PDF`` of the job's user; jobs of unknown users go
to ``AnonDirName``): :func:`printed_pdf` looks in both for the file of one job.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.printing import ipp

REPO = Path(__file__).resolve().parents[2]
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
ENV = {**os.environ, "LC_ALL": "C", "LANG": "C"}

COMPLAINT = {
    "class": "pengaduan",
    "topic": "pungli",
    "agency_id": "bappenda",
    "service_id": "bappenda-pkb-tahunan",
    "description": "Saya dimintai uang Rp50.000 oleh petugas loket agar STNK cepat selesai.",
    "privacy": "biasa",
    "identity": {"name": "Baiq Nurul Hidayati", "phone": "0812-3456-7890"},
    "consent_version": "pdp-2026-11",
}


def run(*args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), capture_output=True, text=True, env=ENV, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {done.stderr or done.stdout}")
    return done


def _scheduler_answers() -> bool:
    try:
        ipp.Client(timeout=2).printer_attributes("no-such-queue-probe")
    except ipp.Unreachable:
        return False
    except ipp.IppError:
        return True
    return True


def _conf_value(key: str, default: str) -> str:
    try:
        for line in CUPS_PDF_CONF.read_text().splitlines():
            line = line.strip()
            if line.startswith(key + " ") or line.startswith(key + "\t"):
                return line.split(None, 1)[1].strip()
    except OSError:
        pass
    return default


def cups_pdf_dirs() -> list[Path]:
    """Where cups-pdf may write a job of ours: Out for the submitting user, and the anonymous folder."""
    home = pwd.getpwuid(os.getuid()).pw_dir
    user = pwd.getpwuid(os.getuid()).pw_name
    out = _conf_value("Out", "${HOME}/PDF").replace("${HOME}", home).replace("${USER}", user)
    anon = _conf_value("AnonDirName", "/var/spool/cups-pdf/ANONYMOUS")
    return [Path(out), Path(anon)]


@dataclass
class CupsQueue:
    name: str
    dirs: list[Path]

    def printed_pdf(self, job_id: str, timeout: float = 15.0) -> Path:
        """The PDF cups-pdf wrote for ``job_id`` ("Queue-12"): its name ends in "job_12.pdf"."""
        number = job_id.rsplit("-", 1)[1]
        pattern = re.compile(rf"job_{number}\.pdf$")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for d in self.dirs:
                if d.is_dir():
                    for p in d.iterdir():
                        # The file is complete when the job is, but give the filesystem a moment.
                        if pattern.search(p.name) and p.stat().st_size > 0:
                            return p
            time.sleep(0.05)
        raise AssertionError(f"no PDF for job {job_id} in {self.dirs}")

    def set_enabled(self, enabled: bool) -> None:
        run("cupsenable" if enabled else "cupsdisable", self.name)

    def set_accepting(self, accepting: bool) -> None:
        run("cupsaccept" if accepting else "cupsreject", self.name)

    def jobs_not_completed(self) -> str:
        return run("lpstat", "-W", "not-completed", "-o", self.name, check=False).stdout.strip()


@pytest.fixture(scope="session")
def cups_queue():
    if not shutil.which("lp") or not shutil.which("lpadmin"):
        pytest.skip("CUPS client tools (lp, lpadmin) are not installed: apt-get install cups cups-client")
    if not _scheduler_answers():
        if os.geteuid() != 0:
            pytest.skip("cupsd is not running and starting it needs root")
        if not shutil.which("cupsd"):
            pytest.skip("cupsd is not installed: apt-get install cups")
        # cupsd forks into the background; it is the system's print service, left running for others.
        run("cupsd")
        deadline = time.monotonic() + 15
        while not _scheduler_answers():
            if time.monotonic() > deadline:
                pytest.skip("cupsd was started but does not answer")
            time.sleep(0.1)
    models = run("lpinfo", "-m", check=False).stdout
    if "CUPS-PDF_opt.ppd" not in models:
        pytest.skip("the cups-pdf driver is not installed: apt-get install printer-driver-cups-pdf")
    name = f"KioskTest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    run("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m", PPD)
    queue = CupsQueue(name, cups_pdf_dirs())
    yield queue
    run("cancel", "-a", name, check=False)
    run("lpadmin", "-x", name, check=False)
    for d in queue.dirs:  # our jobs' PDFs carry the queue's job titles (iplik-...)
        if d.is_dir():
            for p in d.glob("iplik-*.pdf"):
                p.unlink(missing_ok=True)


@pytest.fixture
def queue(cups_queue):
    """The session queue, enabled and accepting, after each test whatever the test did to it."""
    cups_queue.set_enabled(True)
    cups_queue.set_accepting(True)
    yield cups_queue
    run("cancel", "-a", cups_queue.name, check=False)
    cups_queue.set_enabled(True)
    cups_queue.set_accepting(True)


def make_config(tmp_path: Path, **printer: object):
    """A kiosk config in ``tmp_path`` with the given [printer] keys."""
    lines = ["[kiosk]", 'id = "test-kiosk"', 'name = "Kiosk Uji Lobi"', f'data_dir = "{tmp_path / "data"}"',
             "[office]", 'name = "Mal Pelayanan Publik Provinsi Nusa Tenggara Barat"', "[printer]"]
    for key, value in printer.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


@pytest.fixture
def demo_kiosk_factory(tmp_path):
    """Kiosks on the demo catalog with a chosen printer config; closed at the end."""
    from kiosk.actions import Kiosk

    opened = []

    def make(**printer: object) -> Kiosk:
        cfg = make_config(tmp_path, **printer)
        k = Kiosk.open(cfg)
        if not k.catalog_info().version:
            k.load_catalog()
        opened.append(k)
        return k

    yield make
    for k in opened:
        k.close()


def png_of(pdf: Path | bytes, dpi: int, page: int = 1):
    """A page rendered by poppler at ``dpi``, as a PIL image."""
    from PIL import Image

    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    done = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-"],
                          input=data, capture_output=True, timeout=30, check=True)
    return Image.open(io.BytesIO(done.stdout))


def text_of(pdf: Path | bytes, *, layout: bool = False) -> str:
    """The PDF's text: in drawing order by default (a wrapped label stays in one piece), or laid out
    as on the page."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    mode = "-layout" if layout else "-raw"
    done = subprocess.run(["pdftotext", mode, "-", "-"], input=data, capture_output=True, timeout=30, check=True)
    return done.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace folded, for looking up phrases a layout may break across lines."""
    return " ".join(text.split())


def qr_texts(image) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils not installed"
)
