"""Shared by the central server's deploy tests: install.sh into a staging root, and the command and
environment a unit would run with, its absolute paths moved into that root."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from .conftest import DEPLOY, copy_source

CENTRAL = DEPLOY / "central"
UNITS = ("iplik-central.service", "iplik-central-tick.service", "iplik-central-tick.timer",
         "iplik-central-backup.service", "iplik-central-backup.timer")
# What the server's release holds besides the kiosk's parts: the technician's guide it links to.
APP = "opt/iplik-central/current"


def install(root: Path, source: Path, builder: Path, *args: str, version: str = "A") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CENTRAL / "install.sh"), "--root", str(root), "--from", str(source),
                           "--version", version, "--builder", str(builder), *args],
                          check=False, capture_output=True, text=True, timeout=180)


def fresh_source(tmp: Path) -> Path:
    return copy_source(tmp / "iplik-src")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments dropped, outer quotes removed)."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def set_env_value(path: Path, key: str, value: str) -> None:
    """Edit one line of an env file in place, as a technician does (the rest stays as it is)."""
    lines = path.read_text().splitlines()
    pattern = re.compile(rf"^#?{re.escape(key)}=")
    for i, line in enumerate(lines):
        if pattern.match(line):
            lines[i] = f"{key}={value}"
            break
    else:
        lines.append(f"{key}={value}")
    path.write_text("\n".join(lines) + "\n")


def rerooted(root: Path, value: str) -> str:
    return str(root / value.lstrip("/")) if value.startswith("/") else value


def unit_command(root: Path, unit: Path) -> tuple[list[str], dict[str, str]]:
    """The unit's ExecStart= and the environment systemd gives it (Environment=, then EnvironmentFile=
    over it, ${VAR} expanded in ExecStart), with every absolute path moved under ``root``."""
    from .test_units import unit_values

    values = unit_values(unit)
    env: dict[str, str] = {}
    for assignments in values.get("Environment", []):
        for item in shlex.split(assignments):
            key, _, value = item.partition("=")
            env[key] = value
    for env_file in values.get("EnvironmentFile", []):
        env.update(read_env_file(Path(rerooted(root, env_file.lstrip("-")))))
    env = {k: rerooted(root, v) for k, v in env.items()}
    (exec_start,) = values["ExecStart"]
    words = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], w) for w in shlex.split(exec_start)]
    words[0] = rerooted(root, words[0])
    return words, {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env}
