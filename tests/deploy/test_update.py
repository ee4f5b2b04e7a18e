"""update.sh in a staging root: a release that cannot start, or cannot migrate the database, is refused
before the switch; one that fails once it runs is rolled back; a good one is switched to, and
--rollback goes back. Every test starts and ends on release A.

Database migrations from every released schema step are tested in tests/test_store_records.py
(test_upgrades_from_every_earlier_step); here the new release migrates a copy of the live database.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import textwrap

import pytest

from .conftest import provision, run_script


@pytest.fixture(scope="module")
def root(tmp_path_factory, source_tree, builder):
    root = tmp_path_factory.mktemp("update") / "root"
    run = provision(root, source_tree, builder, version="A")
    assert run.returncode == 0, run.stdout + run.stderr
    return root


STAND_IN = textwrap.dedent(
    """
    # Stands in for `systemctl restart iplik-sync iplik-kiosk` with Type=notify: start the app as the
    # unit does (without cage, in an offscreen window) with a NOTIFY_SOCKET of our own, and succeed
    # once it says READY=1 and pings the watchdog, as systemd would; fail when it exits first.
    import os, socket, subprocess, sys, time

    root, release, log = os.environ["IPLIK_ROOT"], os.environ["IPLIK_RELEASE"], sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\\0iplik-stand-in-%d" % os.getpid()
    sock.bind(addr)
    env = {**os.environ, "NOTIFY_SOCKET": "@" + addr[1:], "WATCHDOG_USEC": "3000000",
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_HOME": os.path.join(os.path.dirname(log), "kivy")}
    with open(log, "ab") as out:
        app = subprocess.Popen([release + "/.venv/bin/kiosk", "--config", root + "/etc/iplik-kiosk/config.toml",
                                "--data-dir", root + "/var/lib/iplik-kiosk", "run", "--windowed"],
                               env=env, stdout=out, stderr=out)
    seen, deadline = set(), time.monotonic() + 60
    try:
        while not {"READY=1", "WATCHDOG=1"} <= seen and time.monotonic() < deadline and app.poll() is None:
            sock.settimeout(0.2)
            try:
                seen.update(sock.recv(4096).decode().splitlines())
            except TimeoutError:
                pass
    finally:
        app.kill()
        app.wait()
    up = {"READY=1", "WATCHDOG=1"} <= seen
    print("stand-in systemd:", "READY=1 and a watchdog ping" if up else "the app did not come up")
    sys.exit(0 if up else 1)
    """
)


@pytest.fixture(scope="module")
def restart_cmd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("restart")
    (tmp / "stand_in.py").write_text(STAND_IN)
    path = tmp / "restart"
    path.write_text(f"#!/bin/sh\nexec {sys.executable} {tmp / 'stand_in.py'} {tmp / 'app.log'}\n")
    path.chmod(0o755)
    return path


def variant(source_tree, tmp_path, name, file, old, new):
    src = tmp_path / name
    shutil.copytree(source_tree, src)
    path = src / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return src


def update(root, source, builder, version, *args):
    return run_script("update.sh", "--root", root, "--from", source, "--version", version, "--builder", builder, *args)


def current(root) -> str:
    return str((root / "opt/iplik-kiosk/current").readlink())


def releases(root) -> set[str]:
    return {p.name for p in (root / "opt/iplik-kiosk/releases").iterdir()}


def migrations(root) -> list[str]:
    with sqlite3.connect(root / "var/lib/iplik-kiosk/kiosk.db") as conn:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]


def test_a_release_whose_kiosk_cannot_start_is_refused_before_the_switch(root, source_tree, builder, tmp_path):
    src = variant(source_tree, tmp_path, "b", "kiosk/cli/__init__.py", "EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2",
                  'raise ImportError("release B was built without a module it needs")')
    run = update(root, src, builder, "B")
    assert run.returncode == 1
    assert "release B is broken; nothing was changed" in run.stderr and "without a module it needs" in run.stderr
    assert current(root) == "releases/A" and "B" not in releases(root)


def test_a_release_whose_migration_fails_is_refused_on_a_copy_of_the_database(root, source_tree, builder, tmp_path):
    src = variant(source_tree, tmp_path, "d", "kiosk/store/schema.py", "MIGRATIONS = Migrations(\"iplik-kiosk\")\n",
                  "MIGRATIONS = Migrations(\"iplik-kiosk\")\n\n\n@MIGRATIONS()\ndef m000_broken(db):\n"
                  "    raise RuntimeError(\"this migration is broken\")\n")
    before = migrations(root)
    run = update(root, src, builder, "D")
    assert run.returncode == 1
    assert "failed on a copy of the database" in run.stderr and "stopped before the switch" in run.stderr
    assert current(root) == "releases/A" and "D" not in releases(root)
    assert migrations(root) == before  # the live database was never touched
    assert any(p.name.endswith("-before-D.db") for p in (root / "var/lib/iplik-kiosk/backups").iterdir())


@pytest.mark.ui
def test_a_release_that_fails_once_it_runs_is_rolled_back(root, source_tree, builder, restart_cmd, tmp_path):
    src = variant(source_tree, tmp_path, "c", "kiosk/ui/main.py", "    fullscreen = cfg.ui.fullscreen and not windowed\n",
                  "    raise RuntimeError(\"release C cannot open its window\")\n")
    run = update(root, src, builder, "C", "--restart-cmd", restart_cmd)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Switching to C" in run.stdout and "Rolling back to A" in run.stdout
    assert "C did not come up" in run.stderr
    assert "stand-in systemd: the app did not come up" in run.stdout
    # A, restarted, says READY=1 and pings the watchdog from its UI loop (kiosk/ui/app.py).
    assert "stand-in systemd: READY=1 and a watchdog ping" in run.stdout and "rolled back to A" in run.stdout
    assert current(root) == "releases/A"
    assert not (root / "opt/iplik-kiosk/previous").exists()  # a failed release never becomes "previous"


def test_a_good_update_switches_and_rollback_goes_back(root, source_tree, builder, tmp_path):
    src = variant(source_tree, tmp_path, "e", "config.toml", "# iPLiK Kiosk: configuration of one kiosk.",
                  "# iPLiK Kiosk: configuration of one kiosk (release E).")
    run = update(root, src, builder, "E")
    assert run.returncode == 0, run.stdout + run.stderr
    assert current(root) == "releases/E" and str((root / "opt/iplik-kiosk/previous").readlink()) == "releases/A"
    assert "would run: systemctl restart iplik-sync.service iplik-kiosk.service" in run.stdout
    assert "the kiosk runs E" in run.stdout

    again = update(root, src, builder, "E")
    assert again.returncode == 0 and "E is already the current release" in again.stdout

    status = run_script("update.sh", "--root", root, "--status")
    assert "current:  releases/E" in status.stdout and "previous: releases/A" in status.stdout

    back = run_script("update.sh", "--root", root, "--rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert current(root) == "releases/A" and str((root / "opt/iplik-kiosk/previous").readlink()) == "releases/E"
