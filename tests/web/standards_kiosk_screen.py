"""Child process of the standards browser test: the kiosk app offscreen on a kiosk's data directory, its
service screen for one service rendered to PNG; prints the texts of the screen's widgets as JSON.

    python tests/web/standards_kiosk_screen.py CONFIG.toml SERVICE_ID OUT.png [TEXT]

With TEXT, the page is scrolled so that the widget showing exactly that text is in view for the picture.

Kivy allows one window per process (kiosk/ui/screenshots.py runs its sizes the same way)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(config_path: str, service_id: str, out: str, focus: str = "") -> int:
    from kiosk.config import load_config
    from kiosk.ui.driver import Driver, prepare_environment

    prepare_environment(Path(tempfile.mkdtemp(prefix="kivy-home-")))
    d = Driver(load_config(Path(config_path)), size=(1280, 800)).start()
    d.app.lang = "id"
    d.settle()
    d.app.go("service", service_id=service_id)
    d.settle()
    d.frames(3)
    target = next((w for w in d.walk(d.app.screen) if focus and getattr(w, "text", None) == focus), None)
    if target is not None:
        d.bring_into_view(target)
        d.frames(3)
    d.screenshot(Path(out))
    texts = [w.text for w in d.walk(d.app.screen) if isinstance(getattr(w, "text", None), str) and w.text]
    d.stop()
    print(json.dumps(texts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
