"""Shared parts of the deploy tests: a source tree to install, a fast release builder, provision.sh
runs into a staging root, and one real central server for the whole session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from central.serverkit import database_url, start_server

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
# What a release holds; copied from the working tree, so the tests install the code under test
# (update.sh would take a git checkout's committed HEAD).
SOURCE_PARTS = ("kiosk", "assets", "forms", "deploy", "config.toml", "pyproject.toml", "README.md")


def copy_source(dest: Path) -> Path:
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in SOURCE_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory) -> Path:
    return copy_source(tmp_path_factory.mktemp("src") / "iplik-kiosk")


@pytest.fixture(scope="session")
def builder(tmp_path_factory) -> Path:
    """Stands in for update.sh's default build (python3 -m venv + pip install -e ".[ui]"), which needs
    the network and a minute: a venv without pip whose .pth puts the release's own source first and
    this test environment's installed packages (Kivy, requests, ...) after it, and the same `kiosk`
    entry point pip would write. The code that runs is the release's, as on a kiosk."""
    path = tmp_path_factory.mktemp("builder") / "build-release"
    base = getattr(sys, "_base_executable", sys.executable)
    site = sysconfig.get_paths()["purelib"]
    pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    path.write_text(
        "#!/bin/sh\nset -e\n"
        'rel="$1"\n'
        f'"{base}" -m venv --without-pip "$rel/.venv"\n'
        f"printf '%s\\n%s\\n' \"$rel\" '{site}' > \"$rel/.venv/lib/{pyver}/site-packages/iplik-release.pth\"\n"
        "printf '#!%s\\nimport sys\\nfrom kiosk.cli import main\\nsys.exit(main())\\n' \"$rel/.venv/bin/python\""
        ' > "$rel/.venv/bin/kiosk"\n'
        'chmod +x "$rel/.venv/bin/kiosk"\n'
    )
    path.chmod(0o755)
    return path


def run_script(name: str, *args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(DEPLOY / name), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def provision(root: Path, source: Path, builder: Path, *args: str, version: str = "A") -> subprocess.CompletedProcess:
    return run_script("provision.sh", "--root", root, "--from", source, "--version", version, "--builder", builder, *args)


def read_manifest(root: Path) -> dict[str, tuple[str, str, str, str]]:
    out = {}
    for line in (root / ".iplik-manifest").read_text().splitlines():
        path, kind, mode, owner, group = line.split("\t")
        out[path] = (kind, mode, owner, group)
    return out


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("central")
    s = start_server(database_url("sqlite", tmp), tmp)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def engine(server):
    e = server.engine()
    yield e
    e.dispose()
