"""provision.sh --root: every file it lays down, with its mode and intended owner; a second run changes
nothing; --dry-run changes nothing; bad options stop it before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from pathlib import Path

import pytest

from kiosk.central.devices import create_enroll_code, fleet
from kiosk.config import load_config
from kiosk.domain.pin import verify_pin

from .conftest import DEPLOY, provision, read_manifest

UNITS = sorted(p.name for p in (DEPLOY / "systemd").glob("iplik-*"))
KIOSK = ("iplik", "iplik")
ROOT_OWNED = ("root", "root")

# Everything provision.sh lays down besides the release itself: path -> (kind, mode, owner, group).
EXPECTED = {
    "/opt/iplik-kiosk": ("dir", "0755", *ROOT_OWNED),
    "/opt/iplik-kiosk/releases": ("dir", "0755", *ROOT_OWNED),
    "/opt/iplik-kiosk/releases/A": ("dir", "0755", *ROOT_OWNED),
    "/opt/iplik-kiosk/current": ("link", "0777", *ROOT_OWNED),
    "/etc/iplik-kiosk": ("dir", "0750", "root", "iplik"),
    "/etc/iplik-kiosk/config.toml": ("file", "0640", "root", "iplik"),
    "/etc/iplik-kiosk/session.env": ("file", "0644", *ROOT_OWNED),
    "/var/lib/iplik-kiosk": ("dir", "0750", *KIOSK),
    "/var/lib/iplik-kiosk/backups": ("dir", "0750", *KIOSK),
    "/var/lib/iplik-kiosk/kiosk.db": ("file", "0640", *KIOSK),
    "/var/lib/iplik-kiosk/device.json": ("file", "0600", *KIOSK),
    "/usr/local/lib/iplik-kiosk": ("dir", "0755", *ROOT_OWNED),
    "/usr/local/lib/iplik-kiosk/screen-power": ("file", "0755", *ROOT_OWNED),
    "/etc/systemd/journald.conf.d/iplik-kiosk.conf": ("file", "0644", *ROOT_OWNED),
    "/etc/systemd/logind.conf.d/iplik-kiosk.conf": ("file", "0644", *ROOT_OWNED),
    "/etc/sysctl.d/90-iplik-kiosk.conf": ("file", "0644", *ROOT_OWNED),
    "/etc/udev/rules.d/99-iplik-touchscreen.rules": ("file", "0644", *ROOT_OWNED),
    "/etc/systemd/system/iplik-screen-off.timer.d": ("dir", "0755", *ROOT_OWNED),
    "/etc/systemd/system/iplik-screen-off.timer.d/time.conf": ("file", "0644", *ROOT_OWNED),
    "/etc/systemd/system/iplik-restart.timer.d": ("dir", "0755", *ROOT_OWNED),
    "/etc/systemd/system/iplik-restart.timer.d/time.conf": ("file", "0644", *ROOT_OWNED),
    **{f"/etc/systemd/system/{u}": ("file", "0644", *ROOT_OWNED) for u in UNITS},
}
OPTIONS = ("--name", "Kiosk Lobi Samsat", "--office", "Samsat Mataram", "--kiosk-id", "samsat-01",
           "--printer-uri", "ipp://printer.local/ipp/print", "--paper-width", "58", "--rotate", "90",
           "--screen-off", "20:15", "--restart-at", "02:45")


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root with its type, mode, content hash and (for files) mtime. A folder's mtime
    is left out: opening the database makes and removes its -wal file, which is no change."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
        link = str(p.readlink()) if p.is_symlink() else ""
        mtime = 0 if stat.S_ISDIR(st.st_mode) else st.st_mtime_ns
        out[str(p.relative_to(root))] = (stat.S_IFMT(st.st_mode), oct(st.st_mode & 0o7777), mtime, digest, link)
    return out


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory, source_tree, builder, server, engine):
    root = tmp_path_factory.mktemp("provisioned") / "root"
    code = create_enroll_code(engine, office="Samsat Mataram", agency_id="bappenda")
    run = provision(root, source_tree, builder, *OPTIONS, "--server", server.url, "--code", code.code)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, run


def test_every_file_is_laid_down_with_its_mode_and_intended_owner(provisioned):
    root, _run = provisioned
    manifest = read_manifest(root)
    assert manifest == EXPECTED
    for path, (kind, mode, _owner, _group) in manifest.items():
        real = root / path.lstrip("/")
        if kind == "link":
            assert real.is_symlink() and str(real.readlink()) == "releases/A"
            continue
        assert (real.is_dir() if kind == "dir" else real.is_file()), path
        assert oct(real.stat().st_mode & 0o7777) == oct(int(mode, 8)), path
    # Nothing outside the manifest, apart from the release's own tree and the system's own folders
    # (/etc, /etc/systemd/system, ...) that hold what it laid down.
    parents = {str(parent) for path in manifest for parent in Path(path).parents}
    stray = [rel for p in root.rglob("*")
             if not (rel := "/" + str(p.relative_to(root))).startswith("/opt/iplik-kiosk/releases/A/")
             and rel not in manifest and rel not in parents and p.name != ".iplik-manifest"]
    assert stray == []


def test_units_and_helpers_are_the_repository_ones(provisioned):
    root, _run = provisioned
    for unit in UNITS:
        assert (root / "etc/systemd/system" / unit).read_bytes() == (DEPLOY / "systemd" / unit).read_bytes()
    assert (root / "usr/local/lib/iplik-kiosk/screen-power").read_bytes() == (DEPLOY / "screen-power.sh").read_bytes()
    assert (root / "etc/sysctl.d/90-iplik-kiosk.conf").read_text().count("kernel.sysrq = 0") == 1
    logind = (root / "etc/systemd/logind.conf.d/iplik-kiosk.conf").read_text()
    assert "NAutoVTs=0" in logind and "ReserveVT=0" in logind
    assert "SystemMaxUse=" in (root / "etc/systemd/journald.conf.d/iplik-kiosk.conf").read_text()


def test_the_release_has_its_own_venv_and_marker(provisioned):
    root, _run = provisioned
    release = root / "opt/iplik-kiosk/releases/A"
    assert (release / ".venv/bin/kiosk").exists() and (release / "kiosk/cli/deploy.py").exists()
    assert "version=A" in (release / ".iplik-release").read_text()
    assert (root / "opt/iplik-kiosk/current/.venv/bin/kiosk").exists()


def test_config_is_valid_and_carries_the_options(provisioned, server):
    root, run = provisioned
    cfg = load_config(root / "etc/iplik-kiosk/config.toml")
    assert cfg.kiosk.data_dir == "/var/lib/iplik-kiosk"
    assert (cfg.kiosk.id, cfg.kiosk.name, cfg.office.name) == ("samsat-01", "Kiosk Lobi Samsat", "Samsat Mataram")
    assert (cfg.printer.backend, cfg.printer.queue, cfg.printer.paper_width_mm) == ("cups", "KioskReceipt", 58)
    assert cfg.server.url == server.url and cfg.ui.fullscreen
    # A fresh random staff PIN, told once in the output, never the demo one.
    pin = re.search(r"staff PIN (\d{6})", run.stdout).group(1)
    assert verify_pin(pin, cfg.admin.pin_hash)
    assert not verify_pin("246810", cfg.admin.pin_hash)
    # The comments of the documented config survive the edits.
    assert "# Where the kiosk's SQLite database" in (root / "etc/iplik-kiosk/config.toml").read_text()


def test_session_rotation_calibration_and_timer_times(provisioned):
    root, _run = provisioned
    assert "CAGE_ARGS=-r\n" in (root / "etc/iplik-kiosk/session.env").read_text()
    rule = (root / "etc/udev/rules.d/99-iplik-touchscreen.rules").read_text()
    assert 'ENV{LIBINPUT_CALIBRATION_MATRIX}="0 1 0 -1 0 1"' in rule
    off = (root / "etc/systemd/system/iplik-screen-off.timer.d/time.conf").read_text()
    assert "OnCalendar=\nOnCalendar=*-*-* 20:15:00" in off
    assert "OnCalendar=*-*-* 02:45:00" in (root / "etc/systemd/system/iplik-restart.timer.d/time.conf").read_text()
    assert not (root / "etc/systemd/system/iplik-screen-on.timer.d").exists()


def test_enrolled_with_the_server_and_the_database_created(provisioned, engine):
    root, run = provisioned
    device = json.loads((root / "var/lib/iplik-kiosk/device.json").read_text())
    me = next(r for r in fleet(engine) if r.id == device["device_id"])
    assert me.name == "Kiosk Lobi Samsat" and me.office == "Samsat Mataram" and not me.revoked
    assert "Kiosk database ready" in run.stdout
    # System changes are only said, never done, under --root.
    for line in ("would run: useradd --system", "would run: systemctl enable iplik-kiosk.service",
                 "iplik-screen-on.timer iplik-screen-schedule.timer iplik-restart.timer",
                 "would run: systemctl start iplik-screen-off.timer iplik-screen-on.timer iplik-screen-schedule.timer",
                 "would run: lpadmin -p KioskReceipt -E -v ipp://printer.local/ipp/print -m everywhere"):
        assert line in run.stdout


def test_a_second_run_changes_nothing(provisioned, source_tree, builder):
    root, _run = provisioned
    before = snapshot(root)
    again = provision(root, source_tree, builder)  # no options: keeps rotation, times, config, enrollment
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing needed changing" in again.stdout
    assert "already enrolled" in again.stdout
    assert snapshot(root) == before


def test_dry_run_changes_nothing(provisioned, source_tree, builder):
    root, _run = provisioned
    before = snapshot(root)
    run = provision(root, source_tree, builder, "--dry-run", "--rotate", "180", "--screen-on", "07:00",
                    "--name", "Other", version="B")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "would set kiosk.name = Other" in run.stdout
    assert "would write /etc/systemd/system/iplik-screen-on.timer.d/time.conf" in run.stdout
    assert snapshot(root) == before


def test_dry_run_on_a_bare_root_creates_nothing(tmp_path, source_tree, builder):
    root = tmp_path / "bare"
    run = provision(root, source_tree, builder, "--dry-run", "--server", "https://iplik.example", "--code", "X")
    assert run.returncode == 0, run.stdout + run.stderr
    assert not root.exists()
    assert "would create /var/lib/iplik-kiosk/ (0750 iplik:iplik)" in run.stdout
    assert "would write /etc/iplik-kiosk/config.toml (0640 root:iplik)" in run.stdout


@pytest.mark.parametrize("args, message", [
    (("--paper-width", "70"), "--paper-width must be 58 or 80"),
    (("--screen-off", "25:00"), "times are HH:MM"),
    (("--printer-uri", "usb://Generic/Receipt"), "needs its driver"),
    (("--code", "ABCD"), "--code needs --server"),
    (("--rotate", "45"), "--rotate must be"),
])
def test_bad_options_stop_before_anything_is_written(tmp_path, source_tree, builder, args, message):
    root = tmp_path / "root"
    run = provision(root, source_tree, builder, *args)
    assert run.returncode != 0 and message in run.stderr
    assert not root.exists()
