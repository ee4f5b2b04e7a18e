"""Where the program's own files live. The app runs from its source tree (a release directory on a
kiosk, a checkout on a developer's machine), so assets and forms sit beside the package."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(os.environ.get("KIOSK_ASSETS", ROOT / "assets"))
FORMS = Path(os.environ.get("KIOSK_FORMS", ROOT / "forms"))
FONTS = ASSETS / "fonts"
DEMO_CATALOG = ASSETS / "demo" / "catalog.json"
