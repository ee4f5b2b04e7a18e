"""The OpenAPI spec in docs/ is the one the server serves (regenerate: kiosk central openapi --out docs/openapi.json)."""

from __future__ import annotations

import json
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_spec_matches_the_served_one(server, http):
    served = http.get(server.url + "/openapi.json", timeout=10).json()
    assert json.loads(DOC.read_text(encoding="utf-8")) == served, (
        "docs/openapi.json is stale: run `kiosk central openapi --out docs/openapi.json`"
    )


def test_every_operation_documents_its_problems(server, http):
    spec = http.get(server.url + "/openapi.json", timeout=10).json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert "422" not in codes, (method, path)  # we answer 400 with a Problem, not FastAPI's 422
            if path.startswith("/api/v1/sync"):
                assert "401" in codes, (method, path)
