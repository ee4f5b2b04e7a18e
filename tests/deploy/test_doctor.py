"""kiosk doctor against a healthy kiosk (a real central server, an enrolled kiosk, a fake /dev and /sys
with a screen and a touchscreen) and against each failure it reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from central.serverkit import enroll, free_port
from kiosk.central.devices import revoke
from kiosk.cli import main
from kiosk.cli.deploy import set_key
from kiosk.domain.pin import hash_pin
from kiosk.store.db import Store
from kiosk.sync import device

from .conftest import REPO


def write_config(tmp_path, *, url: str = "", backend: str = "pdf", extra: str = ""):
    text = (REPO / "config.toml").read_text()
    for section, key, literal in [
        ("kiosk", "data_dir", json.dumps(str(tmp_path / "data"))),
        ("server", "url", json.dumps(url)),
        ("server", "timeout_s", "5.0"),
        ("printer", "backend", json.dumps(backend)),
        ("printer", "queue", '"NoSuchQueueForDoctorTest"'),
        ("admin", "pin_hash", json.dumps(hash_pin("135790"))),
    ]:
        text = set_key(text, section, key, literal)
    path = tmp_path / "config.toml"
    path.write_text(text + extra)
    return path


def fake_sysroot(root, *, screen: bool = True, touch: bool = True, session: bool = True):
    """/dev, /sys and /run as a kiosk with a screen and a touchscreen shows them."""
    (root / "dev/dri").mkdir(parents=True)
    (root / "dev/dri/card0").touch()
    drm = root / "sys/class/drm/card0-HDMI-A-1"
    drm.mkdir(parents=True)
    (drm / "status").write_text("connected\n" if screen else "disconnected\n")
    (root / "dev/input/by-path").mkdir(parents=True)
    for n, (name, props) in enumerate([("Power Button", "0"), ("ILITEK ILITEK-TP", "2" if touch else "0")]):
        ev = root / f"sys/class/input/event{n}/device"
        ev.mkdir(parents=True)
        (ev / "name").write_text(name + "\n")
        (ev / "properties").write_text(props + "\n")
        (root / f"dev/input/by-path/platform-usb-0:{n}-event").touch()
    if session:
        (root / "run/user/999").mkdir(parents=True)
        (root / "run/user/999/wayland-0").touch()
    return root


def doctor(config, *args) -> tuple[int, dict]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(config), "--json", "doctor", *map(str, args)])
    report = json.loads(out.getvalue())
    return code, report


def statuses(report) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def check(report, name) -> dict:
    return next(c for c in report["checks"] if c["name"] == name)


@pytest.fixture
def kiosk(tmp_path, server, engine):
    """A kiosk with a database and an enrollment at the real server."""
    config = write_config(tmp_path, url=server.url)
    from kiosk.config import load_config

    cfg = load_config(config)
    Store(cfg.db_path).close()
    cred = enroll(server, engine)
    device.save(cfg, server=server.url, device_id=cred.device_id, token=cred.token, office="Kantor Gubernur",
                agency_id="bappenda", identity_public_key=cred.identity_public_key)
    sysroot = fake_sysroot(tmp_path / "sys")
    return config, cfg, cred, sysroot


def test_a_healthy_kiosk(kiosk):
    config, _cfg, cred, sysroot = kiosk
    code, report = doctor(config, "--sysroot", sysroot)
    assert code == 0, report
    assert report["ok"] is True
    st = statuses(report)
    assert st == {"config": "warn", "disk": "ok", "database": "ok", "outbox": "ok", "display": "ok", "touch": "ok",
                  "services": "skip", "printer": "warn", "paper": "skip", "server": "ok", "token": "ok", "clock": "ok",
                  "sealing": "ok"}
    assert "printer.backend is pdf" in check(report, "config")["message"]
    assert cred.device_id in check(report, "token")["message"]
    assert "ILITEK" in check(report, "touch")["message"] and "HDMI-A-1" in check(report, "display")["message"]
    # Indonesian first, English second.
    assert check(report, "server")["message"].startswith("Server pusat http://127.0.0.1:")
    assert " / The central server" in check(report, "server")["message"]


def test_the_command_prints_a_readable_report_and_exit_status(kiosk):
    config, _cfg, _cred, sysroot = kiosk
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), "doctor", "--sysroot", str(sysroot)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[  OK ] database  Basis data" in run.stdout and "Siap melayani" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), "doctor",
                          "--sysroot", str(sysroot), "--disk-fail-mb", str(10**9)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 1
    assert "[ FAIL] disk" in bad.stdout and "-> Kosongkan ruang" in bad.stdout


def test_server_down(kiosk, tmp_path):
    _config, _cfg, _cred, sysroot = kiosk
    config = write_config(tmp_path, url=f"http://127.0.0.1:{free_port()}")
    code, report = doctor(config, "--sysroot", sysroot)
    assert code == 1
    st = statuses(report)
    assert (st["server"], st["token"], st["clock"]) == ("fail", "skip", "skip")
    assert "cannot be reached" in check(report, "server")["message_en"]


def test_revoked_token(kiosk, engine):
    config, _cfg, cred, sysroot = kiosk
    assert revoke(engine, cred.device_id)
    code, report = doctor(config, "--sysroot", sysroot)
    assert code == 1
    token = check(report, "token")
    assert token["status"] == "fail" and "401.3" in token["message"]
    assert "enroll again" in token["hint"]
    assert statuses(report)["server"] == "ok"


def test_not_enrolled(kiosk):
    config, cfg, _cred, sysroot = kiosk
    device.path_for(cfg).unlink()
    code, report = doctor(config, "--sysroot", sysroot)
    assert code == 1 and check(report, "token")["status"] == "fail"
    assert "not enrolled" in check(report, "token")["message_en"]


def test_offline_kiosk_without_a_server_is_only_a_warning(tmp_path):
    config = write_config(tmp_path, url="")
    code, report = doctor(config, "--no-hardware")
    assert code == 0
    st = statuses(report)
    assert (st["server"], st["token"], st["clock"]) == ("warn", "skip", "skip")


class SkewedHandler(BaseHTTPRequestHandler):
    """A central server look-alike whose clock is ``skew`` seconds off."""

    skew = 0.0

    def date_time_string(self, timestamp=None):
        return formatdate(time.time() + self.skew, usegmt=True)

    def do_GET(self):
        body = {"ok": True, "version": "x", "database": "sqlite"}
        if self.path.startswith("/api/v1/sync/complaints"):
            body = {"cursor": "0", "updates": [], "more": False}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("skew, expected, words", [
    (3600, "fail", "s behind"),
    (-120, "warn", "s ahead of"),
    (0, "ok", "agrees"),
])
def test_clock_skew_against_the_servers_date_header(tmp_path, skew, expected, words):
    handler = type("Handler", (SkewedHandler,), {"skew": skew})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        config = write_config(tmp_path, url=url)
        from kiosk.config import load_config

        device.save(load_config(config), server=url, device_id="dev-1", token="t" * 43, office="x", agency_id="y")
        code, report = doctor(config, "--no-hardware")
    finally:
        httpd.shutdown()
        httpd.server_close()
    clock = check(report, "clock")
    assert clock["status"] == expected and words in clock["message_en"], clock
    assert abs(clock["details"]["skew_s"] - skew) <= 1.5  # a Date header has whole seconds
    assert statuses(report)["token"] == "ok"
    assert code == (1 if expected == "fail" else 0)


def test_corrupt_database(kiosk):
    config, cfg, _cred, sysroot = kiosk
    data = bytearray(cfg.db_path.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xa5" * 4096  # the second page: a table's b-tree, now garbage
    cfg.db_path.write_bytes(bytes(data))
    code, report = doctor(config, "--sysroot", sysroot, "--no-network")
    assert code == 1
    db = check(report, "database")
    assert db["status"] == "fail" and "damaged" in db["message_en"] and "backups" in db["hint"]


def test_a_file_that_is_not_a_database(kiosk):
    config, cfg, _cred, _sysroot = kiosk
    cfg.db_path.write_bytes(b"this is not SQLite at all" * 100)
    code, report = doctor(config, "--quick")
    assert code == 1 and check(report, "database")["status"] == "fail"


@pytest.mark.parametrize("flag, expected", [("--disk-fail-mb", "fail"), ("--disk-warn-mb", "warn")])
def test_disk_thresholds(kiosk, flag, expected):
    config, *_ = kiosk
    code, report = doctor(config, "--quick", flag, 10**9)
    assert check(report, "disk")["status"] == expected
    assert code == (1 if expected == "fail" else 0)


def test_bad_config(tmp_path):
    config = write_config(tmp_path, extra="\n[printer]\nwidth = 80\n")
    code, report = doctor(config)
    assert code == 1
    st = statuses(report)
    assert st["config"] == "fail" and "is not valid TOML" in check(report, "config")["message_en"]
    assert all(st[n] == "skip" for n in ("disk", "database", "printer", "server"))
    config.write_text(set_key(config.read_text().split("\n[printer]\nwidth")[0], "kiosk", "colour", '"blue"'))
    code, report = doctor(config, "--quick")
    assert code == 1 and "kiosk.colour is not a known key" in check(report, "config")["message_en"]


def test_missing_hardware(kiosk, tmp_path):
    config, *_ = kiosk
    empty = tmp_path / "empty"
    empty.mkdir()
    code, report = doctor(config, "--sysroot", empty, "--no-network")
    assert code == 1
    assert check(report, "display")["status"] == "fail" and "/dev/dri" in check(report, "display")["message_en"]
    assert check(report, "touch")["status"] == "fail"
    no_touch = fake_sysroot(tmp_path / "notouch", touch=False, session=False)
    _code, report = doctor(config, "--sysroot", no_touch, "--no-network")
    assert check(report, "touch")["status"] == "fail"
    assert check(report, "display")["status"] == "warn"  # a screen, but the kiosk session is not running
    dark = fake_sysroot(tmp_path / "dark", screen=False)
    _code, report = doctor(config, "--sysroot", dark, "--no-network")
    assert check(report, "display")["status"] == "fail" and "No screen" in check(report, "display")["message_en"]


def test_a_printer_queue_that_cannot_print(tmp_path):
    config = write_config(tmp_path, backend="cups")
    code, report = doctor(config, "--no-hardware", "--no-network")
    assert code == 1
    printer = check(report, "printer")
    assert printer["status"] == "fail", printer  # CUPS down or no such queue: either way nothing prints


def test_quick_checks_only_what_needs_no_hardware_or_network(kiosk):
    config, *_ = kiosk
    code, report = doctor(config, "--quick")
    assert code == 0
    assert [c["name"] for c in report["checks"]] == ["config", "disk", "database"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to read a database as its owner")
def test_root_reads_the_kiosk_users_database_as_that_user(tmp_path):
    """`sudo kiosk doctor` must not leave root-owned -wal/-shm files that lock the kiosk user out."""
    import pwd
    import shutil
    import tempfile

    nobody = pwd.getpwnam("nobody")
    top = tempfile.mkdtemp(prefix="iplik-doctor-")  # /tmp itself: the kiosk user can get in
    try:
        os.chmod(top, 0o755)
        from pathlib import Path

        config = write_config(Path(top))
        os.chmod(config, 0o644)
        from kiosk.config import load_config

        cfg = load_config(config)
        store = Store(cfg.db_path)
        store.close()
        for p in [cfg.data_dir, *cfg.data_dir.iterdir()]:
            os.chown(p, nobody.pw_uid, nobody.pw_gid)
        os.chmod(cfg.data_dir, 0o700)
        code, report = doctor(config, "--no-hardware", "--no-network")
        assert check(report, "database")["status"] == "ok", report
        assert check(report, "outbox")["status"] == "ok"
        assert all(p.stat().st_uid == nobody.pw_uid for p in cfg.data_dir.iterdir())

        # The mechanism: whatever the check creates in the data folder belongs to the kiosk user.
        from kiosk import doctor as doc

        def probe():
            (cfg.data_dir / "probe").write_text("x")
            return [doc.Check("database", doc.OK, "probe")]

        assert doc._as_owner((nobody.pw_uid, nobody.pw_gid), probe)[0].status == "ok"
        assert (cfg.data_dir / "probe").stat().st_uid == nobody.pw_uid
        with pytest.raises(RuntimeError, match="PermissionError"):
            doc._as_owner((nobody.pw_uid, nobody.pw_gid), lambda: [Path("/root/forbidden").write_text("x")])
    finally:
        shutil.rmtree(top, ignore_errors=True)
