"""A staff PIN set centrally reaches the kiosks of that office with the catalog pull (issue 12, item 13).

End to end with real parts: the central server in a subprocess (SQLite and PostgreSQL), the
``kiosk central office pin`` command in its own process reading the PIN from standard input, a kiosk
store on disk and its sync worker; the PIN is then tried as the PIN screen tries it (kiosk.store.staff_pin).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import requests
import sqlalchemy as sa
from central.serverkit import database_url, enroll, pg_missing_reason, start_server
from central.staffkit import DEFAULT_PASSWORD, make_user

from kiosk.central.db import audit_log, office_settings
from kiosk.store import staff_pin
from kiosk.store.db import Store
from kiosk.sync import wire
from kiosk.sync.worker import SyncWorker

from .conftest import enroll_kiosk, kiosk_config

OFFICE = "Kantor Gubernur"  # the office enroll_kiosk enrolls into
CONFIG_PIN = "246810"  # the demo PIN of the repository's config.toml
NEW_PIN = "735194"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pin_server(request, tmp_path_factory):
    if request.param == "postgres" and (reason := pg_missing_reason()):
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp(f"central-pin-{request.param}")
    s = start_server(database_url(request.param, tmp), tmp)
    engine = s.engine()
    make_user(engine, "teknisi", "technician")
    make_user(engine, "pembaca", "viewer")
    yield s, engine
    engine.dispose()
    s.stop()


def _argv(server, tmp_path, args, user: str) -> list[str]:
    return ["--data-dir", str(tmp_path / "cli"), "--json", "central", "office", "pin", "--db", server.db_url,
            "--user", user, *args]


def office_pin(server, tmp_path, *args: str, user: str = "teknisi", stdin: str = "") -> subprocess.CompletedProcess:
    """The command in its own process, the PIN on its standard input (as a script gives it)."""
    env = {**os.environ, "IPLIK_STAFF_PASSWORD": DEFAULT_PASSWORD}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *_argv(server, tmp_path, args, user)],
                          input=stdin, capture_output=True, text=True, timeout=60, env=env, check=False)


def office_pin_here(capsys, monkeypatch, server, tmp_path, *args: str, user: str = "teknisi", stdin: str = ""):
    """The same command run in this process (a new Python costs seconds on a loaded machine): (code, err)."""
    from kiosk.cli import main

    monkeypatch.setenv("IPLIK_STAFF_PASSWORD", DEFAULT_PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = main(_argv(server, tmp_path, args, user))
    return code, capsys.readouterr().err


def test_a_pin_set_on_the_server_opens_the_kiosk_and_the_old_one_no_longer_does(pin_server, tmp_path, capsys, monkeypatch):
    server, engine = pin_server
    cfg = kiosk_config(tmp_path / "kiosk", server.url)
    enroll_kiosk(cfg, server, engine)
    store = Store(cfg.db_path)
    try:
        assert staff_pin.attempt(store, cfg.admin, CONFIG_PIN).ok  # before: config.toml's PIN

        done = office_pin(server, tmp_path, "--office", OFFICE, stdin=NEW_PIN + "\n")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["kiosks"] >= 1

        SyncWorker(cfg, store=store).run_once()
        check = staff_pin.attempt(store, cfg.admin, NEW_PIN)
        assert check.ok and check.source == staff_pin.SOURCE_SERVER
        assert not staff_pin.attempt(store, cfg.admin, CONFIG_PIN).ok

        # Cleared on the server: the next pull puts config.toml's PIN back.
        code, err = office_pin_here(capsys, monkeypatch, server, tmp_path, "--office", OFFICE, "--clear")
        assert code == 0, err
        SyncWorker(cfg, store=store).run_once()
        assert staff_pin.attempt(store, cfg.admin, CONFIG_PIN).ok
        assert staff_pin.state(store, cfg.admin).source == staff_pin.SOURCE_CONFIG
    finally:
        store.close()

    # The audit rows name the office and the technician, never the PIN or its hash.
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.target == OFFICE)).mappings().all()
    assert [r["action"] for r in rows][-2:] == ["office_pin_set", "office_pin_cleared"]
    assert all(r["username"] == "teknisi" for r in rows)
    assert not any(NEW_PIN in json.dumps(dict(r), default=str) or "scrypt$" in json.dumps(dict(r), default=str)
                   for r in rows)


def test_each_kiosk_gets_only_its_own_offices_pin(pin_server, tmp_path, capsys, monkeypatch):
    server, engine = pin_server
    here = enroll(server, engine, office="Kantor Dinas Kesehatan")
    other = enroll(server, engine, office="Kantor Samsat Mataram")
    code, err = office_pin_here(capsys, monkeypatch, server, tmp_path, "--office", "Kantor Dinas Kesehatan",
                                stdin="918273\n")
    assert code == 0, err
    got = requests.get(server.url + wire.CATALOG_PATH, headers=here.headers, timeout=10).json()
    assert got["staff_pin"]["pin_hash"].startswith("scrypt$16384$8$1$")  # hashed with the kiosk's scheme
    assert "918273" not in json.dumps(got)
    assert requests.get(server.url + wire.CATALOG_PATH, headers=other.headers, timeout=10).json()["staff_pin"] is None
    assert requests.get(server.url + wire.CATALOG_PATH, timeout=10).status_code == 401


def test_the_command_refuses_a_pin_the_kiosk_rules_refuse(pin_server, tmp_path, capsys, monkeypatch):
    """The kiosk's own rules (tests/test_pin.py has the whole list), in words, exit code 2."""
    server, engine = pin_server
    for pin, said in (("1234", "PIN"), ("123456", "PIN"), ("12a456", "PIN")):
        code, err = office_pin_here(capsys, monkeypatch, server, tmp_path, "--office", "Kantor Bappeda",
                                    stdin=pin + "\n")
        assert code == 2 and said in err and "Traceback" not in err, err
    with engine.connect() as conn:
        assert conn.scalar(sa.select(office_settings.c.pin_hash).where(office_settings.c.office == "Kantor Bappeda")) is None


def test_only_administrators_and_technicians_set_it(pin_server, tmp_path, capsys, monkeypatch):
    server, _engine = pin_server
    code, err = office_pin_here(capsys, monkeypatch, server, tmp_path, "--office", "Kantor Bappeda", user="pembaca",
                                stdin=NEW_PIN + "\n")
    assert code == 2 and "role" in err, err
    code, err = office_pin_here(capsys, monkeypatch, server, tmp_path, "--office", "Kantor Bappeda", user="",
                                stdin=NEW_PIN + "\n")
    assert code == 2 and "--user" in err, err
