"""The central server's deadline-job units: systemd-analyze verify accepts them, the timer fires every
5 minutes and catches up after downtime, the service runs `kiosk central tick` once, hardened."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import DEPLOY
from .test_units import unit_values

CENTRAL = DEPLOY / "central"
SERVICE = CENTRAL / "iplik-central-tick.service"
TIMER = CENTRAL / "iplik-central-tick.timer"
KIOSK_BIN = "opt/iplik-central/current/.venv/bin/kiosk"


def need_systemd_analyze() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")


def test_verify_accepts_the_units_in_a_root_that_has_the_program(tmp_path: Path):
    """With the program ExecStart names present (a stand-in), verify must say nothing at all."""
    need_systemd_analyze()
    root = tmp_path / "root"
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    exe = root / KIOSK_BIN
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    for p in (SERVICE, TIMER):
        shutil.copy(p, units / p.name)
    run = subprocess.run(["systemd-analyze", "verify", f"--root={root}",
                          str(units / SERVICE.name), str(units / TIMER.name)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "" and run.stderr.strip() == "", run.stdout + run.stderr


def test_verify_on_the_bare_files_only_misses_the_program(tmp_path: Path):
    need_systemd_analyze()
    for p in (SERVICE, TIMER):
        shutil.copy(p, tmp_path / p.name)
    run = subprocess.run(["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    lines = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.strip()]
    assert lines and all("is not executable: No such file or directory" in ln for ln in lines), lines


def test_the_timer_runs_every_five_minutes_and_catches_up():
    v = unit_values(TIMER)
    assert v["OnCalendar"] == ["*:0/5"]
    assert v["Persistent"] == ["true"]
    assert v["WantedBy"] == ["timers.target"]
    if shutil.which("systemd-analyze"):
        run = subprocess.run(["systemd-analyze", "calendar", "--iterations=3", "*:0/5"],
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr
        minutes = [line.rsplit(":", 2)[-2] for line in run.stdout.splitlines() if "Iter." in line or "Next" in line]
        assert len(minutes) == 3 and all(int(m) % 5 == 0 for m in minutes), run.stdout


def test_the_service_runs_the_tick_once_hardened_with_the_server_settings():
    v = unit_values(SERVICE)
    assert v["ExecStart"] == [f"/{KIOSK_BIN} central tick"]
    expected = {"Type": "oneshot", "User": "iplik-central", "EnvironmentFile": "/etc/iplik-central/central.env",
                "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                "CapabilityBoundingSet": "", "SystemCallFilter": "@system-service"}
    assert {k: v[k][-1] for k in expected} == expected
    assert v["ReadWritePaths"] == ["/var/lib/iplik-central"]
    # A oneshot with no limit would let a hung SMTP server stop every later run of the timer.
    assert "TimeoutStartSec" in v
    assert "Restart" not in v  # the timer is the retry
