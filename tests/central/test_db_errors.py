"""A database error's message reaches the server log: it must not carry the values bound to the query."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kiosk.central.db import open_database, server_secrets
from kiosk.central.settings import Settings

from .serverkit import database_url

MARKER = "Siti Marker 5201014509870003"


def test_a_failed_write_does_not_show_its_values(backend, tmp_path):
    engine = open_database(Settings(database_url=database_url(backend, tmp_path)))
    try:
        with engine.begin() as conn:
            conn.execute(server_secrets.insert().values(name="x", value="a", created_at=sa.func.now()))
        with pytest.raises(sa.exc.IntegrityError) as caught:
            with engine.begin() as conn:
                conn.execute(server_secrets.insert().values(name="x", value=MARKER, created_at=sa.func.now()))
        assert "5201014509870003" not in str(caught.value)
    finally:
        engine.dispose()
