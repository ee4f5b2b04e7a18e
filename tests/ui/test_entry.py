"""The app as its systemd unit starts it: the `kiosk` command, `run`, in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_kiosk_run_draws_home_and_opens_the_core(ui_config, tmp_path):
    kiosk = Path(sys.executable).parent / "kiosk"
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_HOME": str(tmp_path / "kivy"),
           "KIVY_NO_FILELOG": "1"}
    out = subprocess.run(
        [str(kiosk), "--config", str(ui_config.source), "--data-dir", str(ui_config.data_dir),
         "run", "--windowed", "--size", "800x600", "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    marks = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("FIRST_FRAME", "CORE_READY")))
    assert float(marks["FIRST_FRAME"]) <= float(marks["CORE_READY"]), "Home first, then the core"
    assert "Traceback" not in out.stderr
