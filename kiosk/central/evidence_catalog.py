"""What the compliance evidence adds to a catalog at publish: each agency's approved aspects.

The standards editor's publish (``kiosk.central.standards``) calls :func:`compliance_for_catalog` inside
its transaction and replaces the ``compliance`` list of every agency named in the answer; agencies absent
from the answer keep the items their draft holds. Owned by the compliance-evidence part (issue 15).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def compliance_for_catalog(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    """``{agency_id: [catalog compliance item, ...]}`` in the catalog's JSON shape (``aspect``, ``status``,
    ``evidence``, and for a public upload its ``attachment``), approved items only."""
    return {}
