"""Hostile or mistyped input on the command line ends in exit 2 and words, never a traceback (issue #12, 15).

Every place the kiosk and central commands read JSON goes through one loader (kiosk.cli.load_json), and
every number through one argparse type (kiosk.cli.number). The commands run for real, in subprocesses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = '{"class": "pengaduan", "n": ' + "9" * 5000 + "}"


def kiosk(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--data-dir", str(data_dir), *args],
                          check=False, input=stdin, capture_output=True, text=True, timeout=120)


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'central.db'}"


def in_one_process(cases: list[list[str]]) -> list[tuple[int, str]]:
    """(exit code, stderr) of ``kiosk ARGS`` for each case, all in one child interpreter: the same
    main() and parser as the console script, without paying the imports twenty times."""
    driver = (
        "import contextlib, io, json, sys\n"
        "from kiosk.cli import main\n"
        "out = []\n"
        "for argv in json.loads(sys.argv[1]):\n"
        "    err = io.StringIO()\n"
        "    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            code = main(argv)\n"
        "        except SystemExit as exc:\n"
        "            code = exc.code\n"
        "        except BaseException:\n"
        "            import traceback; traceback.print_exc(file=err); code = 'crash'\n"
        "    out.append((code, err.getvalue()))\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", driver, json.dumps(cases)], check=False, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [tuple(r) for r in json.loads(done.stdout)]


def test_deep_json_on_standard_input(tmp_path):
    refused(kiosk(tmp_path, "complaint", "file", "--json", "-", stdin=DEEP),
            "bersarang terlalu dalam", "nested too deeply")


def test_a_5000_digit_integer_in_json(tmp_path):
    refused(kiosk(tmp_path, "complaint", "file", "--json", "-", stdin=HUGE_INT), "terlalu panjang", "too long")


def test_enroll_code_with_negative_hours(tmp_path, db_url):
    refused(kiosk(tmp_path, "central", "enroll-code", "--db", db_url, "--office", "Samsat Mataram",
                  "--agency", "bappenda", "--ttl-hours", "-5"), "harus lebih dari 0", "must be more than 0")


def test_every_json_reader_refuses_the_same_way(tmp_path, db_url):
    docs = {"deep": DEEP, "deep500": "[" * 500 + "]" * 500, "huge": HUGE_INT, "nan": '{"a": NaN}',
            "inf": '{"a": 1e999}'}
    for name, text in docs.items():
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
    words = {"deep": "nested too deeply", "deep500": "nested too deeply", "huge": "too long",
             "nan": "not a real number", "inf": "not a real number"}
    readers = [["complaint", "file", "--json"], ["rating", "add", "--json"], ["form", "print", "any-form", "--values"],
               ["central", "catalog", "publish", "--db", db_url]]
    cases = [(name, ["--data-dir", str(tmp_path), *reader, str(tmp_path / f"{name}.json")])
             for reader in readers for name in docs]
    for (name, argv), (code, err) in zip(cases, in_one_process([argv for _, argv in cases]), strict=True):
        assert code == 2 and words[name] in err and "Traceback" not in err, (argv[3:5], name, code, err[-1500:])


def test_enroll_code_for_an_unknown_agency_is_refused(tmp_path, db_url, tiny_catalog):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(tiny_catalog), encoding="utf-8")
    assert kiosk(tmp_path, "central", "catalog", "publish", "--db", db_url, str(catalog)).returncode == 0
    refused(kiosk(tmp_path, "central", "enroll-code", "--db", db_url, "--office", "Samsat Mataram",
                  "--agency", "no-such-agency"), "no-such-agency", "tidak ada dalam katalog", "bappenda")
    done = kiosk(tmp_path, "--json", "central", "enroll-code", "--db", db_url, "--office", "Samsat Mataram",
                 "--agency", "bappenda", "--ttl-hours", "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["agency_id"] == "bappenda"


BAD_NUMBERS = [
    ("central", "enroll-code", "--office", "X", "--agency", "bappenda", "--ttl-hours", "0"),
    ("central", "enroll-code", "--office", "X", "--agency", "bappenda", "--ttl-hours", "nan"),
    ("central", "enroll-code", "--office", "X", "--agency", "bappenda", "--ttl-hours", "inf"),
    ("central", "enroll-code", "--office", "X", "--agency", "bappenda", "--ttl-hours", "1e308"),  # overflows
    ("central", "enroll-code", "--office", "X", "--agency", "bappenda", "--ttl-hours", "9" * 5000),
    ("sync", "--batch-size", "0"),
    ("sync", "--batch-size", "501"),
    ("catalog", "search", "ktp", "--limit", "-1"),
    ("catalog", "search", "ktp", "--limit", "9" * 5000),
    ("sample-size", "-3"),
    ("printer", "jobs", "--limit", "0"),
    ("paper", "refilled", "--length-m", "-2"),
    ("central", "serve", "--port", "70000"),
    ("central", "fleet", "--stale-hours", "-1"),
    ("central", "complaints", "list", "--limit", "0"),
    ("doctor", "--disk-warn-mb", "-1"),
    ("run", "--size", "wide x tall"),
]


def test_numbers_out_of_range_exit_2_before_anything_runs(tmp_path):
    results = in_one_process([["--data-dir", str(tmp_path), *args] for args in BAD_NUMBERS])
    for args, (code, err) in zip(BAD_NUMBERS, results, strict=True):
        assert code == 2 and "error: argument" in err and "Traceback" not in err, (args[:4], code, err[-1500:])
    # Nothing ran: not even the kiosk database was created.
    assert not (tmp_path / "kiosk.db").exists()
