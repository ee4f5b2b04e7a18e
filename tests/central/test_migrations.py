"""The schema comes only from the Alembic migrations, and they build exactly the tables the code queries."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kiosk.central.db import metadata, open_database
from kiosk.central.settings import Settings

from .serverkit import database_url


def _head() -> str:
    """The newest revision in migrations/ (one head: two helpers' migrations must be chained)."""
    from pathlib import Path

    from alembic.script import ScriptDirectory

    import kiosk.central

    script = ScriptDirectory(str(Path(kiosk.central.__file__).parent / "migrations"))
    heads = script.get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def test_migrations_match_the_table_definitions_and_rerun_cleanly(backend, tmp_path):
    url = database_url(backend, tmp_path)
    engine = open_database(Settings(database_url=url))
    open_database(Settings(database_url=url)).dispose()  # a second start migrates nothing
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert ctx.get_current_revision() == _head()
        diff = compare_metadata(ctx, metadata)
    engine.dispose()
    assert diff == []


def test_no_create_all_in_production_code():
    from pathlib import Path

    import kiosk.central

    for path in Path(kiosk.central.__file__).parent.rglob("*.py"):
        assert "create_all(" not in path.read_text(encoding="utf-8"), path
