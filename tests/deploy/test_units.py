"""The shell scripts pass shellcheck; systemd-analyze verify accepts the units as provision.sh lays them
down; the kiosk unit has the watchdog, restart and hardening settings; screen-power switches a backlight."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import DEPLOY, provision

SCRIPTS = sorted(DEPLOY.glob("*.sh"))


def unit_values(path: Path) -> dict[str, list[str]]:
    """key -> every value it is given (systemd keys may repeat), comments and sections dropped."""
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_shellcheck_is_clean():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck; deploy/dev-system-deps.sh does it)")
    run = subprocess.run(["shellcheck", "-x", *map(str, SCRIPTS)], capture_output=True, text=True, cwd=DEPLOY.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {p.name for p in SCRIPTS} >= {"provision.sh", "update.sh", "lib.sh", "screen-power.sh", "dev-system-deps.sh"}


@pytest.fixture(scope="module")
def staged_root(tmp_path_factory, source_tree, builder):
    root = tmp_path_factory.mktemp("units") / "root"
    run = provision(root, source_tree, builder, "--screen-on", "07:00", "--restart-at", "01:30")
    assert run.returncode == 0, run.stdout + run.stderr
    return root


def test_systemd_analyze_verify_accepts_the_laid_down_units(staged_root):
    """verify --root checks the units as a kiosk would load them, drop-ins included. The staging root
    needs systemd's own units (for sysinit.target and friends) and the programs ExecStart names that
    provision.sh does not install (cage and systemctl come from Debian packages): empty stand-ins."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    root = staged_root
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True)
    for exe in ("usr/bin/cage", "bin/systemctl"):
        (root / exe).parent.mkdir(parents=True, exist_ok=True)
        (root / exe).write_text("#!/bin/sh\n")
        (root / exe).chmod(0o755)
    units = sorted(str(p) for p in (root / "etc/systemd/system").glob("iplik-*") if p.is_file())
    assert len(units) == 10
    run = subprocess.run(["systemd-analyze", "verify", f"--root={root}", *units], capture_output=True, text=True,
                         timeout=60)
    # verify exits 0 on unknown keys and only warns: any output at all is a finding.
    assert run.returncode == 0 and run.stdout.strip() == "" and run.stderr.strip() == "", run.stdout + run.stderr


def test_systemd_analyze_verify_on_the_bare_unit_files(tmp_path):
    """The unit files alone, in a temp folder: the only complaints allowed are the programs that a
    kiosk has and this machine does not (cage, the app, the screen helper)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    for p in (DEPLOY / "systemd").glob("iplik-*"):
        shutil.copy(p, tmp_path / p.name)
    run = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    lines = [ln for ln in (run.stdout + run.stderr).splitlines() if ln.strip()]
    assert all("is not executable: No such file or directory" in ln for ln in lines), lines


def test_the_kiosk_unit_is_watched_restarted_and_hardened():
    v = unit_values(DEPLOY / "systemd/iplik-kiosk.service")
    exec_start = v["ExecStart"][0]
    assert exec_start.startswith("/usr/bin/cage ") and exec_start.endswith(
        "-- /opt/iplik-kiosk/current/.venv/bin/kiosk --config /etc/iplik-kiosk/config.toml run")
    expected = {"Type": "notify", "WatchdogSec": "30", "NotifyAccess": "all", "Restart": "always", "User": "iplik",
                "PAMName": "login", "TTYPath": "/dev/tty1", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                "ProtectHome": "yes", "PrivateTmp": "yes", "StartLimitIntervalSec": "0"}
    assert {k: v[k][-1] for k in expected} == expected
    assert "/var/lib/iplik-kiosk" in v["ReadWritePaths"]
    assert "LogRateLimitIntervalSec" in v and "LogRateLimitBurst" in v
    assert v["Conflicts"] == ["getty@tty1.service"]


def test_sync_runs_on_its_own():
    v = unit_values(DEPLOY / "systemd/iplik-sync.service")
    assert v["ExecStart"] == ["/opt/iplik-kiosk/current/.venv/bin/kiosk --config /etc/iplik-kiosk/config.toml sync --watch"]
    # Not tied to the app: no Requires/BindsTo/PartOf on iplik-kiosk.service.
    assert not any("iplik-kiosk" in " ".join(v.get(k, [])) for k in ("Requires", "BindsTo", "PartOf", "Requisite"))
    assert v["Restart"] == ["always"] and v["User"] == ["iplik"]


def test_timers_have_their_default_times_and_the_drop_ins_override_them(staged_root):
    assert unit_values(DEPLOY / "systemd/iplik-screen-off.timer")["OnCalendar"] == ["*-*-* 21:00:00"]
    assert unit_values(DEPLOY / "systemd/iplik-screen-on.timer")["OnCalendar"] == ["*-*-* 06:30:00"]
    assert unit_values(DEPLOY / "systemd/iplik-restart.timer")["OnCalendar"] == ["*-*-* 03:00:00"]
    dropin = unit_values(staged_root / "etc/systemd/system/iplik-screen-on.timer.d/time.conf")
    assert dropin["OnCalendar"] == ["", "*-*-* 07:00:00"]
    if shutil.which("systemd-analyze"):
        run = subprocess.run(["systemd-analyze", "calendar", "*-*-* 07:00:00"], capture_output=True, text=True)
        assert run.returncode == 0


def test_screen_power_switches_the_backlight(tmp_path):
    bl = tmp_path / "class/backlight/10-0045"
    bl.mkdir(parents=True)
    (bl / "bl_power").write_text("0\n")
    env = {"PATH": "/usr/bin:/bin", "SCREEN_SYSFS": str(tmp_path)}
    script = str(DEPLOY / "screen-power.sh")
    off = subprocess.run(["bash", script, "off"], capture_output=True, text=True, env=env)
    assert off.returncode == 0 and (bl / "bl_power").read_text().strip() == "4", off.stdout + off.stderr
    on = subprocess.run(["bash", script, "on"], capture_output=True, text=True, env=env)
    assert on.returncode == 0 and (bl / "bl_power").read_text().strip() == "0"
    # Nothing to switch: said, and not an error (a screen left on is not a fault).
    none = subprocess.run(["bash", script, "off"], capture_output=True, text=True,
                          env={**env, "SCREEN_SYSFS": str(tmp_path / "nothing")})
    assert none.returncode == 0 and "no way to switch this screen off" in none.stdout
    assert subprocess.run(["bash", script, "sideways"], capture_output=True, env=env).returncode == 2
