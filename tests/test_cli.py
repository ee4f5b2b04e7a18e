"""The `kiosk` command in subprocesses, as a script or a staff member uses it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COMPLAINT = {
    "class": "pengaduan",
    "topic": "pungli",
    "agency_id": "bappenda",
    "description": "Saya dimintai uang Rp50.000 oleh petugas loket agar STNK cepat selesai.",
    "privacy": "biasa",
    "identity": {"name": "Baiq Nurul", "phone": "0812-3456-7890"},
    "consent_version": "pdp-2026-11",
}
SURVEY = {"service_id": "bappenda-pkb", "answers": {f"U{i}": 4 if i % 2 else 3 for i in range(1, 10)}}


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--data-dir", str(data_dir), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def kiosk_dir(tmp_path, tiny_catalog):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(tiny_catalog), encoding="utf-8")
    data = tmp_path / "data"
    done = run(data, "init", "--catalog", str(catalog))
    assert done.returncode == 0, done.stderr
    return data


def rows(data: Path, table: str) -> int:
    with sqlite3.connect(data / "kiosk.db") as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_search_and_show(kiosk_dir):
    out = run(kiosk_dir, "--json", "catalog", "search", "stnk")
    assert out.returncode == 0
    assert [h["service_id"] for h in json.loads(out.stdout)] == ["bappenda-pkb"]
    shown = run(kiosk_dir, "catalog", "show", "dinkes-rujukan")
    assert "Persyaratan" in shown.stdout and "Fotokopi KTP" in shown.stdout and "Dasar hukum" in shown.stdout
    missing = run(kiosk_dir, "catalog", "show", "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr


def test_file_track_receipt(kiosk_dir, tmp_path):
    filed = run(kiosk_dir, "complaint", "file", "--json", "-", stdin=json.dumps(COMPLAINT))
    assert filed.returncode == 0, filed.stderr
    answer = json.loads(filed.stdout)
    assert answer["status"] == "received_at_kiosk" and len(answer["tracking_code"]) == 13
    assert rows(kiosk_dir, "complaints") == 1 and rows(kiosk_dir, "outbox") == 1
    # Typed sloppily, as a citizen would read it off the receipt.
    sloppy = answer["tracking_code"].replace("-", " ").lower()
    shown = run(kiosk_dir, "--json", "complaint", "show", sloppy)
    assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "received_at_kiosk"
    pdf = tmp_path / "r.pdf"
    done = run(kiosk_dir, "receipt", answer["tracking_code"], "--out", str(pdf))
    assert done.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_rating_and_ikm(kiosk_dir):
    assert run(kiosk_dir, "rating", "add", "--json", "-", stdin=json.dumps(SURVEY)).returncode == 0
    quick = run(kiosk_dir, "rating", "add", "--json", "-", stdin=json.dumps({"service_id": "bappenda-pkb", "face": 1}))
    assert quick.returncode == 0 and json.loads(quick.stdout)["kind"] == "quick"
    result = json.loads(run(kiosk_dir, "--json", "ikm", "--service", "bappenda-pkb").stdout)
    # U1,U3,U5,U7,U9 = 4 and the rest 3: (5*4 + 4*3) / 9 * 25 = 88.888... -> 88.89, band A. The quick
    # rating's single angry face must not move it.
    assert result["score"] == 88.89 and result["band"]["mutu"] == "A" and result["respondents"] == 1


@pytest.mark.parametrize(
    "stdin, field",
    [
        ("{not json", None),
        ("[1, 2]", None),
        (json.dumps({**COMPLAINT, "description": "pendek"}), "description"),
        (json.dumps({**COMPLAINT, "agency_id": "ghost"}), "agency_id"),
        (json.dumps({**COMPLAINT, "service_id": "dinkes-lab"}), "service_id"),  # another agency's service
        (json.dumps({**COMPLAINT, "identity": {"name": "Baiq", "nik": "123"}}), "identity"),
        (json.dumps({**COMPLAINT, "colour": "red"}), "colour"),
    ],
)
def test_bad_complaints_exit_2_and_write_nothing(kiosk_dir, stdin, field):
    done = run(kiosk_dir, "--json", "complaint", "file", "--json", "-", stdin=stdin)
    assert done.returncode == 2, done.stderr
    err = json.loads(done.stderr)
    assert err["error"] == "invalid_input" and " / " in err["message"]  # Indonesian / English
    if field:
        assert (err["field"] or "").startswith(field)
    assert rows(kiosk_dir, "complaints") == 0 and rows(kiosk_dir, "outbox") == 0


def test_missing_input_file(kiosk_dir):
    done = run(kiosk_dir, "complaint", "file", "--json", "/no/such.json")
    assert done.returncode == 2 and "/no/such.json" in done.stderr


def test_mistyped_code_is_caught_by_the_check_character(kiosk_dir):
    filed = json.loads(run(kiosk_dir, "complaint", "file", "--json", "-", stdin=json.dumps(COMPLAINT)).stdout)
    code = filed["tracking_code"]
    swapped = code[1] + code[0] + code[2:]
    if swapped == code:
        pytest.skip("first two symbols equal")
    done = run(kiosk_dir, "complaint", "show", swapped)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_corrupt_config_names_file_and_key(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[printer]\nbackend = 'laser'\n")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "status"], capture_output=True, text=True
    )
    assert done.returncode == 2 and str(cfg) in done.stderr and "printer.backend" in done.stderr


def test_every_command_has_help():
    from kiosk.cli import build_parser

    def walk(parser, path=()):
        for action in parser._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    assert helps.get(name), f"`kiosk {' '.join((*path, name))}` has no help text"
                    yield from walk(sub, (*path, name))
        yield path

    commands = list(walk(build_parser()))
    assert len(commands) > 10


def test_run_parses_without_loading_every_command(tmp_path):
    """`kiosk run` is how the kiosk starts: it must not import the store, the PDF code or the server first."""
    code = (
        "import sys\n"
        "from kiosk.cli import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('kiosk.actions', 'kiosk.central', 'kiosk.store', 'reportlab', 'fastapi') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "--exit-when-ready" in out.stdout


def test_hash_pin_refuses_an_easy_pin_as_the_server_does(tmp_path):
    easy = run(tmp_path, "admin", "hash-pin", stdin="123456\n")
    assert easy.returncode == 2, easy.stderr
    assert "Traceback" not in easy.stderr
    good = run(tmp_path, "admin", "hash-pin", stdin="739204\n")
    assert good.returncode == 0 and "pin_hash = \"scrypt$" in good.stdout
